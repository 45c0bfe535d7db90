package engine

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

// withCallDeadline gives a call that started at start its deadline: ctx
// itself (and a nil *callContext) when ctx ends sooner, otherwise a context
// ending timeout after start, to release when the call returns.
//
// A call of an in-process action takes a few hundred nanoseconds, and a
// context.WithTimeout (a runtime timer armed and disarmed) would cost
// several times that, as would even reading the wall clock on some
// machines. So the context the call gets reads only the monotonic clock
// the call's recording reads anyway, works out its deadline as a time of
// day only when asked, and arms a timer only when someone waits on it —
// Done, or a context derived from it — which only a slow action does.
func withCallDeadline(ctx context.Context, timeout time.Duration, start track.Mono) (context.Context, *callContext) {
	if cd, ok := ctx.Deadline(); ok && time.Until(cd) <= timeout-start.Since() {
		return ctx, nil
	}
	c := &callContext{parent: ctx, start: start, timeout: timeout}
	return c, c
}

// callContext is a call's context: its parent's values and cancellation,
// and a deadline whose timer is armed on first use (see withCallDeadline).
type callContext struct {
	parent  context.Context
	start   track.Mono
	timeout time.Duration
	// armed is the parent with the deadline, once someone waited on it.
	armed atomic.Pointer[armedContext]
	// released is set when the call returned: arming is pointless then.
	released atomic.Bool
}

// armedContext is a standard context with the call's deadline.
type armedContext struct {
	ctx  context.Context
	stop context.CancelFunc
}

// expired reports whether the deadline has passed.
func (c *callContext) expired() bool { return c.start.Since() >= c.timeout }

// arm returns the parent with the deadline, as a context of the standard
// library, made on first use.
func (c *callContext) arm() context.Context {
	if a := c.armed.Load(); a != nil {
		return a.ctx
	}
	ctx, stop := context.WithDeadline(c.parent, time.Now().Add(c.timeout-c.start.Since()))
	if !c.armed.CompareAndSwap(nil, &armedContext{ctx: ctx, stop: stop}) {
		stop() // another goroutine armed it first
		return c.armed.Load().ctx
	}
	if c.released.Load() { // the call returned meanwhile: disarm at once
		stop()
	}
	return ctx
}

// release disarms the timer, if it was armed; the call is over. A nil c
// has nothing to release. A release racing with arm is seen by one of
// them, which disarms.
func (c *callContext) release() {
	if c == nil {
		return
	}
	c.released.Store(true)
	if a := c.armed.Load(); a != nil {
		a.stop()
	}
}

// Deadline is the call's deadline (asking for it arms the timer, so that
// it reads the same every time).
func (c *callContext) Deadline() (time.Time, bool) { return c.arm().Deadline() }

// Done is closed when the parent is done or the deadline passes.
func (c *callContext) Done() <-chan struct{} { return c.arm().Done() }

// Err says why the context ended: the parent's error, or
// context.DeadlineExceeded once the deadline has passed.
func (c *callContext) Err() error {
	if a := c.armed.Load(); a != nil {
		return a.ctx.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if c.expired() {
		return context.DeadlineExceeded
	}
	return nil
}

// Value is the parent's value of key. Once the deadline has passed it is
// the armed context's, so that context.Cause reports the deadline.
func (c *callContext) Value(key any) any {
	if c.armed.Load() != nil || c.expired() {
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
	return "engine.callContext(timeout " + c.timeout.String() + ")"
}
