package local

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jsorc/jsorc/engine/backend"
)

// Launch prepares the supervisor of a module's action server: spec.Command
// (with its placeholders) or, for a built-in, `{jsorc} serve-action`.
func (b *Backend) Launch(spec backend.ServerSpec, report func(backend.State)) (backend.Server, error) {
	argv, env, err := serverCommand(spec)
	if err != nil {
		return nil, err
	}
	return &server{b: b, module: spec.Module, argv: argv, env: env, report: report,
		desired: max(spec.Replicas, 1), kick: make(chan struct{}, 1)}, nil
}

// serverCommand returns the argv template and environment of a module's
// action server.
func serverCommand(spec backend.ServerSpec) ([]string, []string, error) {
	if len(spec.Command) > 0 {
		var env []string
		for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
			env = append(env, k+"="+spec.Env[k])
		}
		return spec.Command, env, nil
	}
	if spec.Wasm != nil {
		return wasmCommand(spec)
	}
	if spec.Builtin == "" {
		return nil, nil, backend.Errorf(backend.ErrConflict, "module %q: no way to run its server on the local backend (give local.command or url)", spec.Module)
	}
	argv := []string{"{jsorc}", "serve-action", spec.Builtin, "--name", "{name}", "--addr", "{addr}", "--socket", "{socket}"}
	if len(spec.Params) > 0 {
		p, err := json.Marshal(spec.Params)
		if err != nil {
			return nil, nil, fmt.Errorf("module %q: encoding params: %w", spec.Module, err)
		}
		argv = append(argv, "--params", escapeBraces(string(p)))
	}
	return argv, nil, nil
}

// wasmCommand is `{jsorc} serve-action --wasm FILE` for a WebAssembly
// module, with its settings and the data directory's compiled-code cache,
// so the server starts from the code the engine compiled.
func wasmCommand(spec backend.ServerSpec) ([]string, []string, error) {
	cfg, err := json.Marshal(spec.Wasm)
	if err != nil {
		return nil, nil, fmt.Errorf("module %q: encoding its wasm settings: %w", spec.Module, err)
	}
	return []string{"{jsorc}", "serve-action", "--wasm", escapeBraces(spec.Wasm.Path), "--wasm-config", escapeBraces(string(cfg)),
		"--wasm-cache", "{data}/wasm-cache", "--name", "{name}", "--addr", "{addr}", "--socket", "{socket}"}, nil, nil
}

// escapeBraces keeps literal text intact through the expansion of the
// command's placeholders ({addr}, ...).
func escapeBraces(s string) string { return strings.NewReplacer("{", "{{", "}", "}}").Replace(s) }
