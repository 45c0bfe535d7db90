package wasm_test

import (
	"context"
	"errors"
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
