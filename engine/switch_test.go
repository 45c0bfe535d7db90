package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/fake"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// TestSwitchWaitsForInFlightCalls starts slow calls in module mode, switches
// to remote while they run, and checks they complete on the placement they
// started on.
func TestSwitchWaitsForInFlightCalls(t *testing.T) {
	e := newEngine(t)
	load(t, e, "echo", "module")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Call(context.Background(), "echo.sleep", map[string]any{"ms": 300.0})
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond) // let the calls start on the module binding
	st := load(t, e, "echo", "remote")
	if st.Serving != "remote" || st.Module.Loaded {
		t.Fatalf("after switch: %+v", st)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("in-flight call failed across the switch: %v", err)
		}
	}
}

// TestSwitchNeverBreaksACall switches a module, in each direction, while
// slow calls run on its old placement. The old placement must outlive
// them: echo's Close breaks the sleeps still running (as a module freeing
// its model would), and the fake backend records when a server was told
// to stop. So every call must succeed, no call may need a retry, and a
// server's stop must come after the last call on it returned — which also
// guards the reference counting that makes the drain wait.
func TestSwitchNeverBreaksACall(t *testing.T) {
	for _, tc := range []struct{ from, to string }{{"module", "remote"}, {"remote", "module"}} {
		t.Run(tc.from+" to "+tc.to, func(t *testing.T) {
			fb := fake.New(nil)
			e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: fb}).Engine
			load(t, e, "echo", tc.from)
			const calls = 8
			var (
				mu      sync.Mutex
				lastEnd time.Time
				wg      sync.WaitGroup
			)
			errs := make(chan error, calls)
			for i := range calls {
				// Staggered ends: a drain that lets the placement go one
				// call early breaks the last one.
				ms := 200.0 + 40*float64(i)
				wg.Go(func() {
					_, err := e.Call(context.Background(), "echo.sleep", map[string]any{"ms": ms})
					mu.Lock()
					lastEnd = time.Now()
					mu.Unlock()
					errs <- err
				})
			}
			waitStatus(t, e, "echo", "calling", func(st engine.ActionStatus) bool { return st.InFlight == calls })
			if st := load(t, e, "echo", tc.to); st.Serving != tc.to {
				t.Fatalf("after the switch: serving %q", st.Serving)
			}
			if _, err := e.Call(ctxT(t), "echo.echo", map[string]any{"value": 1.0}); err != nil {
				t.Errorf("a call on the new placement while the old one drains: %v", err)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("a call in flight across the switch failed: %v", err)
				}
			}
			if n := e.Retried(); n != 0 {
				t.Errorf("%d calls were retried: their placement broke under them", n)
			}
			if tc.from != "remote" {
				return
			}
			var stops []time.Time
			deadline := time.Now().Add(10 * time.Second)
			for len(stops) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the old action server was never stopped")
				}
				time.Sleep(5 * time.Millisecond)
				stops = fb.StopRequests("echo")
			}
			if stops[0].Before(lastEnd) {
				t.Errorf("the old action server was told to stop %v before the last call on it returned", lastEnd.Sub(stops[0]))
			}
		})
	}
}
