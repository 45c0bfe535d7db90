package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/wasm"
)

// WasmModule is the part of an action config that runs a WebAssembly
// module (docs/wasm-abi.md): in-process on a pool of instances in module
// mode, and as `jsorc serve-action --wasm` in remote mode, from the same
// file.
type WasmModule struct {
	// Wasm is the module's .wasm file, as the config gives it (relative
	// to the config file's directory).
	Wasm string `json:"wasm,omitempty"`
	// WasmSHA256 is the digest of the module jsorc keeps: configuring
	// copies the file into the data directory (DATA/wasm/), so the module
	// runs as it was when configured; given in a config, the file must
	// match it.
	WasmSHA256 string `json:"wasm_sha256,omitempty"`
	// WasmConfig is what the module's WASI environment holds.
	WasmConfig *WasmSettings `json:"wasm_config,omitempty"`
	// Instances is the most instances serving calls at once (default:
	// the number of CPUs jsorc uses).
	Instances int `json:"instances,omitempty"`
	// MemoryLimitMB caps each instance's linear memory (default 256).
	MemoryLimitMB int `json:"memory_limit_mb,omitempty"`
}

// WasmSettings are a WebAssembly module's environment variables, its
// arguments, and the host directories it may read (guest path to host
// path; none by default: the module sees no file system).
type WasmSettings struct {
	Env  map[string]string `json:"env,omitempty"`
	Args []string          `json:"args,omitempty"`
	Dirs map[string]string `json:"dirs,omitempty"`
	// Uninterruptible drops the loop checks that let a deadline stop a
	// runaway loop: loops run a little faster, but a call that never
	// returns is never stopped. Only for modules you trust
	// (docs/wasm-abi.md).
	Uninterruptible bool `json:"uninterruptible,omitempty"`
}

// Where the data directory keeps WebAssembly modules and their compiled
// code.
const (
	wasmStoreDir = "wasm"
	wasmCacheDir = "wasm-cache"
)

// validateWasm checks the WebAssembly fields of a module's config.
func (c ActionConfig) validateWasm(name string) error {
	w := c.WasmModule
	if w.Wasm == "" {
		if w.WasmSHA256 != "" || w.WasmConfig != nil || w.Instances != 0 || w.MemoryLimitMB != 0 {
			return errorf(ErrInvalid, "module %q: wasm_sha256, wasm_config, instances and memory_limit_mb apply to a wasm module: give wasm: FILE", name)
		}
		return nil
	}
	if c.Builtin != "" {
		return errorf(ErrInvalid, "module %q: give builtin or wasm, not both", name)
	}
	if c.URL != "" {
		return errorf(ErrInvalid, "module %q: give wasm or url, not both (jsorc runs a wasm module's server itself)", name)
	}
	if w.Instances < 0 || w.MemoryLimitMB < 0 {
		return errorf(ErrInvalid, "module %q: instances and memory_limit_mb must not be negative", name)
	}
	if _, err := wasm.CheckOptions(w.options(name, "", 0)); err != nil {
		return errorf(ErrInvalid, "module %q: %v", name, err)
	}
	if w.WasmSHA256 != "" && (len(w.WasmSHA256) != 64 || strings.Trim(strings.ToLower(w.WasmSHA256), "0123456789abcdef") != "") {
		return errorf(ErrInvalid, "module %q: wasm_sha256 %q is not a SHA-256 in hex (64 digits)", name, w.WasmSHA256)
	}
	return nil
}

// options are the wasm package's options for this module.
func (w WasmModule) options(name, cacheDir string, timeout time.Duration) wasm.Options {
	o := wasm.Options{
		Name:          name,
		CacheDir:      cacheDir,
		Instances:     w.Instances,
		MemoryLimitMB: w.MemoryLimitMB,
		Timeout:       timeout,
	}
	if s := w.WasmConfig; s != nil {
		o.Env, o.Args, o.Dirs, o.Uninterruptible = s.Env, s.Args, s.Dirs, s.Uninterruptible
	}
	return o
}

// storedWasm is where the data directory keeps the module of digest sum.
func (e *Engine) storedWasm(sum string) string {
	return filepath.Join(e.opts.DataDir, wasmStoreDir, sum+".wasm")
}

// prepareWasm makes a wasm module's config ready to store: it reads the
// file (relative paths from the config source's directory), keeps a copy
// in the data directory under its digest, and loads it once — compiling it
// into the cache, checking the ABI and reading its spec — so a module that
// cannot run is refused now, not at its first load.
func (e *Engine) prepareWasm(ctx context.Context, name string, c *ActionConfig, source string, files map[string][]byte) error {
	if c.Wasm == "" {
		return nil
	}
	if given, ok := files[c.Wasm]; ok {
		if err := wasm.Check(given); err != nil {
			return errorf(ErrInvalid, "module %q: the file sent for %s: %v", name, c.Wasm, err)
		}
		path := c.Wasm
		if !filepath.IsAbs(path) && filepath.IsAbs(source) {
			path = filepath.Join(filepath.Dir(source), path)
		}
		return e.keepWasm(ctx, name, c, path, given)
	}
	path := c.Wasm
	if !filepath.IsAbs(path) {
		if !filepath.IsAbs(source) {
			return errorf(ErrInvalid, "module %q: wasm %q is a relative path, and the config source %q names no directory to resolve it from: give an absolute path", name, path, source)
		}
		path = filepath.Join(filepath.Dir(source), path)
	}
	raw, err := wasm.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return errorf(ErrInvalid, "module %q: no file %s on the engine's machine (the engine reads wasm files itself: give a path it can read)", name, path)
	}
	if err != nil {
		return errorf(ErrInvalid, "module %q: %v", name, err)
	}
	return e.keepWasm(ctx, name, c, path, raw)
}

// keepWasm keeps a module's bytes in the data directory under their
// digest and loads them once to check them (see prepareWasm).
func (e *Engine) keepWasm(ctx context.Context, name string, c *ActionConfig, path string, raw []byte) error {
	sum := wasm.Digest(raw)
	if c.WasmSHA256 != "" && !strings.EqualFold(c.WasmSHA256, sum) {
		return errorf(ErrInvalid, "module %q: %s has SHA-256 %s, not the wasm_sha256 %s the config gives", name, path, sum, c.WasmSHA256)
	}
	c.Wasm, c.WasmSHA256 = path, sum
	if err := writeFileAtomic(e.storedWasm(sum), raw); err != nil {
		return fmt.Errorf("engine: keeping module %q: %w", name, err)
	}
	mod, err := wasm.Load(ctx, raw, c.WasmModule.options(name, e.wasmCache(), e.opts.CallTimeout))
	if err != nil {
		return errorf(ErrInvalid, "module %q: %v", name, err)
	}
	st := mod.LoadStats()
	size := mod.Size()
	_ = mod.Close()
	e.log.Info("wasm module checked", "module", name, "file", path, "bytes", st.ModuleBytes,
		"compile", st.Compile, "cached", st.Cached, "instantiate", st.Instantiate, "size_bytes", size)
	e.noteWasmSize(name, size)
	return nil
}

// wasmCache is the compiled-code cache of the data directory.
func (e *Engine) wasmCache() string { return filepath.Join(e.opts.DataDir, wasmCacheDir) }

// loadWasm instantiates a configured wasm module in-process.
func (e *Engine) loadWasm(name string, cfg ActionConfig) (*wasm.Module, error) {
	raw, err := wasm.ReadFile(e.storedWasm(cfg.WasmSHA256))
	if err != nil {
		return nil, errorf(ErrInvalid, "module %q: the module kept when it was configured: %v (configure it again)", name, err)
	}
	timeout := e.opts.CallTimeout
	if d, err := parsePositiveDuration(cfg.Timeout); err == nil && cfg.Timeout != "" {
		timeout = d
	}
	o := cfg.WasmModule.options(name, e.wasmCache(), timeout)
	o.Output = &logWriter{log: e.log, module: name}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mod, err := wasm.Load(ctx, raw, o)
	if err != nil {
		return nil, errorf(ErrInvalid, "loading module %q in-process: %v", name, err)
	}
	st := mod.LoadStats()
	e.log.Info("wasm module loaded", "module", name, "compile", st.Compile, "cached", st.Cached, "instantiate", st.Instantiate)
	e.noteWasmSize(name, mod.Size())
	return mod, nil
}

// wasmServer is the part of a wasm module's config its action server
// needs.
func (e *Engine) wasmServer(name string, cfg ActionConfig) *backend.WasmServer {
	if cfg.Wasm == "" {
		return nil
	}
	w := &backend.WasmServer{
		Path:          e.storedWasm(cfg.WasmSHA256),
		CacheDir:      e.wasmCache(),
		SHA256:        cfg.WasmSHA256,
		Instances:     cfg.Instances,
		MemoryLimitMB: cfg.MemoryLimitMB,
		Timeout:       cfg.Timeout,
	}
	if s := cfg.WasmConfig; s != nil {
		w.Env, w.Args, w.Dirs, w.Uninterruptible = s.Env, s.Args, s.Dirs, s.Uninterruptible
	}
	return w
}

// noteWasmSize records a module's measured in-process size, which stands
// for its local_mem_requirement from then on.
func (e *Engine) noteWasmSize(name string, bytes int64) {
	e.wasmSizes.Store(name, bytes)
}

// memRequirement is what a module costs in-process, in MB, for the
// policy and the status: a wasm module's measured size — live while it
// serves in-process, else as last measured — once it has one, else the
// config's local_mem_requirement. measured is the size in bytes (0 when
// not measured).
func (e *Engine) memRequirement(m *module, cfg ActionConfig) (mb float64, measured int64) {
	if cfg.Wasm == "" {
		return cfg.LocalMemRequirement, 0
	}
	if b := m.cur.Load(); b != nil {
		if s, ok := b.inst.(interface{ Size() int64 }); ok {
			e.noteWasmSize(m.name, s.Size())
		}
	}
	v, ok := e.wasmSizes.Load(m.name)
	if !ok {
		return cfg.LocalMemRequirement, 0
	}
	measured = v.(int64)
	return math.Ceil(float64(measured)/(1<<20)*10) / 10, measured
}

// restoreWasmSize gives a wasm module restored from the store a measured
// size before it is loaded: its compiled code in the cache (its instances'
// memory is added once it runs), so the policy does not take it for free.
func (e *Engine) restoreWasmSize(name string, cfg ActionConfig) {
	if cfg.Wasm == "" {
		return
	}
	if n := wasm.CachedCodeBytes(e.wasmCache(), cfg.WasmSHA256); n > 0 {
		e.noteWasmSize(name, n)
	}
}

// logWriter hands what a module prints to the engine's log, a line at a
// time.
type logWriter struct {
	log    interface{ Info(string, ...any) }
	module string
	buf    bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err == io.EOF {
			w.buf.WriteString(line)
			if w.buf.Len() > 4096 {
				w.log.Info("wasm module output", "module", w.module, "line", w.buf.String())
				w.buf.Reset()
			}
			return len(p), nil
		}
		w.log.Info("wasm module output", "module", w.module, "line", strings.TrimSuffix(line, "\n"))
	}
}

// writeFileAtomic writes data to path through a temporary file, unless
// path already holds it (files are named by their digest).
func writeFileAtomic(path string, data []byte) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() == int64(len(data)) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
