package wasm

import (
	"fmt"
	"os"
	"path/filepath"
)

// loopsVersion names the loop checks instrumentLoops adds; change it
// whenever their code changes, so a rewriting kept by an older jsorc is
// not used.
const loopsVersion = "loops-v1"

// rewrittenPath is where the module's rewriting is kept: beside the
// directories of its compiled code, under the digest of the module as the
// user gave it ("" without a cache).
func (m *Module) rewrittenPath() string {
	if m.opts.CacheDir == "" {
		return ""
	}
	return filepath.Join(m.opts.CacheDir, m.sha[:32], loopsVersion+".wasm")
}

// instrumentedCode returns the module with jsorc's loop checks: read back from
// the cache when an earlier load kept it, else rewritten (and kept). A
// rewriting that cannot be kept is still returned: the cache only saves
// time.
func (m *Module) instrumentedCode(wasmBytes []byte) (code []byte, cached bool, err error) {
	path := m.rewrittenPath()
	if path != "" {
		if b, err := os.ReadFile(path); err == nil && Check(b) == nil {
			return b, true, nil
		}
	}
	code, err = instrumentLoops(wasmBytes)
	if err != nil || path == "" {
		return code, false, err
	}
	// Not kept (a full or read-only disk) costs the next load the
	// rewriting again, nothing else.
	_ = writeAtomic(path, code)
	return code, false, nil
}

// forgetRewritten removes a kept rewriting the runtime refused.
func (m *Module) forgetRewritten() {
	if path := m.rewrittenPath(); path != "" {
		_ = os.Remove(path)
	}
}

// writeAtomic writes b to path through a temporary file renamed over it:
// a reader sees the whole file or none.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%s: %w", path, werr)
	}
	return nil
}
