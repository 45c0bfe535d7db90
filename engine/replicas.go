package engine

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"syscall"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/protocol"
)

// A remote binding whose backend runs replicas (backend.State.Replicas)
// sends each call to the ready replica with the fewest calls outstanding,
// never to one that is not ready or is leaving (a scale-down drains the
// replicas it removes before the backend stops them).

// replica is one ready replica of a remote binding as calls see it.
type replica struct {
	index int
	url   string
	// outstanding counts the calls on the replica now; leaving is set
	// once a scale-down removes it: it takes no more calls.
	outstanding atomic.Int64
	leaving     atomic.Bool
	// served counts the calls it answered.
	served atomic.Uint64
}

// setReplicas makes the ready ones of reps the binding's replicas,
// keeping the counts of those it already had.
func (b *binding) setReplicas(reps []backend.Replica) {
	if reps == nil {
		return
	}
	old := b.reps.Load()
	next := make([]*replica, 0, len(reps))
	keep := int(b.keep.Load())
	for _, r := range reps {
		if r.Phase != backend.PhaseReady || r.URL == "" {
			continue
		}
		var rep *replica
		if old != nil {
			for _, o := range *old {
				if o.url == r.URL && o.index == r.Index {
					rep = o
					break
				}
			}
		}
		if rep == nil {
			rep = &replica{index: r.Index, url: r.URL}
		}
		rep.leaving.Store(r.Index >= keep)
		next = append(next, rep)
	}
	b.reps.Store(&next)
}

// keepReplicas marks the replicas of index n and above leaving, and the
// others not.
func (b *binding) keepReplicas(n int) {
	b.keep.Store(int64(n))
	if p := b.reps.Load(); p != nil {
		for _, r := range *p {
			r.leaving.Store(r.index >= n)
		}
	}
}

// leavingBusy counts the calls outstanding on the binding's leaving
// replicas.
func (b *binding) leavingBusy() int64 {
	var n int64
	if p := b.reps.Load(); p != nil {
		for _, r := range *p {
			if r.leaving.Load() {
				n += r.outstanding.Load()
			}
		}
	}
	return n
}

// readyReplicas counts the replicas that take calls.
func (b *binding) readyReplicas() int {
	n := 0
	if p := b.reps.Load(); p != nil {
		for _, r := range *p {
			if !r.leaving.Load() {
				n++
			}
		}
	}
	return n
}

// pick takes the ready replica with the fewest calls outstanding, not one
// of tried (bits by position), counting the call on it; nil when none is
// left. Ties go round the replicas.
func (b *binding) pick(reps []*replica, tried uint64) (int, *replica) {
	for {
		best, bestN := -1, int64(math.MaxInt64)
		start := int(b.rr.Add(1) % uint64(len(reps)))
		for k := range reps {
			i := (start + k) % len(reps)
			r := reps[i]
			if tried&(1<<uint(i)) != 0 || r.leaving.Load() {
				continue
			}
			if n := r.outstanding.Load(); n < bestN {
				best, bestN = i, n
			}
		}
		if best < 0 {
			return -1, nil
		}
		r := reps[best]
		r.outstanding.Add(1)
		if !r.leaving.Load() {
			return best, r
		}
		// A scale-down marked it leaving meanwhile: it may be draining
		// already, so the call goes elsewhere.
		r.outstanding.Add(-1)
		tried |= 1 << uint(best)
	}
}

// callReplicas runs one call on the binding's replicas. A call whose
// replica went away before it read the request (connection refused, or a
// kept-alive connection the server had closed) is sent again to another
// ready replica: it cannot have run. A call that may have run (reset or
// cut off after the request went out) is never sent again here.
func (b *binding) callReplicas(ctx context.Context, reps []*replica, e *entry, args map[string]any) (any, protocol.Measured, error) {
	var tried uint64
	var lastErr error
	for {
		i, r := b.pick(reps, tried)
		if r == nil {
			if lastErr != nil {
				return nil, protocol.Measured{}, lastErr
			}
			return nil, protocol.Measured{}, backend.Errorf(backend.ErrUnavailable, "no replica of the action server is ready")
		}
		res, m, err := b.client.CallMeasured(ctx, r.url, e.name, args)
		r.outstanding.Add(-1)
		if err == nil {
			r.served.Add(1)
		}
		if err == nil || !notSent(err) || ctx.Err() != nil {
			return res, m, err
		}
		tried |= 1 << uint(i)
		lastErr = err
	}
}

// notSent reports whether a remote call failed before its server read the
// request: the connection was refused, or the server had closed the
// kept-alive connection the call took.
func notSent(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || closedIdle(err)
}

// ReplicaCalls counts the calls each replica of module name's serving
// remote placement answered, by replica index (nil when it has none).
func (e *Engine) ReplicaCalls(name string) map[int]uint64 {
	m := e.routes.get(name)
	if m == nil {
		return nil
	}
	b := m.cur.Load()
	if b == nil {
		return nil
	}
	p := b.reps.Load()
	if p == nil {
		return nil
	}
	out := map[int]uint64{}
	for _, r := range *p {
		out[r.index] = r.served.Load()
	}
	return out
}
