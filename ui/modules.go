package ui

import (
	"github.com/jsorc/jsorc/api/types"
)

// moduleRow is one configured module as the console shows it: its status
// joined with its measurements.
type moduleRow struct {
	name  string
	st    types.ActionStatus
	stats types.CallStats
	// server is the resource use of its action server, when measured.
	server types.ProcStats
	state  moduleState
}

// moduleState is a module's condition in a word, with its symbol and tone:
// the console never tells a state by colour alone.
type moduleState struct {
	symbol, word string
	tone         tone
	// busy marks a state that is changing (a spinner replaces the symbol).
	busy bool
}

// text is the symbol and the word.
func (s moduleState) text() string { return s.symbol + " " + s.word }

// mode is the requested mode, "" when unloaded.
func mode(st types.ActionStatus) string {
	if st.RequestedMode == nil {
		return ""
	}
	return *st.RequestedMode
}

// stateOf derives a module's state from its status.
func stateOf(st types.ActionStatus) moduleState {
	md := mode(st)
	switch {
	case st.Remote.Status == "CRASHED" && md == "remote":
		return moduleState{"✗", "CRASHED", toneErr, false}
	case md != "" && st.Serving != md && st.LastError != "":
		return moduleState{"✗", "FAILED", toneErr, false}
	case md == "remote" && st.Remote.Status == "NOT_INSTALLED":
		return moduleState{"✗", "NOT_INSTALLED", toneErr, false}
	case md != "" && st.Serving == md && (md != "remote" || st.Remote.Status == "READY"):
		return moduleState{"●", "READY", toneOK, false}
	case md != "":
		return moduleState{"◌", "STARTING", toneWarn, true}
	case st.Serving != "":
		return moduleState{"◌", "STOPPING", toneWarn, true}
	case st.Remote.Status == "READY" || st.Remote.Status == "STARTING":
		return moduleState{"○", "WARM", toneMuted, false}
	}
	return moduleState{"○", "UNLOADED", toneMuted, false}
}

// hasInProcess reports whether a module can run in-process: a built-in or
// a WebAssembly module.
func hasInProcess(st types.ActionStatus) bool {
	return st.Module.Builtin != "" || st.Module.Wasm != ""
}

// kindOf is a module's kind as the table shows it.
func kindOf(st types.ActionStatus) string {
	if st.Module.Kind == "" {
		return dash
	}
	return st.Module.Kind
}

// memMB is what the module costs now: in-process, what it is known to
// cost when loaded; as a remote action server the engine measures (its
// process, or its pod while tracksys reads Prometheus), the server's
// resident memory.
func (r *moduleRow) memMB() float64 {
	if r.server.MemBytes > 0 && mode(r.st) == "remote" {
		return float64(r.server.MemBytes) / (1 << 20)
	}
	if !r.st.Module.Loaded {
		return 0
	}
	return r.st.Module.LocalMemRequirement
}

// cpuCores is the CPU of the module's action server when the engine
// measures it (remote mode), else 0.
func (r *moduleRow) cpuCores() float64 {
	if mode(r.st) != "remote" {
		return 0
	}
	return r.server.CPUCores
}

// buildRows joins statuses and measurements, in no particular order.
func buildRows(status map[string]types.ActionStatus, stats types.Stats) []moduleRow {
	rows := make([]moduleRow, 0, len(status))
	for name, st := range status {
		rows = append(rows, moduleRow{name: name, st: st, stats: stats.Modules[name], server: stats.Servers[name], state: stateOf(st)})
	}
	return rows
}
