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
		if err := e.prepareWasm(ctx, n, &c, source); err != nil {
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
	for _, n := range names {
		if _, err := e.addModule(n, ConfiguredAction{ActionConfig: set[n], Source: source}); err != nil {
			return nil, err
		}
	}
	e.publish(causeOf(ctx), EventConfig, "actions", fmt.Sprintf("configured %s from %s", strings.Join(names, ", "), source))
	return names, nil
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
