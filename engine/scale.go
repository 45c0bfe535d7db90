package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
)

// replicasLocked is how many replicas the module asks for: the last
// scaling's, else its config's replicas.min, else 1. Call with mu held.
func (m *module) replicasLocked() int {
	if m.replicas > 0 {
		return m.replicas
	}
	if r := m.cfg.Replicas; r != nil && r.Min > 0 {
		return r.Min
	}
	return 1
}

// drainPoll is how often a scale-down looks whether the calls on the
// replicas it removes have returned.
const drainPoll = 5 * time.Millisecond

// Scale sets by hand how many replicas of its action server module name
// runs, within its config's replicas range (1 without one). The module
// must be in remote mode on a backend that runs replicas. The count is
// pinned: the autoscaler leaves the module alone until ScaleAuto hands it
// back. Scaling down is make-before-break in reverse: the replicas removed
// take no more calls, the calls on them return, and only then does the
// backend stop them.
func (e *Engine) Scale(ctx context.Context, name string, n int) (string, error) {
	m, err := e.module(name)
	if err != nil {
		return "", err
	}
	m.scaleMu.Lock()
	defer m.scaleMu.Unlock()
	from, err := m.scaleLocked(ctx, n)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	ranged := m.autoscaledLocked()
	m.pinned, m.auto = ranged, false
	m.mu.Unlock()
	msg := fmt.Sprintf("module %s: %d → %d replicas", name, from, n)
	if ranged {
		msg += fmt.Sprintf(", pinned: the autoscaler leaves them until `actions scale %s auto`", name)
	}
	if err := m.persistReplicas(); err != nil {
		return msg + " (not stored: a restart starts with the config's minimum)", err
	}
	e.publish(causeOf(ctx), EventScale, name, msg)
	return msg, nil
}

// ScaleAuto hands module name's replicas back to the autoscaler after a
// Scale by hand pinned them; it changes no replica now (the autoscaler
// decides at its next tick). Its config must give a replicas range.
func (e *Engine) ScaleAuto(ctx context.Context, name string) (string, error) {
	m, err := e.module(name)
	if err != nil {
		return "", err
	}
	m.scaleMu.Lock()
	defer m.scaleMu.Unlock()
	m.mu.Lock()
	ranged, was, n := m.autoscaledLocked(), m.pinned, m.replicasLocked()
	m.pinned = false
	m.mu.Unlock()
	if !ranged {
		return "", errorf(ErrInvalid, "module %q: its config gives no replicas range to scale in (give it `replicas: {min: 1, max: N}` with N > 1)", name)
	}
	if err := m.persistReplicas(); err != nil {
		return "", err
	}
	msg := fmt.Sprintf("module %s: replicas scaled automatically again (now %d; the autoscaler decides at its next tick)", name, n)
	if !was {
		msg = fmt.Sprintf("module %s: replicas were already scaled automatically (now %d)", name, n)
	}
	e.publish(causeOf(ctx), EventScale, name, msg)
	return msg, nil
}

// persistReplicas stores the module's desired mode again with its pin (or
// without, once handed back), or the count the autoscaler chose, so that a
// restart keeps an operator's count or the autoscaler's.
func (m *module) persistReplicas() error {
	m.mu.Lock()
	mode, retire := m.desired, m.retire
	m.mu.Unlock()
	if mode == ModeNone {
		return nil
	}
	return m.e.persistDesired(m.name, mode, retire)
}

// restoreReplicas gives a module being restored its stored count: the
// one a scaling by hand pinned, while its config still allows it (a
// changed range drops it), else the one the autoscaler last chose,
// clamped to the config's range now (said in the log when it moves).
func (m *module) restoreReplicas(d desiredRecord) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.cfg.Replicas
	ranged := r != nil && r.Max > r.Min
	switch {
	case d.Replicas > 0 && ranged && d.Replicas >= r.Min && d.Replicas <= r.Max:
		m.replicas, m.pinned = d.Replicas, true
	case d.Replicas > 0:
		m.e.log.Info("a pinned count of replicas is outside the module's config now; it starts at the config's minimum under the autoscaler",
			"module", m.name, "pinned", d.Replicas, "range", rangeText(r))
	case d.AutoReplicas > 0 && !ranged:
		m.e.log.Info("the autoscaler's stored count of replicas is dropped: the module's config gives no range to scale in now",
			"module", m.name, "replicas", d.AutoReplicas, "range", rangeText(r))
	case d.AutoReplicas > 0:
		n := min(max(d.AutoReplicas, r.Min), r.Max)
		if n != d.AutoReplicas {
			m.e.log.Info("the autoscaler's stored count of replicas is outside the module's config range now; clamped",
				"module", m.name, "stored", d.AutoReplicas, "range", rangeText(r), "replicas", n)
		} else {
			m.e.log.Debug("restoring the autoscaler's replicas", "module", m.name, "replicas", n)
		}
		m.replicas, m.auto = n, true
	}
}

// rangeText renders a config's replicas range for the log.
func rangeText(r *ReplicaRange) string {
	if r == nil {
		return "none (one server)"
	}
	return fmt.Sprintf("%d..%d", r.Min, r.Max)
}

// autoscaledLocked reports whether the module's config gives the
// autoscaler a range (max > min). Call with mu held.
func (m *module) autoscaledLocked() bool {
	r := m.cfg.Replicas
	return r != nil && r.Max > r.Min
}

// scaleLocked sets the module's replicas to n and returns how many it had.
// Call with scaleMu held.
func (m *module) scaleLocked(ctx context.Context, n int) (int, error) {
	e, name := m.e, m.name
	m.mu.Lock()
	lo, hi := 1, 1
	if r := m.cfg.Replicas; r != nil {
		lo, hi = r.Min, r.Max
	}
	sr, from := m.server, m.replicasLocked()
	m.mu.Unlock()
	if n < lo || n > hi {
		if hi == 1 {
			return 0, errorf(ErrInvalid, "module %q: %d replicas: its config has no replicas range, so it runs 1 (give it `replicas: {min: 1, max: N}`)", name, n)
		}
		return 0, errorf(ErrInvalid, "module %q: %d replicas: its config allows %d to %d", name, n, lo, hi)
	}
	if sr == nil {
		return 0, errorf(ErrConflict, "module %q has no action server running: load it in remote mode first", name)
	}
	sc, ok := sr.srv.(backend.Scaler)
	if !ok {
		return 0, errorf(ErrConflict, "module %q: the %s backend does not run replicas of its server", name, e.backend().Name())
	}
	m.mu.Lock()
	m.replicas = n
	m.mu.Unlock()
	m.keepReplicas(n)
	if n < from {
		if err := m.drainLeaving(ctx); err != nil {
			return 0, err
		}
	}
	if err := sc.Scale(ctx, n); err != nil {
		return 0, fromBackend(err)
	}
	return from, nil
}

// keepReplicas marks the replicas of index n and above leaving in every
// binding of the module.
func (m *module) keepReplicas(n int) {
	m.mu.Lock()
	bs := append([]*binding{m.cur.Load()}, m.draining...)
	m.mu.Unlock()
	for _, b := range bs {
		if b != nil {
			b.keepReplicas(n)
		}
	}
}

// drainLeaving waits until no call is left on a leaving replica.
func (m *module) drainLeaving(ctx context.Context) error {
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for {
		m.mu.Lock()
		bs := append([]*binding{m.cur.Load()}, m.draining...)
		m.mu.Unlock()
		var busy int64
		for _, b := range bs {
			if b != nil {
				busy += b.leavingBusy()
			}
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return errorf(ErrUnavailable, "module %q: %d calls still on the replicas being removed: %w", m.name, busy, ctx.Err())
		}
	}
}
