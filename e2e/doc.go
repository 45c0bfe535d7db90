// Package e2e holds black-box end-to-end tests of the jsorc binary. The tests
// build the binary once, start real engines (`jsorc serve`) on free loopback
// ports with their own data directories, and drive them through the CLI
// exactly as a user would: configure, load in module and remote mode, call,
// unload, kill and restart. They check what a user can observe from outside:
// exit codes, printed answers, the engine's files and the processes it runs.
//
// The package has no non-test code; `go test -short ./e2e/` skips the slow
// tests (remote action servers, restarts, the memory figure).
package e2e
