// Package engine is jsorc's orchestrator: it keeps the action configs, decides
// for each module whether it runs in-process ("module" mode) or as a separate
// action server ("remote" mode), starts and retires those servers through a
// backend, routes every call to the placement serving it, switches placements
// make-before-break so that no call fails because of a switch, runs apps
// (request flows), and persists what it must remember in the store.
//
// The engine's exported methods are its API: the HTTP layer (package api),
// the CLI and the console all go through them. The engine knows nothing of
// HTTP routing, terminals or Bubble Tea, and nothing of processes or
// Kubernetes: it knows backends through the interfaces of package
// engine/backend only (the caller chooses one: engine/backend/local or
// engine/backend/kube), and follows the action servers someone else runs
// with engine/backend/external on either.
//
// # Loops
//
// New starts no goroutine. It adds the engine's loops — the backend's
// (keep-alive, informers), the sampler, the policy loop and one reconciler
// per module — to the run group given in Options (package internal/run),
// which the caller runs beside its API server. Each module's remote action
// server runs in the same group while the module needs it. The group
// starts the backend first and stops it last, after the API has stopped
// accepting requests, the loops have stopped and the modules have drained.
// Close then releases the backend and closes the store.
//
// # Events
//
// Subscribe delivers typed events (api/types: load, unload, switch, crash,
// restart, policy, service, measure, loadtest, config, apps, module)
// through the broker of package internal/pubsub, each with a time, a
// message and its cause (who asked: the context of the request carries it,
// types.WithCause), coalesced per thing for a subscriber that falls behind.
// Events are numbered from 1 at each start (EventBoot names the start) and
// the latest are kept (EventsSince), so the API's event stream can resume
// a client that reconnects.
package engine
