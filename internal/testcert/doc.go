// Package testcert writes a self-signed TLS certificate for loopback, for
// tests that run a TLS server (the engine's HTTPS API, an SMTP server with
// STARTTLS) and a client that trusts it. It knows nothing of jsorc.
package testcert
