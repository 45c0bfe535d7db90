package backend

import (
	"context"
	"time"
)

// Phase is the life stage of a module's remote action server.
type Phase int

// Phases of a remote action server.
const (
	PhaseNone Phase = iota
	PhaseStarting
	PhaseReady
	PhaseCrashed
	PhaseNotInstalled
)

// Status is the phase as JSORC's action status spells it ("" for none).
func (p Phase) Status() string {
	switch p {
	case PhaseStarting:
		return "STARTING"
	case PhaseReady:
		return "READY"
	case PhaseCrashed:
		return "CRASHED"
	case PhaseNotInstalled:
		return "NOT_INSTALLED"
	}
	return ""
}

// State is what a backend reports of a module's remote action server.
type State struct {
	Phase Phase
	// URL is where calls go.
	URL       string
	PID       int
	Restarts  int
	LastError string
	// External is true for a server someone else runs (the config's url).
	External bool
	// Spec is the server's action spec, read by the readiness probe (or,
	// when it cannot be read, implied by the config).
	Spec map[string][]string
	// Since is when the phase last changed.
	Since time.Time
	// Replicas are the server's replicas, by index, when the backend runs
	// more than one process per module (nil: one, at URL). Phase, URL,
	// PID and Spec above are then those of the first ready replica (or
	// replica 0 when none is), Restarts their sum.
	Replicas []Replica
	// Desired is how many replicas the backend is asked to run (0: one).
	Desired int
	// Ready counts the ready replicas behind URL when the backend
	// balances calls among them itself (Kubernetes: the Service) and
	// Replicas is nil; 0 otherwise.
	Ready int
	// ReplicaMemBytes is the memory one replica asks of its node, where
	// the backend's objects say it (the kube backend: the pod's memory
	// request, else its limit), for when nothing measures the replicas;
	// 0 when they ask for none. ReplicaMemFrom says which: "request",
	// "limit", or "request and limit" (containers differ).
	ReplicaMemBytes int64
	ReplicaMemFrom  string
}

// Replica is one replica of a module's action server.
type Replica struct {
	// Index numbers the replica from 0; scaling down removes the highest.
	Index int
	Phase Phase
	// URL is where the replica takes calls (its own port).
	URL      string
	PID      int
	Restarts int
}

// ReadyReplicas counts the replicas that are READY (for a server without
// replicas: Ready, else 1 when it is READY).
func (s State) ReadyReplicas() int {
	if s.Replicas == nil {
		if s.Ready > 0 {
			return s.Ready
		}
		if s.Phase == PhaseReady {
			return 1
		}
		return 0
	}
	n := 0
	for _, r := range s.Replicas {
		if r.Phase == PhaseReady {
			n++
		}
	}
	return n
}

// ServerSpec is what a backend needs to run a module's action server: the
// part of the module's action config that says how it runs remotely.
type ServerSpec struct {
	// Module is the module's name.
	Module string
	// Builtin and Params name the built-in module and its parameters, which
	// `jsorc serve-action` serves when nothing more specific is given.
	Builtin string
	Params  map[string]any
	// Command and Env are how the local backend runs the server, with the
	// placeholders {jsorc}, {addr}, {host}, {port}, {name} and {data}.
	Command []string
	Env     map[string]string
	// Manifests and Port are the server's Kubernetes objects and the port of
	// its Service.
	Manifests []map[string]any
	Port      int
	// URL is an action server someone else runs.
	URL string
	// Replicas is how many replicas a Scaler starts with; 0 when the
	// module's config gives no range: one on the local backend, the
	// manifests' own count on Kubernetes.
	Replicas int
	// Wasm is the WebAssembly module `jsorc serve-action --wasm` serves,
	// when the module is one.
	Wasm *WasmServer
}

// WasmServer is a WebAssembly module to serve as an action server. Its
// JSON is what `jsorc serve-action --wasm FILE --wasm-config JSON` takes.
type WasmServer struct {
	// Path is the module's file on the engine's machine; CacheDir the
	// compiled-code cache there (for a backend that lists its actions).
	Path     string `json:"-"`
	CacheDir string `json:"-"`
	// SHA256 is the file's digest (hex); the server refuses another file.
	SHA256 string `json:"sha256,omitempty"`
	// Env, Args and Dirs are the module's WASI environment, arguments and
	// read-only host directories (guest path to host path).
	Env  map[string]string `json:"env,omitempty"`
	Args []string          `json:"args,omitempty"`
	Dirs map[string]string `json:"dirs,omitempty"`
	// Instances and MemoryLimitMB size the pool of instances (0: the
	// defaults).
	Instances     int `json:"instances,omitempty"`
	MemoryLimitMB int `json:"memory_limit_mb,omitempty"`
	// Timeout bounds one call, as a Go duration ("" for the default).
	Timeout string `json:"timeout,omitempty"`
	// Uninterruptible drops the loop checks (a trusted module's loops run
	// a little faster; a runaway one is never stopped).
	Uninterruptible bool `json:"uninterruptible,omitempty"`
}

// Launcher starts modules' remote action servers.
type Launcher interface {
	// Launch prepares the action server of spec.Module: it checks the spec
	// and returns the server without starting anything. report receives
	// every change of the server's state once the server runs; it must not
	// block.
	Launch(spec ServerSpec, report func(State)) (Server, error)
}

// Server is one module's remote action server.
type Server interface {
	// Start runs (or follows) the server until ctx ends, reporting its
	// state; it returns nil after a clean stop. The engine runs it in its
	// run group, so it ends when the module stops it or the engine stops.
	Start(ctx context.Context) error
	// Retire removes what of the server outlives Start (a Deployment and
	// Service on Kubernetes), once Start has returned, and waits until it
	// is gone or ctx ends. A server whose process ends with Start has
	// nothing to retire. It is not called when the engine merely stops.
	Retire(ctx context.Context) error
}
