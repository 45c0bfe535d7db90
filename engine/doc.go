// Package engine is jsorc's orchestrator: it keeps the action configs, decides
// for each module whether it runs in-process ("module" mode) or as a separate
// action server ("remote" mode), starts and retires those servers through a
// backend, routes every call to the placement serving it, switches placements
// make-before-break so that no call fails because of a switch, runs apps
// (request flows), and persists what it must remember in the store.
//
// The engine's exported methods are its API: the HTTP layer (package api),
// the CLI and the console all go through them. The engine knows nothing of
// HTTP routing, terminals or Bubble Tea; it imports only its own
// sub-packages, package store and package kube.
//
// # Loops
//
// New starts no goroutine. It adds the engine's loops — the backend's
// (keep-alive, informers), the sampler, the policy loop and one reconciler
// per module — to the run group given in Options (package internal/run),
// which the caller runs beside its API server: the group starts the
// backend first and stops it last, after the API has stopped accepting
// requests and the modules have drained. Close then releases the rest and
// closes the store.
package engine
