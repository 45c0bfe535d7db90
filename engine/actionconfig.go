package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/jsorc/jsorc/api/types"
)

// ActionConfig says how one module can run. A module is manageable once it
// has a config (JSORC's `actions config`).
type ActionConfig struct {
	// Builtin names the module compiled into jsorc that implements it
	// in-process; empty for a module that only runs remotely.
	Builtin string `json:"builtin,omitempty"`
	// Params configure the built-in (for synth: mem_mb, cpu_ms, ...).
	Params map[string]any `json:"params,omitempty"`
	// Local says how the local backend starts it as an action server. When
	// nil and Builtin is set, jsorc runs `jsorc serve-action`.
	Local *LocalServer `json:"local,omitempty"`
	// Kube holds the Kubernetes manifests of its action server.
	Kube *KubeServer `json:"kube,omitempty"`
	// URL is an action server someone else runs; remote mode then calls it
	// and jsorc starts nothing.
	URL string `json:"url,omitempty"`
	// LocalMemRequirement is the memory (MB) the module costs in-process.
	LocalMemRequirement float64 `json:"local_mem_requirement"`
	// KeepWarm keeps the remote server running after the module switches
	// to module mode, so a switch back is instant.
	KeepWarm bool `json:"keep_warm,omitempty"`
	// Timeout bounds one remote call, as a Go duration ("30s"); empty means
	// the engine's default.
	Timeout string `json:"timeout,omitempty"`
	// Replicas bounds how many action servers serve the module in remote
	// mode; nil means one.
	Replicas *ReplicaRange `json:"replicas,omitempty"`
	// Module and LoadedModule are JSORC's names of the Python module (its
	// ACTION_CONFIGS "module" and "loaded_module"), kept for status.
	Module       string `json:"module,omitempty"`
	LoadedModule string `json:"loaded_module,omitempty"`
	// WasmModule holds wasm: FILE and its settings, for a module compiled
	// to WebAssembly.
	WasmModule
}

// MaxReplicas bounds a module's replicas: each is a process (or a pod)
// with its own copy of the module.
const MaxReplicas = 64

// ReplicaRange is how many replicas of a module's action server may run:
// at least Min, at most Max; the autoscaler moves between them.
type ReplicaRange struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// validate checks the range of module name's replicas.
func (r *ReplicaRange) validate(name string, c ActionConfig) error {
	if r == nil {
		return nil
	}
	switch {
	case r.Min < 1:
		return errorf(ErrInvalid, "module %q: replicas.min is %d: give at least 1 (a module with no server is unloaded, or in module mode)", name, r.Min)
	case r.Max < r.Min:
		return errorf(ErrInvalid, "module %q: replicas.max (%d) is below replicas.min (%d): give max >= min, e.g. {min: %d, max: %d}", name, r.Max, r.Min, r.Min, max(r.Min, 1)*2)
	case r.Max > MaxReplicas:
		return errorf(ErrInvalid, "module %q: replicas.max is %d: at most %d", name, r.Max, MaxReplicas)
	case c.URL != "" && r.Max > 1:
		return errorf(ErrInvalid, "module %q: replicas: its server is someone else's (url), which jsorc cannot replicate; drop replicas or the url", name)
	}
	return nil
}

// LocalServer is the command the local backend runs to serve a module.
// Arguments may use the placeholders {jsorc} (this binary), {addr}, {host},
// {port}, {name} and {data}.
type LocalServer struct {
	Command []string          `json:"command"`
	Env     map[string]string `json:"env,omitempty"`
}

// KubeServer is the Kubernetes form of a module's action server.
type KubeServer struct {
	// Manifests are the objects to apply (Deployment, Service, ConfigMap).
	Manifests []map[string]any `json:"manifests,omitempty"`
	// Port is the Service port the action server listens on.
	Port int `json:"port,omitempty"`
}

// ConfiguredAction is an action config with where it came from.
type ConfiguredAction struct {
	ActionConfig
	// Source is "builtin" or the name of the file the config was read from.
	Source string `json:"source"`
}

// Runnable reports what the config allows: in-process, and as a server.
func (c ActionConfig) Runnable() (module, remote bool) {
	inProcess := c.Builtin != "" || c.Wasm != ""
	return inProcess, c.URL != "" || inProcess || (c.Local != nil && len(c.Local.Command) > 0) || c.Kube != nil
}

// ParseActionConfigs decodes a YAML or JSON document holding a map of module
// name to ActionConfig, or JSORC's ACTION_CONFIGS dict (module,
// loaded_module, remote manifests by kind, local_mem_requirement), bare or
// under its name. Unknown fields are errors.
func ParseActionConfigs(data []byte) (map[string]ActionConfig, error) {
	if src := strings.TrimSpace(string(data)); pythonModulePath.MatchString(src) {
		return nil, errorf(ErrInvalid, "action configs: %s", notAFileHint(src))
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, errorf(ErrInvalid, "action configs: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var out map[string]ActionConfig
	if err := dec.Decode(&out); err != nil {
		// Not jsorc's format: JSORC's ACTION_CONFIGS, or a mistake.
		set, ok, jerr := fromJSORC(js)
		switch {
		case !ok:
			return nil, errorf(ErrInvalid, "action configs: %v", err)
		case jerr == nil && len(set) == 0:
			return nil, errorf(ErrInvalid, "action configs: the source holds no module")
		}
		return set, jerr
	}
	if len(out) == 0 {
		return nil, errorf(ErrInvalid, "action configs: the source holds no module")
	}
	for name, c := range out {
		if err := c.validate(name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c ActionConfig) validate(name string) error {
	if err := validModuleName(name); err != nil {
		return errorf(ErrInvalid, "module %.80q: %v", name, err)
	}
	if m, r := c.Runnable(); !m && !r && c.Module != "" {
		return errorf(ErrInvalid, "module %q: JSORC imported %q into its own process, which jsorc cannot do for a Python module: "+
			"give its action server — remote manifests, or local: {command: [...]} running Jaseci's server, or url", name, c.Module)
	} else if !m && !r {
		return errorf(ErrInvalid, "module %q: the config gives neither a builtin nor a way to run a server (local.command, kube, url)", name)
	}
	if c.Local != nil && len(c.Local.Command) == 0 {
		return errorf(ErrInvalid, "module %q: local.command is empty", name)
	}
	if c.LocalMemRequirement < 0 {
		return errorf(ErrInvalid, "module %q: local_mem_requirement is negative", name)
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return errorf(ErrInvalid, "module %q: url %q is not an http(s) URL", name, c.URL)
	}
	if c.Timeout != "" {
		if _, err := parsePositiveDuration(c.Timeout); err != nil {
			return errorf(ErrInvalid, "module %q: timeout: %v", name, err)
		}
	}
	if err := c.Replicas.validate(name, c); err != nil {
		return err
	}
	return c.validateWasm(name)
}

// MaxNameLen bounds module and app names: the length of a DNS label, so
// a module's name serves as it is in the names of its Kubernetes objects,
// its log files and its action server's arguments.
const MaxNameLen = 63

// validModuleName accepts the names JSORC's modules use (use_enc,
// text_seg, sbert_sim): lower-case letters, digits, '_' and '-', starting
// and ending with a letter or a digit, at most MaxNameLen characters — a
// DNS label with '_' allowed, which is also a file name everywhere.
func validModuleName(name string) error {
	const want = "a module name is lower-case letters, digits, '_' and '-', starts and ends with a letter or a digit, and has at most 63 characters (e.g. use_enc)"
	if name == "" {
		return fmt.Errorf("empty name: %s", want)
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("name of %d characters: %s", len(name), want)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		inner := i > 0 && i < len(name)-1 && (c == '_' || c == '-')
		if !alnum && !inner {
			return fmt.Errorf("name %q: %s", name, want)
		}
	}
	return nil
}

// validName accepts app names (and the names action servers serve as):
// letters, digits, '_' and '-', at most MaxNameLen characters.
func validName(name string) error {
	if name == "" {
		return fmt.Errorf("empty name")
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("name of %d characters: the limit is %d", len(name), MaxNameLen)
	}
	for _, r := range name {
		ok := r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("name %q: only letters, digits, '_' and '-' are allowed", name)
		}
	}
	return nil
}

// BuiltinSourceName is the config source that selects the built-in set.
const BuiltinSourceName = types.BuiltinSourceName

// builtinConfigs is the config set of the modules compiled into jsorc, as
// `actions config NAME builtin` reads it.
func builtinConfigs() map[string]ActionConfig {
	return map[string]ActionConfig{
		"textenc": {Builtin: "textenc", LocalMemRequirement: 8},
		"echo":    {Builtin: "echo", LocalMemRequirement: 1},
		"synth":   {Builtin: "synth", Params: map[string]any{"mem_mb": 16, "cpu_ms": 2}, LocalMemRequirement: 16},
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
