package engine

import "github.com/jsorc/jsorc/engine/actions"

// inProcess loads a module's in-process implementation: a built-in
// compiled into jsorc, or a WebAssembly module on a pool of instances.
// Both are an actions.Instance, which the module-mode binding calls alike.
func (e *Engine) inProcess(name string, cfg ActionConfig) (actions.Instance, error) {
	if cfg.Wasm != "" {
		return e.loadWasm(name, cfg)
	}
	if cfg.Builtin == "" {
		return nil, errorf(ErrConflict, "module %q has no in-process implementation (its config gives only a server); load it with -mode remote", name)
	}
	bi, err := e.builtins.Lookup(cfg.Builtin)
	if err != nil {
		return nil, errorf(ErrInvalid, "module %q: %v", name, err)
	}
	inst, err := bi.New(cfg.Params)
	if err != nil {
		return nil, errorf(ErrInvalid, "loading module %q in-process: %v", name, err)
	}
	return inst, nil
}
