// Package policy holds jsorc's placement policies: the rules that decide, from
// what the engine measures, which action modules run in-process ("module"
// mode) and which as separately deployed action servers ("remote" mode).
//
// The package is pure logic: no I/O, no goroutines, no clock, no HTTP, no
// knowledge of the engine's internals. The engine feeds a [Policy] one
// [Observation] per tick and applies the [Move]s of the [Decision] it gets
// back through its make-before-break switch path.
//
// # What the engine feeds each tick
//
// An Observation carries the end of the window (At) and its length (Window,
// normally the 1 s tick); the node's memory (NodeMemMB, read from the machine
// or the cluster; a node_mem_mb parameter overrides it) and the runtime's base
// memory (BaseMemMB, default 300 MB); and, for every managed module, its
// current mode (ModeNone if it has none yet), the mode a switch in progress
// is heading to (Pending), when its mode took effect (Since), its
// local_mem_requirement (MemMB) and the calls it served in each mode during
// the window ([CallStats]: count, mean latency, payload bytes and, if the
// engine can tell, the per-call standard deviation — the delta Snapshot of
// the track package per mode), and, for every app, the requests completed in
// the window and their mean latency. The memory rule is JSORC's:
// base + Σ in-process modules ≤ [MemLimitFraction] × node memory.
//
// # What a policy returns
//
// A Decision holds the target placement of every module, the moves leading
// there (each with a reason; moves to remote come first so memory is freed
// before anything is loaded in-process), a phase word and a status sentence
// for the console's policy pane and the API, when the policy next acts, and
// the per-module estimates of policies that model modules.
//
// # Policies
//
//   - "default" never changes a mode.
//   - "evaluation" is JSORC's policy, with its defects fixed: it tries every
//     fitting module/remote assignment for eval_phase in Gray-code order,
//     applies the best and holds it for perf_phase (doubled while the best
//     does not change). It needs 2^n evaluation windows.
//   - "costmodel" is jsorc's own: it measures per-call latency in both modes,
//     estimates the network hop, weighs each module's calls per request
//     against its memory and solves the resulting 0/1 knapsack exactly, moving
//     straight to the optimum, with hysteresis against flapping (a gain
//     threshold, a per-switch cost that grows with measurement noise, a dwell
//     time) and workload-shift detection for re-planning.
//
// Construct one with [New].
//
// # Simulation
//
// [Simulate] runs JSORC's experiment (its eight apps at node budgets of 4, 6
// and 8 GB, at JSORC's real memory figures) through the same Tick interface,
// under a stated [LatencyModel], comparing all_local, all_remote, the oracle,
// evaluation and costmodel; [Table] renders the rows and [SimulateReport]
// adds workload-shift and steady-state runs for `jsorc simulate`.
package policy
