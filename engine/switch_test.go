package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"
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
