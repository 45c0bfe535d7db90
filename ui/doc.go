// Package ui is jsorc's operations console, a Bubble Tea program: panes for
// services, actions, policy, benchmark and live graphs, k9s-style keys, and a
// command line that takes the CLI's syntax.
//
// The console knows the engine only through Backend — the endpoints of
// api/types, called in-process (api.Local) or over HTTP when attached
// (api/client) — and imports nothing of the engine. All engine work runs in
// tea.Cmds.
//
// # Shape
//
// The root model (root.go) owns the panes and is the only part that returns
// a tea.View; each pane (pane_*.go) is a component with SetSize and a View
// that returns exactly the size it was given. They share one common struct:
// the screen's size, the styles of the theme (package themes), the key
// registry, the logger and the clock. Update routes each message family to
// one handler: keys (handle_keys.go), reads of the engine (handle_read.go),
// answers to requests (handle_result.go), engine events, spinner frames.
//
// # Talking to the engine
//
// Every Backend call runs in a tea.Cmd with a timeout and comes back as a
// typed message; a failure is a message too and lands on the status line or
// in the header, never in a panic. A 1 Hz tick reads everything at once —
// statuses, measurements, policy, kept-alive services, the benchmark's live
// report, the load test's progress, and tracksys (each second while it runs,
// every fifth otherwise: its report holds every state) — and is re-armed by
// its answer, so a slow engine slows the refresh instead of piling reads up.
// Engine events (Backend.Events: the engine's broker in-process, its event
// stream when attached; each event says what changed and who caused it)
// trigger an immediate read of what they concern; a stream that ends is
// asked for again while the refresh goes on; results of loads, unloads and policy changes are messages, which the
// program delivers reliably. A remote load asks the engine not to wait and
// is followed, with a spinner and its elapsed time, on each status read
// until it is READY, fails, or gives up after readyTimeout.
//
// # Measuring
//
// b, t and s start and stop the engine's benchmark, trackact and tracksys
// (measuring.go). The Benchmark pane shows the live report per request type
// and name (and "all"): throughput, mean, p50/90/95/99; after a stop, the
// last report and when it stopped; above it, a running load test's
// progress. The Graphs pane's frame shows tracksys's source (prometheus or
// proc); the status line says when trackact stopped with how many entries.
// A start refused because the tool runs (a 409 over HTTP), or a stop of one
// that does not, goes to the status line and is believed, so the key does
// the right thing next. Each start or stop answered opens a new epoch: a
// refresh planned before it says nothing of the benchmark or tracksys.
//
// # Keys
//
// One registry (keys.go) drives both the key handling and the help screen;
// a key that does nothing where the user is is neither handled nor listed.
//
//	?            help              :            command line
//	tab, →       next pane         shift+tab ←  previous pane
//	↑↓ j k       move              g G pgup pgdn  first, last, page
//	enter        module detail     esc          back (detail, filter, view)
//	l            logs (follows)    o            output (results in full)
//	d, enter     describe          c            call an action (a form)
//	L            load (asks mode)  u            unload (asks first)
//	m            switch mode (asks) p           choose the policy (asks)
//	/            filter (regex; !x hides what matches x)
//	1…8          sort by a column (again: reverse)
//	+ -          graphs' time window
//	b t s        benchmark, trackact, tracksys: start, or stop
//	q, ctrl+c    quit
//
// While the command line or the filter is open, every key is text: global
// keys do not fire (ctrl+c still quits). The command line is interpreted by
// interpret (interpreter.go), a pure function tested by tables: `actions
// load NAME -mode remote`, `actions unload NAME`, `actions status [NAME]`,
// `actions call M.A -ctx JSON`, `actionpolicy set NAME`, `benchmark
// start|report|stop`, `trackact start|stop`, `tracksys start|report|stop`,
// pane names (`service info` is the Services pane), `q`.
// Tab completes verbs, modules, actions, flags and their values; ↑/↓ walk
// the history.
//
// # Layout
//
// From 80×24 the screen has a header, a tab bar, the body, a status line and
// a line of keys; below it (down to 50×10) the compact view drops the line
// of keys (? lists them). From 120×40 the body is the dashboard: the module
// table across the top, the four graphs under it, and the policy (its
// latest decisions), the services and the events side by side at the
// bottom, the benchmark too from 180 columns; a pane it leaves out takes
// the body when focused. Narrower screens show the focused pane, or from
// 140 columns the module table and the graphs side by side. Below 50×10
// the console asks for a larger terminal.
//
// # Graphs and events
//
// The graphs read the engine's history (jsorc_history: an hour at 10 s,
// six at 1 min, the last ten minutes at 1 s) when the console starts or
// its event stream reconnects, then add the newest points from each
// refresh; their titles say whose figures they are (the engine and all
// its action servers, or one module) and per what. A module whose detail
// is open (enter) has its own graphs; esc goes back to the engine's. The
// Events pane lists the engine's events newest first with who caused them
// (the console, the CLI, another API client, the policy, the keep-alive
// loop), seeded from the events the engine keeps (jsorc_events); the
// status line shows the latest when it has nothing else to say.
package ui
