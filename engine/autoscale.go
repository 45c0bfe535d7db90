package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/policy"
	"github.com/jsorc/jsorc/engine/track"
)

// The autoscaler runs in the policy loop after the placement policy, under
// every policy: placement policies choose modes, the config's replicas
// range opts a module into autoscaling. Each tick it measures every remote
// module whose range has max > min and that no scaling by hand pinned, asks
// policy.Autoscaler, and applies its decisions through the same scaling as
// `actions scale` (make-before-break both ways), each logged with its
// reason in the policy's decisions and as a scale event. The count it
// chose is stored with the module's desired mode (desiredRecord's
// AutoReplicas), so a restart goes on from it.

// scaleTimeout bounds one scaling of the autoscaler: a scale-down waits
// for the calls on the replicas it removes.
const scaleTimeout = time.Minute

// Unloaded-latency learning: a tick of at least unloadedMinCalls calls
// whose replicas carried at most unloadedPerReplica calls each at a time
// measures the unloaded latency (a floor that follows it up slowly, by
// unloadedRise of the difference per such tick, so a module that really
// got slower is learnt again); a busier tick can only lower it, by its
// lowest decile (calls that found a replica free).
const (
	unloadedMinCalls   = 3
	unloadedPerReplica = 1.0
	unloadedRise       = 1.0 / 32
	unloadedQuantile   = 0.1
)

// autoscaler is the policy loop's memory for scaling replicas: the
// decider's hysteresis and each module's unloaded latency. Only the policy
// loop touches it.
type autoscaler struct {
	dec      policy.Autoscaler
	unloaded map[string]time.Duration
}

// scaleCandidate is a module the autoscaler looks at this tick; pinned
// says a scaling by hand set its replicas, memNote where its memory per
// replica comes from when nothing measured it.
type scaleCandidate struct {
	m       *module
	load    policy.ReplicaLoad
	pinned  bool
	memNote string
}

// autoscale runs one tick of the autoscaler with the active policy's
// parameters (params its own, for the memory budget; ap the
// autoscaler's) and returns the decisions it applied (or failed to), as
// policy moves.
func (e *Engine) autoscale(ctx context.Context, t policyTick, params map[string]any, ap policy.AutoscaleParams) []PolicyMove {
	a := &e.pol.scaler
	if a.unloaded == nil {
		a.unloaded = map[string]time.Duration{}
	}
	budget := e.scaleBudget(params)
	why := e.replicaMemWhy(t.podsNote)
	var cands []scaleCandidate
	var usedMB float64
	seen := map[string]bool{}
	for name, m := range e.routes.all() {
		c, mem, ok := e.scaleCandidate(name, m, t, why)
		usedMB += mem
		if !ok {
			continue
		}
		// A pinned module's unloaded latency is learnt too, for when it is
		// handed back.
		seen[name] = true
		c.load.Unloaded = a.learnUnloaded(name, c.load, t.deltas)
		if !c.pinned {
			cands = append(cands, c)
		}
	}
	for name := range a.unloaded {
		if !seen[name] {
			delete(a.unloaded, name)
		}
	}
	loads := make([]policy.ReplicaLoad, len(cands))
	for i, c := range cands {
		loads[i] = c.load
	}
	free := 1e12 // memory unknown: no cap
	if budget.NodeMemMB > 0 {
		free = budget.CapacityMB() - usedMB
	}
	var moves []PolicyMove
	ap.FreeMemMB = free
	for _, d := range a.dec.Decide(loads, ap) {
		var m *module
		for _, c := range cands {
			if c.load.Module == d.Module {
				m = c.m
				if d.To > d.From && c.memNote != "" {
					d.Reason += "; " + c.memNote // what the addition was weighed at
				}
			}
		}
		mv := PolicyMove{At: t.now.UTC(), Module: d.Module, From: string(ModeRemote), To: string(ModeRemote),
			Reason: d.Reason, Kind: types.MoveScale, ReplicasFrom: d.From, ReplicasTo: d.To}
		sctx, cancel := context.WithTimeout(types.WithCause(ctx, types.CausePolicy), scaleTimeout)
		err := m.autoScale(sctx, d.From, d.To)
		cancel()
		msg := fmt.Sprintf("scaled %s from %d to %d replicas: %s", d.Module, d.From, d.To, d.Reason)
		if err != nil {
			mv.Error = err.Error()
			msg = fmt.Sprintf("could not scale %s from %d to %d replicas: %v", d.Module, d.From, d.To, err)
			e.log.Warn("autoscaling failed", "module", d.Module, "from", d.From, "to", d.To, "err", err)
		} else {
			e.log.Info("autoscaled", "module", d.Module, "from", d.From, "to", d.To, "reason", d.Reason)
		}
		e.publish(types.CausePolicy, EventScale, d.Module, msg)
		moves = append(moves, mv)
	}
	return moves
}

// scaleBudget is the memory budget replicas are added under: the active
// policy's node_mem_mb and base_mem_mb when it has them, else the
// machine's memory and the default base.
func (e *Engine) scaleBudget(params map[string]any) policy.Budget {
	b := policy.Budget{NodeMemMB: e.nodeMemMB(), BaseMemMB: policy.DefaultBaseMemMB}
	if v, ok := params["node_mem_mb"].(float64); ok && v > 0 {
		b.NodeMemMB = v
	}
	if v, ok := params["base_mem_mb"].(float64); ok && v > 0 {
		b.BaseMemMB = v
	}
	return b
}

// scaleCandidate reads one module for the autoscaler: the memory it uses
// now (in-process, or its replicas), and, when it is a remote module whose
// config gives a range of replicas, its load over the tick. why says why
// replicas have no measured memory (see replicaMem).
func (e *Engine) scaleCandidate(name string, m *module, t policyTick, why string) (c scaleCandidate, memMB float64, ok bool) {
	m.mu.Lock()
	cfg, desired, serving, pinned, rstate := m.cfg.ActionConfig, m.desired, m.serving, m.pinned, m.rstate
	running := m.server != nil && !m.rstate.External && m.rstate.Phase == backend.PhaseReady
	replicas, ready, ranged := m.replicasLocked(), m.rstate.ReadyReplicas(), m.autoscaledLocked()
	m.mu.Unlock()
	if serving != ModeModule && !running {
		return c, 0, false // costs nothing now (most modules of a large set)
	}
	mem, _ := e.memRequirement(m, cfg)
	perReplica, memNote := replicaMem(measuredMB(t, name), rstate, mem, why)
	switch {
	case serving == ModeModule:
		memMB = mem
	case running:
		memMB = float64(replicas) * perReplica
	}
	if !ranged || !running || serving != ModeRemote || desired != ModeRemote {
		return c, memMB, false
	}
	b := m.cur.Load()
	if b == nil || b.mode != ModeRemote {
		return c, memMB, false
	}
	rem := remoteDelta(name, t.deltas)
	window := rem.Interval
	if window <= 0 {
		window = SampleInterval
	}
	// Little's law: the calls in flight on average are the time the
	// window's calls spent over the window; a call longer than the window
	// shows only when it ends, so the calls in flight now bound it below.
	outstanding := max(rem.Sum.Seconds()/window.Seconds(), float64(b.inFlight(true)))
	r := cfg.Replicas
	c = scaleCandidate{m: m, pinned: pinned, memNote: memNote, load: policy.ReplicaLoad{
		Module: name, Replicas: replicas, Ready: ready, Min: r.Min, Max: r.Max,
		Outstanding: outstanding, Latency: rem.Mean(), MemPerReplicaMB: perReplica,
	}}
	return c, memMB, true
}

// remoteDelta merges the window's remote calls of module name's actions.
func remoteDelta(name string, deltas map[string]track.Snapshot) track.Snapshot {
	var rem track.Snapshot
	prefix, suffix := name+".", "/"+string(ModeRemote)
	for key, d := range deltas {
		if strings.HasPrefix(key, prefix) && strings.HasSuffix(key, suffix) {
			rem = rem.Merge(d)
			rem.Interval = max(rem.Interval, d.Interval)
		}
	}
	return rem
}

// learnUnloaded folds the tick into module name's unloaded latency and
// returns it (0 while unknown).
func (a *autoscaler) learnUnloaded(name string, l policy.ReplicaLoad, deltas map[string]track.Snapshot) time.Duration {
	u := a.unloaded[name]
	rem := remoteDelta(name, deltas)
	if rem.Count < unloadedMinCalls {
		return u
	}
	if l.Outstanding <= unloadedPerReplica*float64(max(l.Ready, 1)) {
		mean := rem.Mean()
		switch {
		case u == 0 || mean < u:
			u = mean
		default:
			u += time.Duration(float64(mean-u) * unloadedRise)
		}
	} else if q := rem.Quantile(unloadedQuantile); q > 0 && (u == 0 || q < u) {
		u = q
	}
	a.unloaded[name] = u
	return u
}

// autoScale applies an autoscaler's decision unless the module changed
// since it was measured: scaled by hand (pinned), or to another count.
func (m *module) autoScale(ctx context.Context, from, to int) error {
	m.scaleMu.Lock()
	defer m.scaleMu.Unlock()
	m.mu.Lock()
	pinned, now := m.pinned, m.replicasLocked()
	m.mu.Unlock()
	switch {
	case pinned:
		return errorf(ErrConflict, "module %q: its replicas were set by hand meanwhile; the autoscaler leaves them", m.name)
	case now != from:
		return errorf(ErrConflict, "module %q: it has %d replicas now, not the %d measured; deciding again next tick", m.name, now, from)
	}
	if _, err := m.scaleLocked(ctx, to); err != nil {
		return err
	}
	// Stored, so that a restart goes on from the autoscaler's count rather
	// than climbing again from the config's minimum.
	m.mu.Lock()
	m.auto = true
	m.mu.Unlock()
	if err := m.persistReplicas(); err != nil {
		m.e.log.Warn("storing the autoscaler's replicas (a restart starts the module at the config's minimum)", "module", m.name, "err", err)
	}
	return nil
}
