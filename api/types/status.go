package types

import "fmt"

// BuiltinSourceName is the config source that configures the built-in
// modules: `jsorc actions config NAME builtin`.
const BuiltinSourceName = "builtin"

// ActionStatus is one module's status in JSORC's shape — mode, module,
// remote — with what jsorc adds: the mode actually serving calls (which
// differs from mode while a switch is under way), the actions, the config's
// source and the last failure.
type ActionStatus struct {
	// Mode is the requested mode: "module", "remote", or null when unloaded.
	Mode *string `json:"mode"`
	// Serving is the mode serving calls right now ("" when none).
	Serving string       `json:"serving"`
	Module  ModuleStatus `json:"module"`
	Remote  RemoteStatus `json:"remote"`
	Actions []string     `json:"actions"`
	Source  string       `json:"source"`
	// LastError is the last failure to reach the requested mode.
	LastError string `json:"last_error,omitempty"`
	// Fallback says why the module serves in-process although its
	// requested mode is remote: its action server is down.
	Fallback string `json:"fallback,omitempty"`
	// InFlight counts the calls running now, on the serving placement and
	// on placements still draining after a switch.
	InFlight int `json:"in_flight"`
}

// ModuleStatus describes the in-process side of a module.
type ModuleStatus struct {
	// Kind is what implements the module: "builtin" (compiled into
	// jsorc), "wasm" (a WebAssembly module, in-process or remote) or
	// "external" (an action server only: a url, a command, manifests).
	Kind    string `json:"kind"`
	Builtin string `json:"builtin,omitempty"`
	// Wasm is a wasm module's file, as configured.
	Wasm   string `json:"wasm,omitempty"`
	Loaded bool   `json:"loaded"`
	// LocalMemRequirement is what the module costs in-process (MB): a wasm
	// module's measured size once it has one, else the config's figure.
	LocalMemRequirement float64 `json:"local_mem_requirement"`
	// SizeBytes is a wasm module's measured in-process size: its compiled
	// code plus its instances' linear memory (0: not measured).
	SizeBytes int64 `json:"size_bytes,omitempty"`
}

// Module kinds (ModuleStatus.Kind).
const (
	KindBuiltin  = "builtin"
	KindWasm     = "wasm"
	KindExternal = "external"
)

// RemoteStatus describes the module's remote action server.
type RemoteStatus struct {
	URL string `json:"url"`
	// Status is STARTING, READY, CRASHED, NOT_INSTALLED, or "" when no server runs.
	Status    string `json:"status"`
	PID       int    `json:"pid,omitempty"`
	Restarts  int    `json:"restarts,omitempty"`
	External  bool   `json:"external,omitempty"`
	LastError string `json:"last_error,omitempty"`
}

// String renders a status as one line, for logs.
func (s ActionStatus) String() string {
	mode := "none"
	if s.Mode != nil {
		mode = *s.Mode
	}
	return fmt.Sprintf("mode=%s serving=%s remote=%s %s", mode, s.Serving, s.Remote.Status, s.Remote.URL)
}
