// Package actions defines what an action module is — a named group of actions,
// each with an ordered parameter list — and holds jsorc's built-in modules:
// textenc (a hashed n-gram sentence encoder), synth (a configurable workload
// for experiments) and echo (protocol tests).
//
// The package knows nothing of modes, routing, HTTP or persistence: an
// Instance is a loaded module whose actions are plain Go functions, called
// in-process by the engine's router or served over HTTP by package protocol.
package actions
