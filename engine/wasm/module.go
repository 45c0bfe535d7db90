package wasm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/jsorc/jsorc/engine/actions"
)

// Module is a WebAssembly action module, compiled, with a pool of
// instances. It is an actions.Instance: its actions call into the pool.
// All its methods are safe for concurrent use.
type Module struct {
	opts     Options
	sha      string
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	compiled wazero.CompiledModule
	modCfg   wazero.ModuleConfig
	spec     Spec
	acts     []actions.Action
	load     LoadStats
	// instrumented: the module runs with jsorc's loop checks, stopped by
	// the watchdog (interrupt.go, watchdog.go); otherwise with wazero's
	// checks (WithCloseOnContextDone) or, uninterruptible, none.
	instrumented bool

	// tokens holds one token per instance allowed to serve at once.
	tokens chan struct{}
	// byMod leads the host functions from the calling instance's api.Module
	// to its state.
	byMod sync.Map

	mu     sync.Mutex
	idle   []*instance
	live   map[*instance]struct{}
	closed bool

	replaced atomic.Int64

	// The watchdog: started by the first watched call, woken when calls
	// begin after a quiet spell, stopped by Close.
	watchOnce sync.Once
	busy      atomic.Int64
	wake      chan struct{}
	quit      chan struct{}
}

// LoadStats says what loading a module took.
type LoadStats struct {
	// Compile is how long compiling took (or reading the compiled code
	// back from the cache), Cached whether it came from the cache.
	Compile time.Duration `json:"compile_ns"`
	Cached  bool          `json:"cached"`
	// Instantiate is how long making the first instance and reading its
	// spec took.
	Instantiate time.Duration `json:"instantiate_ns"`
	// Checks says how a call is stopped at its deadline: "jsorc" (a flag
	// tested at every loop head, set by a watchdog), "wazero" (wazero's
	// WithCloseOnContextDone, for a module jsorc's rewriting does not
	// understand) or "none" (uninterruptible).
	Checks string `json:"checks"`
	// Rewrite is how long adding jsorc's loop checks took, RewriteCached
	// whether the rewriting was read back from the cache instead.
	Rewrite       time.Duration `json:"rewrite_ns"`
	RewriteCached bool          `json:"rewrite_cached"`
	// ModuleBytes is the size of the .wasm file; CodeBytes that of its
	// compiled code.
	ModuleBytes int64 `json:"module_bytes"`
	CodeBytes   int64 `json:"code_bytes"`
	// SHA256 is the hex digest of the .wasm file.
	SHA256 string `json:"sha256"`
}

// Load compiles a module (or reads its compiled code from the cache),
// makes its first instance, checks the ABI version and reads its spec. ctx
// bounds loading only.
func Load(ctx context.Context, wasmBytes []byte, opts Options) (*Module, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, fmt.Errorf("wasm module %s: %w", opts.Name, err)
	}
	m := &Module{
		opts:   opts,
		sha:    Digest(wasmBytes),
		tokens: make(chan struct{}, opts.Instances),
		live:   map[*instance]struct{}{},
		wake:   make(chan struct{}, 1),
		quit:   make(chan struct{}),
	}
	for range opts.Instances {
		m.tokens <- struct{}{}
	}
	m.load.ModuleBytes, m.load.SHA256 = int64(len(wasmBytes)), m.sha
	if err := m.open(ctx, wasmBytes); err != nil {
		m.Close()
		return nil, fmt.Errorf("wasm module %s: %w", opts.Name, err)
	}
	return m, nil
}

// The values of LoadStats.Checks.
const (
	checksJsorc  = "jsorc"
	checksWazero = "wazero"
	checksNone   = "none"
)

// cacheDir is where this module's compiled code is cached ("" for none):
// one directory per module, one below it per kind of checks.
func (m *Module) cacheDir() string {
	if m.opts.CacheDir == "" {
		return ""
	}
	return filepath.Join(m.opts.CacheDir, m.sha[:32], m.load.Checks)
}

func (m *Module) open(ctx context.Context, wasmBytes []byte) error {
	if err := precheck(wasmBytes, m.opts.memoryLimitPages()); err != nil {
		return err
	}
	code := wasmBytes
	m.load.Checks = checksNone
	if !m.opts.Uninterruptible {
		m.load.Checks = checksWazero
		start := time.Now()
		b, cached, err := m.instrumentedCode(wasmBytes)
		m.load.Rewrite, m.load.RewriteCached = time.Since(start), cached
		if err == nil {
			code, m.instrumented, m.load.Checks = b, true, checksJsorc
		}
	}
	err := m.compile(ctx, code)
	if err != nil && m.instrumented {
		// A rewriting the runtime refuses is jsorc's bug, not the
		// module's: run it with wazero's checks instead.
		m.forgetRewritten()
		m.closeRuntime()
		m.instrumented, m.load.Checks = false, checksWazero
		err = m.compile(ctx, wasmBytes)
	}
	if err != nil {
		return err
	}
	if err := checkInterface(m.compiled); err != nil {
		return err
	}
	m.load.CodeBytes = dirBytes(m.cacheDir())
	m.modCfg = m.moduleConfig()

	start := time.Now()
	in, err := m.instantiate(ctx, start.Add(m.opts.Timeout))
	if err != nil {
		return err
	}
	spec, err := in.readSpec(ctx)
	if err != nil {
		m.forget(in)
		return err
	}
	m.load.Instantiate = time.Since(start)
	m.spec = spec
	m.acts = m.actionsOf(spec)
	// The first instance serves the first call; its token is in the pool.
	m.mu.Lock()
	m.idle = append(m.idle, in)
	m.mu.Unlock()
	return nil
}

// compile makes the runtime (with wazero's termination checks unless the
// module is instrumented or uninterruptible), its host modules, and
// compiles code — or reads its compiled code back from the cache.
func (m *Module) compile(ctx context.Context, code []byte) error {
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(m.load.Checks == checksWazero).
		WithMemoryLimitPages(m.opts.memoryLimitPages())
	if dir := m.cacheDir(); dir != "" {
		m.load.Cached = dirBytes(dir) > 0
		c, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			return fmt.Errorf("compilation cache %s: %w", dir, err)
		}
		m.cache = c
		rc = rc.WithCompilationCache(c)
	}
	m.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, m.rt); err != nil {
		return fmt.Errorf("WASI: %w", err)
	}
	if err := m.hostModule(ctx); err != nil {
		return err
	}
	start := time.Now()
	// Functions compile in parallel, one worker per CPU jsorc uses.
	compiled, err := m.rt.CompileModule(experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0)), code)
	if err != nil {
		return fmt.Errorf("compiling: %w", err)
	}
	m.load.Compile = time.Since(start)
	m.compiled = compiled
	return nil
}

// closeRuntime releases the runtime and the cache.
func (m *Module) closeRuntime() error {
	ctx := context.Background()
	var errs []error
	if m.rt != nil {
		errs = append(errs, m.rt.Close(ctx))
		m.rt = nil
	}
	if m.cache != nil {
		errs = append(errs, m.cache.Close(ctx))
		m.cache = nil
	}
	return errors.Join(errs...)
}

// moduleConfig is what each instance is made with: real clocks and
// randomness, the configured env and args, the granted directories
// read-only and nothing else of the host.
//
// The reactor's initializer is not a start function: instantiate runs it,
// under the watchdog.
func (m *Module) moduleConfig() wazero.ModuleConfig {
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader).
		WithStdout(m.opts.Output).WithStderr(m.opts.Output).
		WithArgs(append([]string{m.opts.Name}, m.opts.Args...)...)
	for _, k := range sortedKeys(m.opts.Env) {
		cfg = cfg.WithEnv(k, m.opts.Env[k])
	}
	if len(m.opts.Dirs) > 0 {
		fsc := wazero.NewFSConfig()
		for _, g := range sortedKeys(m.opts.Dirs) {
			fsc = fsc.WithReadOnlyDirMount(m.opts.Dirs[g], g)
		}
		cfg = cfg.WithFSConfig(fsc)
	}
	return cfg
}

// checkInterface makes sure the module speaks the ABI: its exports are
// there with their signatures, and it imports nothing but WASI and jsorc's
// host functions.
func checkInterface(c wazero.CompiledModule) error {
	i32 := api.ValueTypeI32
	want := []struct {
		name          string
		params, reslt []api.ValueType
	}{
		{ExportABIVersion, nil, []api.ValueType{i32}},
		{ExportSpec, nil, []api.ValueType{i32}},
		{ExportCall, []api.ValueType{i32, i32}, []api.ValueType{i32}},
	}
	exports := c.ExportedFunctions()
	for _, w := range want {
		f, ok := exports[w.name]
		if !ok {
			if _, cmd := exports["_start"]; cmd {
				return fmt.Errorf("it does not export %s: it is a WASI command (it has _start), not a jsorc action module; see docs/wasm-abi.md", w.name)
			}
			return fmt.Errorf("it does not export %s, so it is not a jsorc action module (see docs/wasm-abi.md)", w.name)
		}
		if !sameTypes(f.ParamTypes(), w.params) || !sameTypes(f.ResultTypes(), w.reslt) {
			return fmt.Errorf("its export %s has the signature %s, want %s", w.name, signature(f.ParamTypes(), f.ResultTypes()), signature(w.params, w.reslt))
		}
	}
	if _, ok := c.ExportedMemories()[ExportMemory]; !ok {
		return fmt.Errorf("it does not export its memory as %q", ExportMemory)
	}
	for _, f := range c.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch mod {
		case wasiModule:
		case HostModule:
			if name != ImportInput && name != ImportOutput {
				return fmt.Errorf("it imports %s.%s, which jsorc does not offer (it offers %s.%s and %s.%s)", mod, name, HostModule, ImportInput, HostModule, ImportOutput)
			}
		default:
			return fmt.Errorf("it imports %s.%s: jsorc offers only WASI preview 1 and its own %q functions", mod, name, HostModule)
		}
	}
	return nil
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func signature(params, results []api.ValueType) string {
	s := "("
	for i, p := range params {
		if i > 0 {
			s += ", "
		}
		s += api.ValueTypeName(p)
	}
	s += ") -> ("
	for i, r := range results {
		if i > 0 {
			s += ", "
		}
		s += api.ValueTypeName(r)
	}
	return s + ")"
}

// actionsOf turns the spec into callable actions.
func (m *Module) actionsOf(s Spec) []actions.Action {
	out := make([]actions.Action, 0, len(s.Actions))
	for _, a := range s.Actions {
		params, _ := specParams(a) // checked by parseSpec
		c := &caller{m: m, name: a.Name, full: actions.FullName(m.opts.Name, a.Name), params: params}
		out = append(out, actions.Action{Name: a.Name, Params: params, Fn: c.call, Doc: a.Doc})
	}
	return out
}

// Actions lists the module's actions, as its spec declares them.
func (m *Module) Actions() []actions.Action { return m.acts }

// Spec is what the module declared about itself.
func (m *Module) Spec() Spec { return m.spec }

// LoadStats says what loading the module took.
func (m *Module) LoadStats() LoadStats { return m.load }

// Replaced counts the instances dropped after a trap, an exit or a
// deadline.
func (m *Module) Replaced() int64 { return m.replaced.Load() }

// Size is the module's measured memory in bytes: its compiled code plus
// the linear memory of every live instance (as of its last call: a busy
// instance's memory is its caller's to read).
func (m *Module) Size() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.load.CodeBytes
	if n == 0 {
		// Without a cache on disk, the compiled code is counted as the
		// module's own size: a lower bound.
		n = m.load.ModuleBytes
	}
	for in := range m.live {
		n += in.size
	}
	return n
}

// Instances is how many instances are alive.
func (m *Module) Instances() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.live)
}

// Close closes every instance and releases the compiled code. Calls in
// flight fail; the engine closes a module only once its calls drained.
func (m *Module) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.idle = nil
	m.mu.Unlock()
	close(m.quit)
	return m.closeRuntime()
}

// dirBytes is the size of the regular files under dir (0 when it is
// missing).
func dirBytes(dir string) int64 {
	if dir == "" {
		return 0
	}
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// ReadFile reads a module file, refusing what is plainly not WebAssembly.
func ReadFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := Check(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// Check refuses bytes that are plainly not a WebAssembly module.
func Check(b []byte) error {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return fmt.Errorf("not a WebAssembly module (no \\0asm magic)")
	}
	return nil
}

// Digest is the hex SHA-256 of a module's bytes, the name jsorc keeps it
// and caches its compiled code under.
func Digest(wasmBytes []byte) string {
	sum := sha256.Sum256(wasmBytes)
	return hex.EncodeToString(sum[:])
}

// CachedCodeBytes is the size of the compiled code the cache in cacheDir
// holds for the module of digest sum (0 when it holds none): what the
// module will cost in code once loaded, known without loading it. Code
// compiled with different checks is kept apart; the largest counts.
func CachedCodeBytes(cacheDir, sum string) int64 {
	if cacheDir == "" || len(sum) < 32 {
		return 0
	}
	dir := filepath.Join(cacheDir, sum[:32])
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var most int64
	for _, e := range entries {
		if !e.IsDir() {
			continue // the rewriting kept beside the code
		}
		if n := dirBytes(filepath.Join(dir, e.Name())); n > most {
			most = n
		}
	}
	return most
}
