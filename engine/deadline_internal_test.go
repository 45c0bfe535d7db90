package engine

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

// TestCallDeadline checks the call context against what
// context.WithTimeout would give, armed or not.
func TestCallDeadline(t *testing.T) {
	var p callContexts
	t.Run("a sooner deadline of the caller is kept", func(t *testing.T) {
		parent, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		ctx, dc := p.withCallDeadline(parent, time.Minute, track.Now())
		if ctx != parent || dc != nil {
			t.Fatalf("got a new context for a caller whose deadline is sooner")
		}
		dc.release() // a nil one releases nothing
	})
	t.Run("the deadline passes unwatched", func(t *testing.T) {
		ctx, dc := p.withCallDeadline(context.Background(), 20*time.Millisecond, track.Now())
		defer dc.release()
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > 20*time.Millisecond {
			t.Fatalf("deadline %v %v", d, ok)
		}
		if err := ctx.Err(); err != nil {
			t.Fatalf("Err before the deadline: %v", err)
		}
		time.Sleep(30 * time.Millisecond)
		// Asking for the deadline armed a timer; on a loaded machine it
		// may fire some time after the deadline, and Err follows it.
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
			t.Fatal("Done not closed after the deadline")
		}
		if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Err after the deadline: %v", err)
		}
		if err := context.Cause(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Cause after the deadline: %v", err)
		}
	})
	t.Run("a waiter sees the deadline", func(t *testing.T) {
		ctx, dc := p.withCallDeadline(context.Background(), 20*time.Millisecond, track.Now())
		defer dc.release()
		start := time.Now()
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done not closed at the deadline")
		}
		if d := time.Since(start); d < 15*time.Millisecond {
			t.Errorf("Done closed after %v, before the deadline", d)
		}
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Errorf("Err %v", ctx.Err())
		}
	})
	t.Run("the caller's cancel ends it", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		ctx, dc := p.withCallDeadline(parent, time.Hour, track.Now())
		defer dc.release()
		child, stop := context.WithCancel(ctx) // derived, as an action may
		defer stop()
		cancel()
		select {
		case <-child.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("a derived context did not end with the caller's")
		}
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Errorf("Err %v, want Canceled", ctx.Err())
		}
	})
	t.Run("values pass through", func(t *testing.T) {
		type key struct{}
		parent := context.WithValue(context.Background(), key{}, "v")
		ctx, dc := p.withCallDeadline(parent, time.Hour, track.Now())
		defer dc.release()
		if ctx.Value(key{}) != "v" {
			t.Errorf("Value lost")
		}
	})
	t.Run("derived contexts start no goroutine", func(t *testing.T) {
		ctx, dc := p.withCallDeadline(context.Background(), time.Hour, track.Now())
		defer dc.release()
		base := runtime.NumGoroutine()
		var stops []context.CancelFunc
		for range 100 {
			_, stop := context.WithCancel(ctx)
			stops = append(stops, stop)
		}
		if n := runtime.NumGoroutine(); n > base+5 {
			t.Errorf("%d goroutines for 100 derived contexts (was %d)", n, base)
		}
		for _, stop := range stops {
			stop()
		}
	})
	t.Run("a context nobody waited on is reused without allocating", func(t *testing.T) {
		var p callContexts
		allocs := testing.AllocsPerRun(1000, func() {
			ctx, dc := p.withCallDeadline(context.Background(), time.Hour, track.Now())
			if ctx.Err() != nil {
				t.Error("a fresh call context has ended")
			}
			dc.release()
		})
		if allocs != 0 {
			t.Errorf("%v allocations per call, want 0", allocs)
		}
	})
	t.Run("an armed context ends when the call returns and is not reused", func(t *testing.T) {
		var p callContexts
		ctx, dc := p.withCallDeadline(context.Background(), time.Hour, track.Now())
		done := ctx.Done()
		dc.release()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Done not closed once the call returned")
		}
		next, dc2 := p.withCallDeadline(context.Background(), time.Hour, track.Now())
		defer dc2.release()
		if next == ctx {
			t.Fatal("an armed context went back to the pool")
		}
		if ctx.Err() == nil {
			t.Error("the released context's Err is nil")
		}
	})
	t.Run("a context released unarmed is ended if waited on later", func(t *testing.T) {
		var p callContexts
		ctx, dc := p.withCallDeadline(context.Background(), time.Hour, track.Now())
		c := ctx.(*callContext)
		dc.release()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("a released context is not done")
		}
	})
	t.Run("goroutines of one call arm it once", func(t *testing.T) {
		var p callContexts
		ctx, dc := p.withCallDeadline(context.Background(), time.Hour, track.Now())
		chans := make(chan (<-chan struct{}), 8)
		for range 8 {
			go func() { chans <- ctx.Done() }()
		}
		first := <-chans
		for range 7 {
			if ch := <-chans; ch != first {
				t.Fatal("two Done channels for one call")
			}
		}
		dc.release()
		<-first
	})
}
