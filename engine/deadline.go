package engine

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

// callContexts recycles the contexts that give calls their deadline (see
// withCallDeadline). The zero value is ready to use.
type callContexts struct{ pool sync.Pool }

// withCallDeadline gives a call that started at start its deadline: ctx
// itself (and a nil *callContext) when ctx ends sooner, otherwise a context
// ending timeout after start, to release when the call returns.
//
// A call of an in-process action takes a few tens of nanoseconds, and a
// context.WithTimeout (a runtime timer armed and disarmed, two objects
// allocated) would cost several times that, as would even reading the wall
// clock on some machines. So the context the call gets reads only the
// monotonic clock the call's recording reads anyway, works out its deadline
// as a time of day only when asked, and arms a timer only when someone
// waits on it — Done, Deadline, or a context derived from it — which only a
// slow action or a remote call does. A context nobody waited on goes back
// to the pool when the call returns, so a quick call allocates nothing.
//
// The context is the call's only while the call runs, as the action's
// contract says: an action that hands it to a goroutine outliving the call
// must have waited on it (or derived its own) before returning.
func (p *callContexts) withCallDeadline(ctx context.Context, timeout time.Duration, start track.Mono) (context.Context, *callContext) {
	if cd, ok := ctx.Deadline(); ok && time.Until(cd) <= timeout-start.Since() {
		return ctx, nil
	}
	c, _ := p.pool.Get().(*callContext)
	if c == nil {
		c = &callContext{}
	}
	c.parent, c.start, c.timeout, c.home = ctx, start, timeout, p
	c.armed = nil
	c.state.Store(ctxLive)
	return c, c
}

// The states of a callContext. A context goes live → released when nobody
// waited on it (and back to the pool), or live → arming → armed → released.
const (
	ctxLive int32 = iota
	ctxArming
	ctxArmed
	ctxReleased
)

// callContext is a call's context: its parent's values and cancellation,
// and a deadline whose timer is armed on first use (see withCallDeadline).
type callContext struct {
	parent  context.Context
	start   track.Mono
	timeout time.Duration
	home    *callContexts
	state   atomic.Int32
	// armed is the parent with the deadline; set once, before state turns
	// ctxArmed, and read only after.
	armed *armedContext
}

// armedContext is a standard context with the call's deadline.
type armedContext struct {
	ctx  context.Context
	stop context.CancelFunc
}

// expired reports whether the deadline has passed.
func (c *callContext) expired() bool { return c.start.Since() >= c.timeout }

// arm returns the parent with the deadline, as a context of the standard
// library, made on first use; once the call has returned it is a context
// already ended.
func (c *callContext) arm() context.Context {
	for {
		switch c.state.Load() {
		case ctxArmed:
			return c.armed.ctx
		case ctxLive:
			if !c.state.CompareAndSwap(ctxLive, ctxArming) {
				continue
			}
			ctx, stop := context.WithDeadline(c.parent, time.Now().Add(c.timeout-c.start.Since()))
			c.armed = &armedContext{ctx: ctx, stop: stop}
			c.state.Store(ctxArmed)
			return ctx
		case ctxArming:
			runtime.Gosched() // another goroutine of the call is arming it
		default: // released unarmed: the call is over
			ctx, stop := context.WithCancel(context.Background())
			stop()
			return ctx
		}
	}
}

// release ends the call's use of the context: it disarms the timer if it
// was armed, and otherwise puts the context back in the pool. A nil c has
// nothing to release.
func (c *callContext) release() {
	if c == nil {
		return
	}
	for {
		switch c.state.Load() {
		case ctxLive:
			if c.state.CompareAndSwap(ctxLive, ctxReleased) {
				c.parent = nil
				c.home.pool.Put(c)
				return
			}
		case ctxArming:
			runtime.Gosched()
		case ctxArmed:
			// Kept out of the pool: contexts derived from it may outlive
			// the call, and they read it.
			c.armed.stop()
			return
		default:
			return
		}
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
	if c.state.Load() != ctxLive {
		return c.arm().Err()
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
	if c.state.Load() != ctxLive || c.expired() {
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
