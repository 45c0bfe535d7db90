package engine

import (
	"cmp"
	"slices"
	"strings"
)

// ActionsList is JSORC's actions_list: every action that answers calls
// now, as "module.action", sorted; with a prefix, only the names that
// start with it (a plain prefix, as JSORC's: "use" matches use_enc.* and
// use_qa.*).
func (e *Engine) ActionsList(prefix string) []string {
	out := []string{}
	for name, m := range e.routes.all() {
		m.mu.Lock()
		if m.serving != ModeNone {
			for _, a := range m.known {
				if full := name + "." + a; strings.HasPrefix(full, prefix) {
					out = append(out, full)
				}
			}
		}
		m.mu.Unlock()
	}
	slices.Sort(out)
	return out
}

// ModuleList is JSORC's actions_module_list: the modules that serve
// in-process, by the name JSORC listed them (the config's ACTION_CONFIGS
// loaded_module, else the module's name), each with its actions
// ("module.action", sorted). Remote modules are not listed, as JSORC's
// remote actions were not.
func (e *Engine) ModuleList() map[string][]string {
	out := map[string][]string{}
	for name, m := range e.routes.all() {
		m.mu.Lock()
		if m.serving == ModeModule {
			key := cmp.Or(m.cfg.LoadedModule, name)
			for _, a := range m.known {
				out[key] = append(out[key], name+"."+a)
			}
			if out[key] == nil {
				out[key] = []string{}
			}
			slices.Sort(out[key])
		}
		m.mu.Unlock()
	}
	return out
}
