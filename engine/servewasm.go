package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/wasm"
)

// serveWasm is `jsorc serve-action --wasm FILE`: a WebAssembly module on a
// pool of instances, served over the Jaseci action protocol — the remote
// mode of a wasm module, on the local backend and in a pod alike.
func serveWasm(ctx context.Context, opts ServeActionOptions) error {
	var cfg backend.WasmServer
	if opts.WasmConfig != "" {
		dec := json.NewDecoder(strings.NewReader(opts.WasmConfig))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return fmt.Errorf("serve-action: --wasm-config is not a JSON object of the module's settings (env, args, dirs, instances, memory_limit_mb, timeout, sha256): %w", err)
		}
	}
	raw, err := ReadWasmFile(opts.Wasm)
	if err != nil {
		return fmt.Errorf("serve-action: %w", err)
	}
	if cfg.SHA256 != "" && !strings.EqualFold(cfg.SHA256, wasm.Digest(raw)) {
		return fmt.Errorf("serve-action: %s has SHA-256 %s, not the %s configured", opts.Wasm, wasm.Digest(raw), cfg.SHA256)
	}
	name := opts.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(opts.Wasm), ".wasm")
	}
	o := wasm.Options{
		Name: name, CacheDir: opts.WasmCache, Env: cfg.Env, Args: cfg.Args, Dirs: cfg.Dirs,
		Instances: cfg.Instances, MemoryLimitMB: cfg.MemoryLimitMB, Output: os.Stderr, Uninterruptible: cfg.Uninterruptible,
	}
	if cfg.Timeout != "" {
		if o.Timeout, err = parsePositiveDuration(cfg.Timeout); err != nil {
			return fmt.Errorf("serve-action: --wasm-config timeout: %w", err)
		}
	}
	mod, err := wasm.Load(ctx, raw, o)
	if err != nil {
		return fmt.Errorf("serve-action: %w", err)
	}
	defer mod.Close()
	if opts.Logger != nil {
		st := mod.LoadStats()
		opts.Logger.Info("wasm module loaded", "module", name, "file", opts.Wasm, "compile", st.Compile, "cached", st.Cached, "instantiate", st.Instantiate)
	}
	return serveInstance(ctx, opts, name, mod)
}

// ReadWasmFile reads a module: the file itself or, when path is missing
// and path.000, path.001, ... exist, those parts in order (how a module
// too large for one ConfigMap reaches a pod).
func ReadWasmFile(path string) ([]byte, error) {
	if _, err := os.Stat(path); err == nil || !os.IsNotExist(err) {
		return wasm.ReadFile(path)
	}
	var all bytes.Buffer
	for i := 0; ; i++ {
		part := fmt.Sprintf("%s.%03d", path, i)
		b, err := os.ReadFile(part)
		if os.IsNotExist(err) {
			if i == 0 {
				return nil, fmt.Errorf("no module at %s (nor its parts %s.000, ...)", path, path)
			}
			break
		}
		if err != nil {
			return nil, err
		}
		all.Write(b)
	}
	if b := all.Bytes(); len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, fmt.Errorf("the parts of %s do not make a WebAssembly module", path)
	}
	return all.Bytes(), nil
}
