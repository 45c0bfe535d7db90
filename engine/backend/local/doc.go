// Package local is the local backend: remote action servers and kept-alive
// services run as supervised child processes on this machine, on loopback.
//
// It wires the engine's backend seam (package backend) to the packages that
// do the work: engine/local supervises each action server (a fresh
// loopback port per start, readiness when its spec endpoint answers,
// restarts with back-off), and engine/services keeps the platform services
// alive. Each action server logs to DATA/logs/action-NAME.log. A built-in's
// or WebAssembly module's server also listens on a Unix domain socket in
// DATA/sock, and the backend, as the engine's dialer (backend.Dialer),
// takes the engine's calls there; the Jaseci protocol stays TCP for
// everyone else.
//
// It knows nothing of the engine, of Kubernetes or of the console.
package local
