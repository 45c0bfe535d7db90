// Package backend is the seam between the engine and the places where
// remote action servers and kept-alive services run. It holds interfaces
// and the plain data that crosses them, and imports nothing of this
// project.
//
// A backend is opened once per engine ([Opener], with the data directory
// and the META_CONFIG in force) and then:
//
//   - launches a module's remote action server ([Launcher]) from a
//     [ServerSpec]; the [Server] it returns is a runnable the engine runs in
//     its group, which reports every change of [State] through a callback,
//     and which the engine retires when the module no longer needs it;
//   - keeps the platform services alive ([Keeper]): META_CONFIG's
//     keep_alive, automation and interval with the service definitions, the
//     services' info, refresh, URLs, and the scrape targets of the
//     kept-alive Prometheus;
//   - names the loops it needs running for as long as the engine runs
//     ([Backend.Runnables]), and releases what is left on Close.
//
// The packages local (supervised child processes on this machine) and kube
// (a namespace of a Kubernetes cluster) implement it; external watches the
// action servers someone else runs, on either; fake runs action servers
// in-process for the engine's own tests.
//
// # Capabilities
//
// What only some backends can do is a small interface of its own that the
// engine (or a later console) type-asserts, k9s style, never an if on the
// backend's name: [Dialer] (the engine's calls dial through the backend:
// port-forwards into a cluster), [LogSource] (the logs of action servers
// and services) and [Scaler] (replicas, for the issue that builds it).
//
// # Types of the keep-alive
//
// The keep-alive's definitions and info are still package services's
// types, and services is the local backend's process world. So that this
// package does not import it, [Keeper] and [Backend] take them as type
// parameters; the engine instantiates them once. When the service
// vocabulary moves out of services, the parameters go.
package backend
