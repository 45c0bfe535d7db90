package wasm_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/wasm"
	"github.com/jsorc/jsorc/internal/wasmexamples"
)

// BenchmarkTokenize is one small call straight into a module's pool,
// without the engine: the wasm part of the engine's BenchmarkWasmCall.
func BenchmarkTokenize(b *testing.B) {
	for _, ex := range wasmexamples.Textranks {
		for _, un := range []bool{false, true} {
			name := ex
			if un {
				name += "/uninterruptible"
			}
			b.Run(name, func(b *testing.B) {
				m, err := wasm.Load(context.Background(), wasmexamples.Read(b, ex), wasm.Options{Name: "tr", CacheDir: cacheDir, Instances: 1, Uninterruptible: un})
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close()
				fn := m.Actions()[0].Fn
				args := map[string]any{"text": wasmexamples.SmallText}
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := fn(ctx, args); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkColdLoad loads the 5 MB module (the Go textrank linked with
// more of Go's library) from the compiled-code cache: jsorc adds its loop
// checks (rewrite-ms), a new runtime decodes and validates the module and
// reads the compiled code back (from-cache-ms), makes the first instance
// (running Go's runtime initialisation) and reads the spec
// (instantiate-ms). The first load of the run, which compiles into an
// empty cache, is reported as first-compile-ms.
func BenchmarkColdLoad(b *testing.B) {
	raw := wasmexamples.Read(b, wasmexamples.TextrankGoBig)
	dir := b.TempDir()
	opts := wasm.Options{Name: "big", CacheDir: dir, Instances: 1}
	start := time.Now()
	m, err := wasm.Load(context.Background(), raw, opts)
	if err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	st := m.LoadStats()
	m.Close()
	if st.Cached {
		b.Fatal("the first load found the cache warm")
	}
	var compile, inst, rewrite time.Duration
	for b.Loop() {
		m, err := wasm.Load(context.Background(), raw, opts)
		if err != nil {
			b.Fatal(err)
		}
		st := m.LoadStats()
		if !st.Cached {
			b.Fatal("a later load compiled again")
		}
		compile += st.Compile
		inst += st.Instantiate
		rewrite += st.Rewrite
		m.Close()
	}
	wasmexamples.Target(b, "cold load of the 5 MB module from the compiled cache", float64((rewrite+compile+inst).Microseconds())/1000/float64(b.N), "ms", true, 50)
	b.Logf("FIGURE first load (compile) of the same module: %d ms", first.Milliseconds())
	b.ReportMetric(float64(first.Milliseconds()), "first-compile-ms")
	b.ReportMetric(float64(compile.Microseconds())/1000/float64(b.N), "from-cache-ms")
	b.ReportMetric(float64(inst.Microseconds())/1000/float64(b.N), "instantiate-ms")
	b.ReportMetric(float64(rewrite.Microseconds())/1000/float64(b.N), "rewrite-ms")
	b.ReportMetric(float64(len(raw))/(1<<20), "module-MB")
	b.ReportMetric(float64(st.CodeBytes)/(1<<20), "code-MB")
	b.ReportMetric(wasmexamples.LoadAvg(), "load1")
}

// BenchmarkPool runs 16 concurrent callers of a CPU-bound action (the
// probe's work, about a millisecond of hashing) on a pool of one instance
// and on a pool of GOMAXPROCS instances, in the same run, and reports
// both throughputs and their ratio.
func BenchmarkPool(b *testing.B) {
	raw := wasmexamples.Read(b, wasmexamples.Probe)
	pools := map[int]*wasm.Module{}
	for _, n := range []int{1, runtime.GOMAXPROCS(0)} {
		m, err := wasm.Load(context.Background(), raw, wasm.Options{Name: "probe", CacheDir: cacheDir, Instances: n})
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		pools[n] = m
	}
	const callers, perCaller = 16, 4
	run := func(m *wasm.Module) time.Duration {
		fn := m.Actions()[0].Fn // work
		args := map[string]any{"n": 200_000}
		start := time.Now()
		var wg sync.WaitGroup
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perCaller {
					if _, err := fn(context.Background(), args); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	run(pools[runtime.GOMAXPROCS(0)]) // make every instance
	var one, many time.Duration
	for b.Loop() {
		one += run(pools[1])
		many += run(pools[runtime.GOMAXPROCS(0)])
	}
	calls := float64(callers * perCaller * b.N)
	b.ReportMetric(calls/one.Seconds(), "one-instance-calls/s")
	b.ReportMetric(calls/many.Seconds(), "pool-calls/s")
	b.ReportMetric(one.Seconds()/many.Seconds(), "pool/one")
	wasmexamples.Target(b, fmt.Sprintf("16 callers, pool of %d instances vs 1, throughput", runtime.GOMAXPROCS(0)), one.Seconds()/many.Seconds(), "x", false, 1.8)
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "instances")
	b.ReportMetric(wasmexamples.LoadAvg(), "load1")
}
