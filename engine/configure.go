package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jsorc/jsorc/store"
)

// ConfigureActions is JSORC's `actions config NAME SOURCE`: it reads the
// module configs of a source — the word "builtin", or the YAML/JSON text
// content of a file called source — and configures module name from it, or
// every module in it when name is "all" or "*". It returns the names
// configured. A module already loaded keeps serving with its old placement
// until it is loaded again.
func (e *Engine) ConfigureActions(ctx context.Context, name, source string, content []byte) ([]string, error) {
	return e.ConfigureActionsFiles(ctx, name, source, content, nil)
}

// ConfigureActionsFiles is ConfigureActions with the contents of the files
// the configs name (a wasm module's file), by the path as a config gives
// it: a caller on another machine sends them, and the engine reads only
// the files it is not given.
func (e *Engine) ConfigureActionsFiles(ctx context.Context, name, source string, content []byte, files map[string][]byte) ([]string, error) {
	var (
		set map[string]ActionConfig
		err error
	)
	if source == BuiltinSourceName && len(content) == 0 {
		set = builtinConfigs()
	} else {
		if len(content) == 0 {
			return nil, errorf(ErrInvalid, "config source %q is empty", source)
		}
		if set, err = ParseActionConfigs(content); err != nil {
			return nil, fmt.Errorf("%w (source %s)", err, source)
		}
	}
	for n, c := range set {
		if c.Builtin != "" {
			if _, err := e.builtins.Lookup(c.Builtin); err != nil {
				return nil, errorf(ErrInvalid, "module %q (source %s): %v", n, source, err)
			}
		}
		if err := e.prepareWasm(ctx, n, &c, source, files); err != nil {
			return nil, fmt.Errorf("%w (source %s)", err, source)
		}
		set[n] = c
	}
	names := []string{name}
	if name == "all" || name == "*" {
		names = sortedKeys(set)
	} else if _, ok := set[name]; !ok {
		return nil, errorf(ErrNotFound, "source %s has no module %q (it has %v)", source, name, sortedKeys(set))
	}
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	if err := e.checkModuleCount(names); err != nil {
		return nil, err
	}
	recs := make(map[string][]byte, len(names))
	for _, n := range names {
		v, err := json.Marshal(ConfiguredAction{ActionConfig: set[n], Source: source})
		if err != nil {
			return nil, fmt.Errorf("engine: encoding the config of %q: %w", n, err)
		}
		recs[n] = v
	}
	if err := e.store.PutMany(store.ActionConfigs, recs); err != nil {
		return nil, fmt.Errorf("engine: storing action configs: %w", err)
	}
	cfgs := make(map[string]ConfiguredAction, len(names))
	for _, n := range names {
		cfgs[n] = ConfiguredAction{ActionConfig: set[n], Source: source}
	}
	if _, err := e.addModules(cfgs); err != nil {
		return nil, err
	}
	what := strings.Join(names, ", ")
	if len(names) > maxNamesInEvent {
		what = fmt.Sprintf("%d modules (%s, …)", len(names), strings.Join(names[:maxNamesInEvent], ", "))
	}
	e.publish(causeOf(ctx), EventConfig, "actions", fmt.Sprintf("configured %s from %s", what, source))
	return names, nil
}

// maxNamesInEvent bounds the module names a configuration's event lists.
const maxNamesInEvent = 10

// checkModuleCount refuses a configuration that would take the number of
// modules past META_CONFIG's max_modules.
func (e *Engine) checkModuleCount(names []string) error {
	added := 0
	for _, n := range names {
		if e.routes.get(n) == nil {
			added++
		}
	}
	limit := e.Meta().MaxModules
	if total := e.routes.len() + added; added > 0 && total > limit {
		return errorf(ErrInvalid, "configuring %d more modules would make %d; the limit is %d (META_CONFIG max_modules; raise it with `jsorc config set META_CONFIG`, or delete modules with `jsorc actions delete NAME`)", added, total, limit)
	}
	return nil
}

// ActionConfigOf returns the config of a configured module.
func (e *Engine) ActionConfigOf(name string) (ConfiguredAction, error) {
	m, err := e.module(name)
	if err != nil {
		return ConfiguredAction{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg, nil
}
