package local_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
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

// wasmexamples.SmallText makes a tokenize call of about 300 bytes of JSON in and 500
// out: the "small action" of the figures.
// BenchmarkWasmCall is one small call of the C textrank module through the
// router, tracking included: in-process (module mode) and remote (the same
// file served by `jsorc serve-action --wasm` on loopback), measured in the
// same run, each iteration making ten in-process calls and one remote
// call. It reports both latencies and their ratio.
//
// Each language runs interruptible (the default: termination checks let a
// deadline stop a runaway loop, at tens of nanoseconds per loop iteration)
// and, for comparison, uninterruptible (wasm_config.uninterruptible).
func BenchmarkWasmCall(b *testing.B) {
	for _, ex := range wasmexamples.Textranks {
		for _, un := range []bool{false, true} {
			name := strings.TrimSuffix(ex, ".wasm")
			extra := ""
			if un {
				name += "/uninterruptible"
				extra = "  wasm_config: {uninterruptible: true}\n"
			}
			b.Run(name, func(b *testing.B) {
				benchWasmCall(b, ex, extra, "tokenize", map[string]any{"text": wasmexamples.SmallText})
			})
		}
	}
	// The fixed cost of a call: an action without a loop (about).
	b.Run("textrank-c/about", func(b *testing.B) { benchWasmCall(b, wasmexamples.TextrankC, "", "about", map[string]any{}) })
}

// benchWasmCall is BenchmarkWasmCall for one module file and config.
func benchWasmCall(b *testing.B, ex, extra, action string, args map[string]any) {
	e := newEngine(b)
	configureWasmB(b, e, "inproc", ex, extra)
	configureWasmB(b, e, "remote", ex, extra)
	load(b, e, "inproc", "module")
	load(b, e, "remote", "remote")
	ctx := context.Background()
	for _, n := range []string{"inproc", "remote"} { // warm both
		if _, err := e.Call(ctx, n+"."+action, args); err != nil {
			b.Fatal(err)
		}
	}
	var inproc, remote time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		for range 10 {
			if _, err := e.Call(ctx, "inproc."+action, args); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		if _, err := e.Call(ctx, "remote."+action, args); err != nil {
			b.Fatal(err)
		}
		inproc += t1.Sub(t0)
		remote += time.Since(t1)
	}
	in := float64(inproc.Nanoseconds()) / float64(10*b.N)
	rem := float64(remote.Nanoseconds()) / float64(b.N)
	b.ReportMetric(in, "inproc-ns/call")
	b.ReportMetric(rem, "remote-ns/call")
	b.ReportMetric(rem/in, "remote/inproc")
	wasmexamples.Target(b, "in-process call, router and tracking included", in/1000, "µs", true, 5)
	wasmexamples.Target(b, "remote on loopback / in-process", rem/in, "x", false, 20)
	b.ReportMetric(wasmexamples.LoadAvg(), "load1")
}

// BenchmarkWasmFaultIsolation drives textrank in-process from 8 callers
// while the probe module, also in-process, grows 32 MB and traps, or loops
// until its 1 s timeout, over and over: every fault costs an instance,
// replaced at the next call. It reports the failed calls of textrank
// (must be 0) and the engine's RSS before the faults and after the last
// replacement, once the garbage collector has run.
func BenchmarkWasmFaultIsolation(b *testing.B) {
	e := newEngine(b)
	configureWasmB(b, e, "tr", wasmexamples.TextrankC, "")
	configureWasmB(b, e, "probe", wasmexamples.Probe, "  timeout: 1s\n  instances: 2\n  memory_limit_mb: 64\n")
	load(b, e, "tr", "module")
	load(b, e, "probe", "module")
	ctx := context.Background()
	if _, err := e.Call(ctx, "probe.echo", map[string]any{"value": 1}); err != nil {
		b.Fatal(err)
	}
	before := settledRSS()
	stop := make(chan struct{})
	var calls, failed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := map[string]any{"query": "fox", "docs": wasmDocs, "k": 2}
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := e.Call(ctx, "tr.rank", args); err != nil {
					failed.Add(1)
				}
				calls.Add(1)
			}
		}()
	}
	faults := 0
	for b.Loop() {
		// Growing may itself run past the deadline on a loaded machine:
		// one more fault, not a failure of the benchmark.
		_, _ = e.Call(ctx, "probe.grow", map[string]any{"mb": 32})
		if _, err := e.Call(ctx, "probe.trap", map[string]any{}); err == nil {
			b.Fatal("trap succeeded")
		}
		if _, err := e.Call(ctx, "probe.loop", map[string]any{}); err == nil {
			b.Fatal("loop returned")
		}
		faults += 2
	}
	close(stop)
	wg.Wait()
	if _, err := e.Call(ctx, "probe.echo", map[string]any{"value": 1}); err != nil {
		b.Fatal(err)
	}
	after := settledRSS()
	b.ReportMetric(float64(failed.Load()), "failed-calls")
	b.ReportMetric(float64(calls.Load()), "other-calls")
	b.ReportMetric(float64(faults), "faults")
	b.ReportMetric(float64(before)/(1<<20), "rss-before-MB")
	b.ReportMetric(float64(after)/(1<<20), "rss-after-MB")
	if failed.Load() != 0 {
		b.Fatalf("%d of %d calls of another module failed during the faults", failed.Load(), calls.Load())
	}
}

// configureWasmB is configureWasm for benchmarks.
func configureWasmB(b *testing.B, e *engine.Engine, name, example, extra string) {
	b.Helper()
	src := fmt.Sprintf("%s:\n  wasm: %s\n%s", name, wasmexamples.Path(b, example), extra)
	if _, err := e.ConfigureActions(context.Background(), name, "/bench.yaml", []byte(src)); err != nil {
		b.Fatal(err)
	}
}

// settledRSS is the process's resident memory after a full collection
// returned what it could to the OS.
func settledRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// BenchmarkWasmSwitchBack is a move of the 5 MB wasm module (the Go
// textrank linked with more of Go's library) from remote back to module
// mode, the load waited for: with its compiled code and an instance kept
// since it left module mode (kept, the default), and without (reload:
// Options.WasmKeep < 0), each engine in the same run. Each iteration
// moves the module to remote first (untimed) and waits until its
// in-process placement was released.
func BenchmarkWasmSwitchBack(b *testing.B) {
	for _, v := range []struct {
		name string
		keep time.Duration
	}{{"reload", -1}, {"kept", 0}} {
		b.Run(v.name, func(b *testing.B) {
			e := enginetest.Start(b, engine.Options{DataDir: b.TempDir(), Backend: local.Options{Executable: mustExe(b)}, WasmKeep: v.keep}).Engine
			configureWasmB(b, e, "big", wasmexamples.TextrankGoBig, "  instances: 1\n")
			load(b, e, "big", "module")
			var back time.Duration
			for b.Loop() {
				b.StopTimer()
				load(b, e, "big", "remote")
				waitReleased(b, e, "big", v.keep >= 0)
				b.StartTimer()
				start := time.Now()
				load(b, e, "big", "module")
				back += time.Since(start)
			}
			b.ReportMetric(float64(back.Microseconds())/1000/float64(b.N), "switch-back-ms")
			b.ReportMetric(wasmexamples.LoadAvg(), "load1")
		})
	}
}

// waitReleased waits until a module's swapped-out placements have
// drained, and, when kept is true, its in-process code is kept.
func waitReleased(b testing.TB, e *engine.Engine, name string, kept bool) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := e.Status(name)
		if err != nil {
			b.Fatal(err)
		}
		if st.Draining == 0 && (!kept || st.Module.KeptUntil != nil) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: still draining %d placements (kept until %v) after a minute", name, st.Draining, st.Module.KeptUntil)
		}
		time.Sleep(time.Millisecond)
	}
}
