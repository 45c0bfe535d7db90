package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// withCallDeadline gives a call its deadline: ctx itself (and a nil
// *callContext) when ctx ends sooner, otherwise a context ending at now +
// timeout, to release when the call returns.
//
// A call of an in-process action takes a few hundred nanoseconds, and a
// context.WithTimeout (a runtime timer armed and disarmed) would cost
// several times that. So the context the call gets arms its timer only
// when someone waits on it — Done, or a context derived from it — which
// only a slow action does; Err compares the clock meanwhile. The release
// function disarms what was armed.
func withCallDeadline(ctx context.Context, timeout time.Duration) (context.Context, *callContext) {
	d := time.Now().Add(timeout)
	if cd, ok := ctx.Deadline(); ok && !cd.After(d) {
		return ctx, nil
	}
	c := &callContext{parent: ctx, deadline: d}
	return c, c
}

// callContext is a call's context: its parent's values and cancellation,
// and a deadline whose timer is armed on first wait (see withCallDeadline).
type callContext struct {
	parent   context.Context
	deadline time.Time

	mu    sync.Mutex
	armed atomic.Pointer[context.Context]
	stop  context.CancelFunc
	done  bool // released: arming is pointless
}

// arm returns the parent with the deadline, as a context of the standard
// library, made on first use.
func (c *callContext) arm() context.Context {
	if a := c.armed.Load(); a != nil {
		return *a
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := c.armed.Load(); a != nil {
		return *a
	}
	ctx, stop := context.WithDeadline(c.parent, c.deadline)
	if c.done {
		stop()
	}
	c.stop = stop
	c.armed.Store(&ctx)
	return ctx
}

// release disarms the timer, if it was armed; the call is over. A nil c
// has nothing to release.
func (c *callContext) release() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	if c.stop != nil {
		c.stop()
	}
}

// Deadline is the call's deadline.
func (c *callContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Done is closed when the parent is done or the deadline passes.
func (c *callContext) Done() <-chan struct{} { return c.arm().Done() }

// Err says why the context ended: the parent's error, or
// context.DeadlineExceeded once the deadline has passed.
func (c *callContext) Err() error {
	if a := c.armed.Load(); a != nil {
		return (*a).Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value is the parent's value of key. Once the deadline has passed it is
// the armed context's, so that context.Cause reports the deadline.
func (c *callContext) Value(key any) any {
	if c.armed.Load() != nil || !time.Now().Before(c.deadline) {
		return c.arm().Value(key)
	}
	return c.parent.Value(key)
}

// AfterFunc runs f once the context ends, as context.AfterFunc does; the
// contexts derived from this one use it to learn of its end without a
// goroutine each.
func (c *callContext) AfterFunc(f func()) func() bool {
	return context.AfterFunc(c.arm(), f)
}

// String names the context in a panic or a log.
func (c *callContext) String() string {
	return "engine.callContext(deadline " + c.deadline.Format(time.RFC3339Nano) + ")"
}
