// Package wasm runs jsorc action modules compiled to WebAssembly, in
// process, on wazero (pure Go, no cgo). A Module is one .wasm file
// compiled once — ahead of time, through a compilation cache kept on disk
// — with a pool of isolated instances that serve concurrent calls; it is
// an actions.Instance, so the engine calls it in module mode exactly as it
// calls a built-in, and `jsorc serve-action --wasm FILE` serves it over the
// Jaseci action protocol in remote mode.
//
// The contract between jsorc and a module — what a module exports and
// imports, how JSON travels in and out through the module's own memory,
// how errors are told apart, and how the ABI is versioned — is
// docs/wasm-abi.md; abi.go holds its names and codes.
//
// Every call has a deadline: a module caught in a loop is interrupted when
// it passes (jsorc adds a cheap check at every loop head and a watchdog
// trips it; interrupt.go, watchdog.go), a trap fails the call, and
// in both cases the instance is dropped and a fresh one takes its place at
// the next call; the engine lives on. Each instance's linear memory is
// capped. Size reports what the module costs in memory, measured: its
// compiled code plus the linear memory of its live instances.
//
// The package knows the action model (package actions) and nothing of the
// engine, modes, HTTP or backends.
package wasm
