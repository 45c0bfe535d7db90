// Package testbed runs the placement policies of engine/policy against a
// real system instead of their own model: an in-process runtime that
// serves app requests on the machine's cores, JSORC's apps on synth
// modules that burn real CPU and hold real memory, and remote action
// servers as child processes behind a hop-delay proxy (internal/hopproxy)
// that adds latency and jitter to every request and answer.
//
// The runtime handles each request with CPU of its own, so a module
// serving in-process competes with request handling for the cores; the
// memory budget is set near the app's in-process memory, so not every
// module fits. The oracle is measured: every static placement that fits
// the budget is run for real, in short windows repeated round-robin
// (A B C A B C ...) so that the machine's noise falls on all of them, and
// the best measured mean is the reference.
//
// A policy is driven through the same Tick interface the engine uses: each
// window's per-module, per-mode call statistics become a
// policy.Observation, and the decision's moves are applied (a module moving
// in-process is loaded, its memory touched, before calls go to it; one
// moving out is closed once its calls have returned).
//
// The package is a harness for tests and benchmarks; the driver lives in
// testbed_bench_test.go behind the build tag "testbed" (make bench).
package testbed
