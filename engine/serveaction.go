package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
)

// ServeActionOptions configure ServeAction.
type ServeActionOptions struct {
	// Builtin is the built-in module to serve.
	Builtin string
	// Name is the module name the spec reports (default: Builtin).
	Name string
	// Addr is the address to listen on, HOST:PORT (port 0 picks one).
	Addr string
	// Socket is a Unix domain socket to listen on as well ("" for none):
	// the local backend's engine calls its servers there.
	Socket string
	// Params is the JSON object of the built-in's parameters.
	Params string
	// Ready is called with the bound address once the server listens.
	Ready func(addr string)
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Wasm is a WebAssembly module file to serve instead of a built-in,
	// WasmConfig its settings (backend.WasmServer's JSON), WasmCache the
	// compiled-code cache to use ("" for none).
	Wasm, WasmConfig, WasmCache string
}

// ServeAction is `jsorc serve-action`: it loads a built-in module and serves
// it over the Jaseci action protocol until ctx is done. It is the local
// backend's child process and the container command on Kubernetes.
func ServeAction(ctx context.Context, opts ServeActionOptions) error {
	if opts.Wasm != "" {
		return serveWasm(ctx, opts)
	}
	reg := actions.NewRegistry()
	b, err := reg.Lookup(opts.Builtin)
	if err != nil {
		return fmt.Errorf("serve-action: %w", err)
	}
	var params map[string]any
	if opts.Params != "" {
		if err := json.Unmarshal([]byte(opts.Params), &params); err != nil {
			return fmt.Errorf("serve-action: --params is not a JSON object: %w", err)
		}
	}
	inst, err := b.New(params)
	if err != nil {
		return fmt.Errorf("serve-action: loading %s: %w", opts.Builtin, err)
	}
	defer inst.Close()
	name := opts.Name
	if name == "" {
		name = opts.Builtin
	}
	return serveInstance(ctx, opts, name, inst)
}

// serveInstance serves a loaded module as name until ctx is done.
func serveInstance(ctx context.Context, opts ServeActionOptions, name string, inst actions.Instance) error {
	if err := validName(name); err != nil {
		return fmt.Errorf("serve-action: --name: %w", err)
	}
	h := protocol.NewHandler(name, inst, protocol.HandlerOptions{Logger: opts.Logger})
	ready := opts.Ready
	if ready == nil {
		ready = func(string) {}
	}
	if err := protocol.ServeSocket(ctx, opts.Addr, opts.Socket, h, ready); err != nil {
		return fmt.Errorf("serve-action %s on %s: %w", name, opts.Addr, err)
	}
	return nil
}
