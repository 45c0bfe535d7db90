package engine_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSwitchNeverFailsACall flips a module between module and remote mode
// while 16 callers call it without pause: make-before-break must keep every
// call succeeding.
func TestSwitchNeverFailsACall(t *testing.T) {
	flips := 50
	if testing.Short() {
		flips = 10
	}
	e := newEngine(t)
	load(t, e, "echo", "module")

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var calls, failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				want := float64(c*1_000_000 + i)
				got, err := e.Call(context.Background(), "echo.echo", map[string]any{"value": want})
				calls.Add(1)
				// Pace the callers a little so that 16 of them leave the
				// switching (and the child processes it starts) some CPU on a
				// 2-core machine; calls still overlap every switch.
				time.Sleep(500 * time.Microsecond)
				if err != nil || got != want {
					failures.Add(1)
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}
		}()
	}
	modes := []string{"remote", "module"}
	var servers []int
	start := time.Now()
	for i := range flips {
		t0 := time.Now()
		st := load(t, e, "echo", modes[i%2])
		if testing.Verbose() {
			t.Logf("flip %d to %s: %v", i, modes[i%2], time.Since(t0).Round(time.Millisecond))
		}
		if st.Serving != modes[i%2] {
			t.Fatalf("flip %d: serving %q, want %q", i, st.Serving, modes[i%2])
		}
		if st.Remote.PID != 0 {
			servers = append(servers, st.Remote.PID)
		}
	}
	stop()
	wg.Wait()
	t.Logf("%d flips in %v, %d calls, %d failed", flips, time.Since(start).Round(time.Millisecond), calls.Load(), failures.Load())
	if failures.Load() != 0 {
		t.Fatalf("%d of %d calls failed during switches; first error: %v", failures.Load(), calls.Load(), firstErr.Load())
	}
	if calls.Load() < int64(flips) {
		t.Fatalf("only %d calls made during %d flips: the callers did not run", calls.Load(), flips)
	}
	// Every server a switch to module mode left behind is retired.
	for _, pid := range servers {
		waitGone(t, pid, 10*time.Second)
	}
}

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
