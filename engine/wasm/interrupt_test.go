package wasm_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/wasm"
	"github.com/jsorc/jsorc/internal/wasmexamples"
)

// TestChecksKind: every example (C, Rust, Go, the probe) takes jsorc's
// loop checks, so none falls back to wazero's slower ones; an
// uninterruptible module has none.
func TestChecksKind(t *testing.T) {
	for _, ex := range append([]string{wasmexamples.Probe}, wasmexamples.Textranks...) {
		t.Run(ex, func(t *testing.T) {
			if got := load(t, ex, wasm.Options{Instances: 1}).LoadStats().Checks; got != "jsorc" {
				t.Errorf("checks %q, want jsorc", got)
			}
		})
	}
	if got := load(t, wasmexamples.Probe, wasm.Options{Instances: 1, Uninterruptible: true}).LoadStats().Checks; got != "none" {
		t.Errorf("uninterruptible: checks %q, want none", got)
	}
}

// TestCollectDuringLoop: a garbage collection completes while a module
// spins in a loop: the loop checks leave compiled code often enough for
// the Go runtime to stop the world, without the watchdog's help.
func TestCollectDuringLoop(t *testing.T) {
	m := load(t, wasmexamples.Probe, wasm.Options{Instances: 1, Timeout: 3 * time.Second})
	loop := m.Actions()[index(t, m, "loop")].Fn
	done := make(chan error, 1)
	go func() {
		_, err := loop(context.Background(), map[string]any{})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // the loop is running
	start := time.Now()
	runtime.GC()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a collection during the loop took %s: it waited for the call", d)
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the loop ended with %v, want its deadline", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the loop was not interrupted")
	}
}

// TestRewritingKept: the loop checks are added once per module and kept
// in the cache beside its compiled code; a later load reads them back
// instead of rewriting. A kept rewriting the runtime refuses (a damaged
// file) costs one load wazero's checks and is made again by the next.
func TestRewritingKept(t *testing.T) {
	dir := t.TempDir()
	raw := wasmexamples.Read(t, wasmexamples.Probe)
	kept := filepath.Join(dir, wasm.Digest(raw)[:32], "loops-v1.wasm")
	steps := []struct {
		name         string
		before       func()
		checks       string
		rewriteKept  bool
		compiledKept bool
	}{
		{"first load rewrites and compiles", nil, "jsorc", false, false},
		{"second load reads both back", nil, "jsorc", true, true},
		{"a damaged rewriting falls back to wazero's checks", func() {
			if err := os.WriteFile(kept, []byte("\x00asm\x01\x00\x00\x00\x0a\x01"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "wazero", true, false},
		{"the next load rewrites again", nil, "jsorc", false, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.before != nil {
				s.before()
			}
			m := load(t, wasmexamples.Probe, wasm.Options{Instances: 1, CacheDir: dir})
			st := m.LoadStats()
			if st.Checks != s.checks || st.RewriteCached != s.rewriteKept || st.Cached != s.compiledKept {
				t.Errorf("checks %q, rewriting kept %v, code cached %v; want %q, %v, %v", st.Checks, st.RewriteCached, st.Cached, s.checks, s.rewriteKept, s.compiledKept)
			}
			if _, err := m.Actions()[index(t, m, "echo")].Fn(context.Background(), map[string]any{"value": "x"}); err != nil {
				t.Errorf("echo: %v", err)
			}
		})
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the rewriting is not kept: %v", err)
	}
}
