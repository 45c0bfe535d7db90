// Package measure holds the measuring pieces of jsorc: the request-level
// benchmark, action tracking (trackact), system sampling (tracksys) from
// Prometheus or from /proc, the load generator of `jsorc loadtest` and a small
// SVG plotter for its results.
//
// Every piece is a component the engine wires in and drives; none of them
// imports the engine, starts goroutines of its own (except [Load], while it
// runs) or reads a clock behind the caller's back where the caller passes
// one. All of them are safe for concurrent use and keep bounded memory however
// long they run.
//
// # Life cycle and errors
//
// The three JSORC trackers ([Benchmark], [ActionTracker], [SysTracker]) share a
// life cycle: Start, then Report/Tick while running, then Stop, which hands
// back the final answer and clears the active flag (JSORC's stop never did).
// Misuse is reported, not ignored: reading or stopping a tracker that was
// never started yields an error matching [ErrNotStarted]; starting one that
// runs yields [ErrAlreadyStarted]. Both wrap a message naming the tracker and
// the CLI verb that fixes it, so the engine can pass them through to users
// and map them to HTTP statuses with errors.Is.
//
// # Who calls what, when
//
//   - [Benchmark.Record] on every finished request (the app runner), whether
//     or not a benchmark runs: it costs one atomic load when none does, and a
//     few tens of nanoseconds, without locking or allocating, when one does.
//   - [ActionTracker.Tick] once per engine tick (say each second) with the
//     cumulative per-action snapshots and the current placement.
//   - [ProcSampler.Sample] or [PromSource.Query] once per tracksys tick, then
//     [SysTracker.Tick] with the result and where it came from.
//   - [Load] from the loadtest driver, with the request to repeat.
//
// # Answer shapes
//
// [Report], [Entry] and [SysReport] marshal with encoding/json to the shapes of
// JSORC's jsorc_benchmark_report, jsorc_trackact_stop and jsorc_tracksys_report
// answers (see DESIGN §4). Timestamps ("ts") are Unix seconds as a float, as
// JSORC's time.time() gave them; latencies are milliseconds in the benchmark
// report and seconds in trackact histories, again as JSORC had them.
//
// # Network figures on the local backend
//
// Linux keeps no per-process byte counters for network traffic. [ProcSampler]
// reports the counters of the network namespace the process lives in
// (/proc/PID/net/dev), summed over all interfaces including loopback. Action
// servers of the local backend share the host's namespace, so on that backend
// every process shows the same, machine-wide rates; the tracksys answer says
// so in its "note". Prometheus' process collector reads the same file, so the
// local-backend Prometheus figures share the caveat. Pods in Kubernetes have
// their own namespace, so there the figures are per pod.
package measure
