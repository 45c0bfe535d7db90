// Package types is the vocabulary of jsorc's API, shared by the server
// (package api), the client (api/client), the CLI and the console: every
// endpoint's parameters and answer, the reports and statuses they carry,
// the engine's events, and the error kinds with the codes they travel as.
//
// It imports the standard library only, so the console and the client link
// nothing of the engine. The engine names these types through aliases
// (engine.ActionStatus is types.ActionStatus): each shape is written once,
// here, and there is nothing to convert.
//
// The endpoints are listed once, in endpoints.go, as typed [Endpoint]
// values: the server binds a handler to each, [Call] calls one through any
// [Caller] (the HTTP client, or an in-process engine), and the command
// table of the CLI and the console names them.
package types
