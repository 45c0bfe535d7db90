package actions

import (
	"fmt"
	"sort"
)

// Builtin is a module compiled into jsorc. New loads one instance of it;
// params come from the module's action config (for synth: mem_mb, cpu_ms,
// response_bytes) and unknown keys are errors.
type Builtin struct {
	Name string
	Doc  string
	New  func(params map[string]any) (Instance, error)
}

// Registry maps built-in module names to their constructors. It is built by
// NewRegistry and read-only afterwards.
type Registry struct {
	byName map[string]Builtin
}

// NewRegistry returns the registry of every module compiled into jsorc.
func NewRegistry() *Registry {
	r := &Registry{byName: make(map[string]Builtin)}
	for _, b := range []Builtin{textencBuiltin(), synthBuiltin(), echoBuiltin(), testModuleBuiltin()} {
		r.byName[b.Name] = b
	}
	return r
}

// Lookup returns the built-in module called name.
func (r *Registry) Lookup(name string) (Builtin, error) {
	b, ok := r.byName[name]
	if !ok {
		return Builtin{}, fmt.Errorf("no built-in module %q (built-in: %v)", name, r.Names())
	}
	return b, nil
}

// Names lists the built-in modules, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.byName))
	for n := range r.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
