package local_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// scaleBench is the environment variable that runs the benchmarks of many
// modules (`make bench` sets it): each starts hundreds of processes, too
// slow for the -count of the other benchmarks.
const scaleBench = "JSORC_BENCH_SCALE"

// BenchmarkLocal200Modules loads 200 tiny synth modules in remote mode on
// the local backend at once (200 supervised action servers), waits until
// all are READY, then drives calls to all of them from 8 clients while 50
// switch to module mode and back to remote. It fails on any failed call,
// and reports the time to READY, the switches' time, the calls made and
// the engine's RSS. Run with JSORC_BENCH_SCALE=1 (`make bench`).
func BenchmarkLocal200Modules(b *testing.B) {
	if os.Getenv(scaleBench) == "" {
		b.Skip("set " + scaleBench + "=1 to start 200 action servers (make bench does)")
	}
	const n, switching, clients = 200, 50, 8
	for b.Loop() {
		e := newEngine(b)
		var cfg strings.Builder
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("tiny%03d", i)
			fmt.Fprintf(&cfg, "%s: {builtin: synth, params: {response_bytes: 16, actions: [infer]}}\n", names[i])
		}
		if _, err := e.ConfigureActions(ctxT(b), "all", "bench", []byte(cfg.String())); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		loadAll(b, e, names, "remote")
		ready := time.Since(start)
		for _, name := range names {
			if st, err := e.Status(name); err != nil || st.Remote.Status != "READY" || st.Serving != "remote" {
				b.Fatalf("%s after loading: %+v, %v", name, st.Remote, err)
			}
		}

		ctx, stop := context.WithCancel(ctxT(b))
		var calls, failed atomic.Int64
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(c), 1))
				for ctx.Err() == nil {
					name := names[r.IntN(n)]
					_, err := e.Call(ctx, name+".infer", map[string]any{"data": c})
					if err != nil && ctx.Err() == nil {
						if failed.Add(1) <= 5 {
							b.Errorf("call of %s while switching: %v", name, err)
						}
					}
					calls.Add(1)
				}
			})
		}
		time.Sleep(500 * time.Millisecond) // calls in flight everywhere first
		sw := time.Now()
		loadAll(b, e, names[:switching], "module")
		toModule := time.Since(sw)
		sw = time.Now()
		loadAll(b, e, names[:switching], "remote")
		toRemote := time.Since(sw)
		time.Sleep(500 * time.Millisecond)
		stop()
		wg.Wait()

		b.ReportMetric(ready.Seconds(), "s-to-ready")
		b.ReportMetric(toModule.Seconds(), "s-50-to-module")
		b.ReportMetric(toRemote.Seconds(), "s-50-to-remote")
		b.ReportMetric(float64(calls.Load()), "calls")
		b.ReportMetric(float64(failed.Load()), "failed-calls")
		b.ReportMetric(enginetest.RSSMB(b), "engine-RSS-MB")
		if failed.Load() > 0 {
			b.Fatalf("%d of %d calls failed while %d modules switched", failed.Load(), calls.Load(), switching)
		}
		loadAll(b, e, names, "module") // stops the 200 servers before the next round
	}
}

// loadAll loads every module of names in mode, 16 at a time, waiting until
// each serves there.
func loadAll(b *testing.B, e *engine.Engine, names []string, mode string) {
	b.Helper()
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, name := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := e.Load(ctxT(b), name, mode, engine.LoadOptions{Wait: true}); err != nil {
				b.Errorf("load %s -mode %s: %v", name, mode, err)
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}
