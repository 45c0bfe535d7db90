// Package local is the local backend: remote action servers and kept-alive
// services run as supervised child processes on this machine, on loopback.
//
// It wires the engine's backend seam (package backend) to the packages that
// do the work: engine/local supervises each action server (a fresh
// loopback port per start, readiness when its spec endpoint answers,
// restarts with back-off), and engine/services keeps the platform services
// alive. Each action server logs to DATA/logs/action-NAME.log.
//
// It knows nothing of the engine, of Kubernetes or of the console.
package local
