package engine

import (
	"encoding/json"
	"runtime/debug"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/wasm"
)

// Keeping a wasm module's compiled code across a switch.
//
// Loading a wasm module in-process costs its compiled code read back from
// the cache and validated, and a first instance made (a fifth of a second
// for a 6 MB module); a module the policy moves to remote and back would
// pay it at every move back, and its in-process fallback at every crash
// of its server. So when a wasm module leaves module mode for remote, its
// compiled code and its most recently used instance are kept for
// Options.WasmKeep; a move back to module mode (or a fallback) within that
// time takes them as they are. Unloading, deleting or reconfiguring the
// module, stopping the engine, or the time running out closes them. While
// kept they are not the module's in-process size (the policy sees the
// module as remote) but they are the engine's memory: the status says
// until when (module.kept_until).

// defaultWasmKeep is how long a wasm module's compiled code is kept after
// it moved out of process, unless Options.WasmKeep says otherwise.
const defaultWasmKeep = 2 * time.Minute

// keptWasm is a wasm module's in-process instance kept after its binding
// was retired.
type keptWasm struct {
	mod   *wasm.Module
	key   string
	until time.Time
	timer *time.Timer
}

// wasmKey identifies what a wasm module was loaded from: its file and
// every setting of its instances; a module is reused only under the same.
func (e *Engine) wasmKey(cfg ActionConfig) string {
	b, _ := json.Marshal(struct {
		W       WasmModule
		Timeout time.Duration
	}{cfg.WasmModule, e.callTimeout(cfg)})
	return string(b)
}

// keep holds on to the in-process instance of a retired binding instead
// of closing it, when the module moved to remote; it says whether it did.
func (m *module) keep(b *binding) bool {
	mod, ok := b.inst.(*wasm.Module)
	keepFor := m.e.opts.WasmKeep
	if !ok || b.wasmKey == "" || keepFor <= 0 || m.e.stoppingNow() {
		return false
	}
	m.mu.Lock()
	if m.deleted || m.desired != ModeRemote || b.wasmKey != m.e.wasmKey(m.cfg.ActionConfig) {
		m.mu.Unlock()
		return false
	}
	// A fallback served meanwhile from a module of its own: keep the newer.
	older := m.detachKeptLocked()
	k := &keptWasm{mod: mod, key: b.wasmKey, until: time.Now().Add(keepFor)}
	k.timer = time.AfterFunc(keepFor, func() { m.expireKept(k) })
	m.kept = k
	m.notifyLocked()
	m.mu.Unlock()
	m.closeKept(older)
	mod.Trim(1)
	return true
}

// takeKept returns the kept module if it was loaded as cfg says (and
// closes it otherwise), or nil.
func (m *module) takeKept(cfg ActionConfig) actions.Instance {
	if cfg.Wasm == "" {
		return nil
	}
	key := m.e.wasmKey(cfg)
	m.mu.Lock()
	k := m.kept
	if k != nil && k.key == key && k.timer.Stop() {
		m.kept = nil
		m.notifyLocked()
		m.mu.Unlock()
		return k.mod
	}
	// None, configured otherwise since, or expiring now.
	stale := m.detachKeptLocked()
	m.mu.Unlock()
	m.closeKept(stale)
	return nil
}

// expireKept closes a kept module whose time ran out.
func (m *module) expireKept(k *keptWasm) {
	m.mu.Lock()
	if m.kept != k {
		m.mu.Unlock()
		return
	}
	m.kept = nil
	m.notifyLocked()
	m.mu.Unlock()
	m.closeKept(k)
	m.e.log.Info("wasm module's kept code released", "module", m.name, "kept_for", m.e.opts.WasmKeep)
}

// dropKept closes the kept module, if any (unload, delete, stop).
func (m *module) dropKept() {
	m.mu.Lock()
	k := m.detachKeptLocked()
	m.mu.Unlock()
	m.closeKept(k)
}

// detachKeptLocked takes the kept module, if any, from the module, for
// closeKept to close once mu is released. Call with mu held.
func (m *module) detachKeptLocked() *keptWasm {
	k := m.kept
	if k == nil {
		return nil
	}
	m.kept = nil
	k.timer.Stop()
	m.notifyLocked()
	return k
}

// closeKept closes a kept module (nil: none) and gives its memory back to
// the OS.
func (m *module) closeKept(k *keptWasm) {
	if k == nil {
		return
	}
	if err := k.mod.Close(); err != nil {
		m.e.log.Warn("closing kept wasm module", "module", m.name, "err", err)
	}
	if !m.e.stoppingNow() {
		debug.FreeOSMemory()
	}
}
