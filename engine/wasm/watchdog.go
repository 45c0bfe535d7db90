package wasm

import (
	"context"
	"time"
)

// watchTick is how often the watchdog looks at the calls in flight: the
// precision of a deadline or a cancellation.
const watchTick = time.Millisecond

// beginWatch puts a call into in (jsorc_call, the reactor's initializer)
// under the watchdog: past deadline, or once ctx is done, the watchdog
// stops it. The watchdog starts with the module's first watched call and
// sleeps while none is in flight.
func (m *Module) beginWatch(ctx context.Context, in *instance, deadline time.Time) {
	in.watchMu.Lock()
	in.watchCtx, in.deadline = ctx, deadline
	in.watchMu.Unlock()
	m.watchOnce.Do(func() { go m.watch() })
	if m.busy.Add(1) == 1 {
		select {
		case m.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// endWatch takes the call out of the watchdog's sight and returns why the
// watchdog stopped it (context.DeadlineExceeded or context.Canceled), or
// nil. An instance the watchdog stopped must not serve again, even when
// its call returned before seeing the order: the order stays in its global.
func (m *Module) endWatch(in *instance) error {
	m.busy.Add(-1)
	in.watchMu.Lock()
	stopped := in.stopped
	in.watchCtx = nil
	in.watchMu.Unlock()
	return stopped
}

// watch is the module's watchdog: every tick while calls are in flight it
// stops those past their deadline or whose caller went away.
func (m *Module) watch() {
	timer := time.NewTimer(watchTick)
	defer timer.Stop()
	for {
		if m.busy.Load() == 0 {
			select {
			case <-m.wake:
			case <-m.quit:
				return
			}
		}
		timer.Reset(watchTick)
		select {
		case <-timer.C:
		case <-m.quit:
			return
		}
		now := time.Now()
		m.mu.Lock()
		for in := range m.live {
			in.look(now)
		}
		m.mu.Unlock()
	}
}

// look is the watchdog's tick on one instance.
func (in *instance) look(now time.Time) {
	in.watchMu.Lock()
	defer in.watchMu.Unlock()
	if in.watchCtx == nil || in.intr == nil {
		return
	}
	if err := in.watchCtx.Err(); err != nil && in.stopped == nil {
		in.stopped = err
	} else if now.After(in.deadline) && in.stopped == nil {
		in.stopped = context.DeadlineExceeded
	}
	if in.stopped != nil {
		// Set at every tick: the module's own decrement may have
		// overwritten it at the same moment.
		stop := int32(interruptStop)
		in.intr.Set(uint64(uint32(stop)))
	}
}
