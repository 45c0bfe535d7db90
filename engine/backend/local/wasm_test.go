package local_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/local"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/internal/wasmexamples"
)

// The WebAssembly examples in module and remote mode on the local backend:
// the same file in-process and as `jsorc serve-action --wasm`.

var wasmDocs = []any{
	"The quick brown fox jumps over the lazy dog",
	"A fox, a dog and a cat walk into a bar",
	"Cats sleep all day; dogs bark at night",
	"fox fox fox",
}

// configureWasm configures module name from a YAML file beside a copy of
// the example, naming it by a relative path.
func configureWasm(t *testing.T, e *engine.Engine, name, example, extra string) {
	t.Helper()
	dir := t.TempDir()
	raw := wasmexamples.Read(t, example)
	if err := os.WriteFile(filepath.Join(dir, example), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "modules.yaml")
	yaml := fmt.Sprintf("%s:\n  wasm: %s\n%s", name, example, extra)
	if err := os.WriteFile(src, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	// Configuring compiles the module: for the Go one, under -race on a
	// loaded machine, that can take more than the minute ctxT gives.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := e.ConfigureActions(ctx, name, src, []byte(yaml)); err != nil {
		t.Fatalf("configuring %s: %v", name, err)
	}
}

// callsOf runs the same calls on a module, whichever mode serves it.
func callsOf(t *testing.T, e *engine.Engine, name string) []any {
	t.Helper()
	ctx := ctxT(t)
	var out []any
	for _, c := range []struct {
		action string
		args   map[string]any
	}{
		{"tokenize", map[string]any{"text": "Hello, wörld — the cat sat"}},
		{"rank", map[string]any{"query": "fox dog", "docs": wasmDocs, "k": 3}},
		{"rank", map[string]any{"query": "cat", "docs": wasmDocs}},
	} {
		v, err := e.Call(ctx, name+"."+c.action, c.args)
		if err != nil {
			t.Fatalf("%s.%s: %v", name, c.action, err)
		}
		out = append(out, v)
	}
	return out
}

// sameResults compares results with scores equal to 1e-12.
func sameResults(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameResults(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !sameResults(x[k], y[k]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, errx := x.Float64()
		fy, erry := y.Float64()
		return errx == nil && erry == nil && math.Abs(fx-fy) <= 1e-12
	default:
		return reflect.DeepEqual(a, b)
	}
}

// TestWasmModuleAndRemote loads each language's textrank in module mode,
// then remote mode, and compares every answer across modes and languages.
func TestWasmModuleAndRemote(t *testing.T) {
	e := newEngine(t)
	var ref []any
	for _, ex := range wasmexamples.Textranks {
		name := strings.ReplaceAll(strings.TrimSuffix(ex, ".wasm"), "-", "_")
		t.Run(name, func(t *testing.T) {
			configureWasm(t, e, name, ex, "  instances: 2\n  memory_limit_mb: 64\n")
			if st := load(t, e, name, "module"); st.Serving != "module" {
				t.Fatalf("module mode: %+v", st)
			}
			inProc := callsOf(t, e, name)
			st := load(t, e, name, "remote")
			if st.Serving != "remote" || st.Remote.PID == 0 {
				t.Fatalf("remote mode: %+v", st)
			}
			remote := callsOf(t, e, name)
			if !sameResults(inProc, remote) {
				t.Errorf("module mode %v\nremote mode %v", inProc, remote)
			}
			if ref == nil {
				ref = inProc
			} else if !sameResults(ref, inProc) {
				t.Errorf("%s answers %v\n%s answered %v", name, inProc, wasmexamples.TextrankGo, ref)
			}
			// Bad arguments are the caller's fault in both modes.
			for _, mode := range []string{"remote", "module"} {
				load(t, e, name, mode)
				_, err := e.Call(ctxT(t), name+".rank", map[string]any{"query": "x", "docs": wasmDocs, "k": 0})
				if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "k") {
					t.Errorf("%s mode, k=0: %v, want an argument error on k", mode, err)
				}
			}
			if _, err := e.Unload(ctxT(t), name, "auto", true); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestWasmFaultsBothModes: a looping call is interrupted at the module's
// timeout and a trap fails its call, in-process and remote; the module
// serves the next call, and the engine lives on.
func TestWasmFaultsBothModes(t *testing.T) {
	e := newEngine(t)
	configureWasm(t, e, "probe", wasmexamples.Probe, "  timeout: 300ms\n  instances: 1\n")
	for _, mode := range []string{"module", "remote"} {
		t.Run(mode, func(t *testing.T) {
			load(t, e, "probe", mode)
			for _, action := range []string{"loop", "trap"} {
				start := time.Now()
				_, err := e.Call(ctxT(t), "probe."+action, map[string]any{})
				if err == nil || errors.Is(err, engine.ErrInvalid) {
					t.Errorf("%s: %v, want the action's failure", action, err)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("%s took %v", action, d)
				}
				v, err := e.Call(ctxT(t), "probe.echo", map[string]any{"value": "after " + action})
				if err != nil || v != "after "+action {
					t.Errorf("the call after %s: %v, %v", action, v, err)
				}
			}
		})
	}
}

// TestWasmSwitchUnderLoad flips textrank between module and remote mode
// while callers call it without pause: no call fails.
func TestWasmSwitchUnderLoad(t *testing.T) {
	flips := 10
	if testing.Short() {
		flips = 4
	}
	e := newEngine(t)
	configureWasm(t, e, "tr", wasmexamples.TextrankC, "")
	load(t, e, "tr", "module")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var calls, failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				v, err := e.Call(context.Background(), "tr.rank", map[string]any{"query": "fox", "docs": wasmDocs, "k": 2})
				calls.Add(1)
				time.Sleep(500 * time.Microsecond)
				if l, _ := v.([]any); err != nil || len(l) != 2 {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Errorf("%v (result %v)", err, v))
				}
			}
		}()
	}
	modes := []string{"remote", "module"}
	for i := range flips {
		if st := load(t, e, "tr", modes[i%2]); st.Serving != modes[i%2] {
			t.Fatalf("flip %d: serving %q", i, st.Serving)
		}
	}
	stop()
	wg.Wait()
	t.Logf("%d flips, %d calls, %d failed", flips, calls.Load(), failures.Load())
	if failures.Load() != 0 {
		t.Fatalf("%d of %d calls failed during switches; first: %v", failures.Load(), calls.Load(), firstErr.Load())
	}
	if calls.Load() < int64(flips) {
		t.Fatalf("only %d calls during %d flips", calls.Load(), flips)
	}
}

// TestWasmSurvivesRestart: a configured wasm module runs from the copy
// jsorc kept, even once the original file is gone, and after a restart its
// measured size is known before it is loaded (from its compiled code).
func TestWasmSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	src := filepath.Join(t.TempDir(), "tr.wasm")
	if err := os.WriteFile(src, wasmexamples.Read(t, wasmexamples.TextrankC), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := "tr:\n  wasm: " + src + "\n"
	if _, err := e.ConfigureActions(ctxT(t), "tr", "/m.yaml", []byte(yaml)); err != nil {
		t.Fatal(err)
	}
	load(t, e.Engine, "tr", "remote")
	closeEngine(t, e)
	if err := os.Remove(src); err != nil {
		t.Fatal(err)
	}
	e2 := openEngine(t, dir)
	st, err := e2.Status("tr")
	if err != nil || st.Module.Kind != "wasm" || st.Module.SizeBytes <= 0 || st.Module.LocalMemRequirement <= 0 {
		t.Fatalf("restored status: %+v, %v", st.Module, err)
	}
	for _, mode := range []string{"remote", "module"} {
		load(t, e2.Engine, "tr", mode)
		if v, err := e2.Call(ctxT(t), "tr.tokenize", map[string]any{"text": "still here"}); err != nil || len(v.([]any)) != 2 {
			t.Errorf("%s mode after restart, file gone: %v, %v", mode, v, err)
		}
	}
}

// TestWasmKeptAcrossSwitch: a wasm module moved to remote keeps its
// compiled code and an instance for WasmKeep, and a move back within it
// takes them (the status says until when, the switch's event that it took
// them);
// the time running out, or an unload, releases them.
func TestWasmKeptAcrossSwitch(t *testing.T) {
	e := newEngine(t)
	configureWasm(t, e, "tr", wasmexamples.TextrankC, "")
	load(t, e, "tr", "module")
	want := callsOf(t, e, "tr")

	load(t, e, "tr", "remote")
	waitReleased(t, e, "tr", true)
	st, _ := e.Status("tr")
	if left := time.Until(*st.Module.KeptUntil); left < time.Minute || left > 2*time.Minute {
		t.Errorf("kept for %v more, want about the 2 minutes of the default", left)
	}
	load(t, e, "tr", "module")
	if st, _ := e.Status("tr"); st.Module.KeptUntil != nil {
		t.Errorf("still kept (until %v) once back in-process", st.Module.KeptUntil)
	}
	if !switchedFromKept(e, "tr") {
		t.Error("the move back loaded the module again: no switch event says it took the kept code")
	}
	if got := callsOf(t, e, "tr"); !sameResults(got, want) {
		t.Errorf("after the move back the module answers %v, want %v", got, want)
	}

	load(t, e, "tr", "remote")
	waitReleased(t, e, "tr", true)
	if _, err := e.Unload(ctxT(t), "tr", "auto", true); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.Status("tr"); st.Module.KeptUntil != nil {
		t.Errorf("unloaded, still kept until %v", st.Module.KeptUntil)
	}

	// A keep of 2 s runs out.
	e2 := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: local.Options{Executable: mustExe(t)}, WasmKeep: 2 * time.Second}).Engine
	configureWasm(t, e2, "tr", wasmexamples.TextrankC, "")
	load(t, e2, "tr", "module")
	load(t, e2, "tr", "remote")
	waitReleased(t, e2, "tr", true)
	deadline := time.Now().Add(time.Minute)
	for {
		st, _ := e2.Status("tr")
		if st.Draining == 0 && st.Module.KeptUntil == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still kept until %v a minute after a keep of 2 s", st.Module.KeptUntil)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// switchedFromKept says whether a switch event of module name says the
// module came back in-process from its kept code.
func switchedFromKept(e *engine.Engine, name string) bool {
	evs, _ := e.EventsSince(0)
	for _, ev := range evs {
		if ev.Type == engine.EventSwitch && ev.Name == name && strings.Contains(ev.Message, "not loaded again") {
			return true
		}
	}
	return false
}
