package types

import (
	"encoding/json"
	"fmt"
	"time"
)

// BuiltinSourceName is the config source that configures the built-in
// modules: `jsorc actions config NAME builtin`.
const BuiltinSourceName = "builtin"

// ActionStatus is one module's status in JSORC's shape — mode, module,
// local, remote, each key with JSORC's meaning — with what jsorc adds: the
// mode asked for, the actions, the config's source and the last failure.
type ActionStatus struct {
	// Mode is JSORC's mode: the mode serving calls, "module" or "remote";
	// null until the module serves, and the previous mode while a switch
	// is under way (a script waits for it to become the mode it asked).
	Mode *string `json:"mode"`
	// RequestedMode is the mode asked for last (null after an unload):
	// Mode becomes it once the module serves there.
	RequestedMode *string `json:"requested_mode"`
	// Serving is Mode as a string ("" when none), for displays.
	Serving string       `json:"serving"`
	Module  ModuleStatus `json:"module"`
	// Local is JSORC's unused {"path": null}, kept for its shape.
	Local   LocalStatus  `json:"local"`
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
	// Draining counts the placements swapped out whose calls are still
	// finishing (an in-process one is closed, or kept, once they have).
	Draining int `json:"draining,omitempty"`
}

// ModuleStatus describes the in-process side of a module.
type ModuleStatus struct {
	// Name is JSORC's module.name while the module serves in-process: its
	// config's ACTION_CONFIGS "module", else the module's name; null
	// otherwise. LoadedModule is likewise the config's "loaded_module"
	// (else the module's name): what actions_module_list lists.
	Name         string `json:"name"`
	LoadedModule string `json:"loaded_module"`
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
	// KeptUntil is set while a wasm module that moved to remote keeps its
	// compiled code and an instance in the engine's memory, for a move back
	// that costs nothing: until then.
	KeptUntil *time.Time `json:"kept_until,omitempty"`
}

// MarshalJSON writes an empty name and loaded_module as null, as JSORC did.
func (m ModuleStatus) MarshalJSON() ([]byte, error) {
	type plain ModuleStatus
	// The outer fields win over the embedded ones of the same JSON name.
	return json.Marshal(struct {
		plain
		Name         *string `json:"name"`
		LoadedModule *string `json:"loaded_module"`
	}{plain(m), orNull(m.Name), orNull(m.LoadedModule)})
}

// LocalStatus is JSORC's "local" of a status, whose path was always null.
type LocalStatus struct {
	Path *string `json:"path"`
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
	// ReplicasReady and ReplicasDesired count the replicas of a server
	// the engine runs (jsorc's addition; absent when no server runs).
	ReplicasReady   int `json:"replicas_ready,omitempty"`
	ReplicasDesired int `json:"replicas_desired,omitempty"`
	// ReplicasScaling says who sets the replicas of a module whose config
	// gives a range (max > min): ScalingAuto (the autoscaler) or
	// ScalingManual (`actions scale NAME N` pinned them until `actions
	// scale NAME auto`); empty without a range.
	ReplicasScaling string `json:"replicas_scaling,omitempty"`
}

// Who sets a module's replicas (RemoteStatus.ReplicasScaling).
const (
	ScalingAuto   = "auto"
	ScalingManual = "manual"
)

// MarshalJSON writes an empty url and status as null, as JSORC did.
func (r RemoteStatus) MarshalJSON() ([]byte, error) {
	type plain RemoteStatus
	return json.Marshal(struct {
		plain
		URL    *string `json:"url"`
		Status *string `json:"status"`
	}{plain(r), orNull(r.URL), orNull(r.Status)})
}

// orNull is s, or nil (null) when it is empty. (Decoding null into a
// string leaves it "", so no decoder is needed.)
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// String renders a status as one line, for logs.
func (s ActionStatus) String() string {
	mode, asked := "none", "none"
	if s.Mode != nil {
		mode = *s.Mode
	}
	if s.RequestedMode != nil {
		asked = *s.RequestedMode
	}
	return fmt.Sprintf("mode=%s requested=%s remote=%s %s", mode, asked, s.Remote.Status, s.Remote.URL)
}
