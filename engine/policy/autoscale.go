package policy

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// ReplicaLoad is what the autoscaler sees of one remote module over the
// last tick.
type ReplicaLoad struct {
	Module string
	// Replicas is how many replicas the module has now (desired), Ready
	// how many of them serve.
	Replicas, Ready int
	// Min and Max bound its replicas (the config's replicas).
	Min, Max int
	// Outstanding is the mean number of calls in flight over the tick (the
	// call rate times the mean latency, by Little's law, or sampled).
	Outstanding float64
	// Latency is the mean latency of the tick's calls, Unloaded the
	// module's latency without queueing (its lowest recent mean, or a
	// benchmark's); zero when unknown.
	Latency, Unloaded time.Duration
	// MemPerReplicaMB is what one more replica costs of the budget.
	MemPerReplicaMB float64
}

// slowdown is the tick's latency over the unloaded latency, or 0 when
// either is unknown.
func (l ReplicaLoad) slowdown() float64 {
	if l.Latency <= 0 || l.Unloaded <= 0 {
		return 0
	}
	return float64(l.Latency) / float64(l.Unloaded)
}

// AutoscaleParams tune the autoscaler. Every policy takes them as
// parameters (named in brackets; see Policy.Autoscale). Zero fields take
// the defaults.
type AutoscaleParams struct {
	// PerReplica is how many calls in flight one replica should carry
	// (per_replica, default 1: a replica serving one call at a time never
	// queues).
	PerReplica float64
	// UpSlowdown is the latency over the unloaded latency from which
	// calls are queueing and more replicas are added (up_slowdown,
	// default 1.5).
	UpSlowdown float64
	// DownSlowdown is the slowdown under which replicas may be removed
	// (down_slowdown, default 1.2, at most UpSlowdown); between the two
	// nothing changes.
	DownSlowdown float64
	// DownTicks is how many ticks in a row a module must need fewer
	// replicas before one is removed (down_ticks, default 3); removals go
	// one replica at a time, additions at once.
	DownTicks int
	// DownUtil is how full the replicas left after a removal may be, as a
	// fraction of PerReplica (down_util, default 0.75): a load just under
	// a whole number of replicas does not remove one only to add it back.
	DownUtil float64
	// FreeMemMB is the memory budget left for new replicas (the engine's
	// figure, not a parameter).
	FreeMemMB float64
}

// Autoscale defaults.
const (
	DefaultPerReplica   = 1.0
	DefaultUpSlowdown   = 1.5
	DefaultDownSlowdown = 1.2
	DefaultDownTicks    = 3
	DefaultDownUtil     = 0.75
)

func (p AutoscaleParams) withDefaults() AutoscaleParams {
	if p.PerReplica <= 0 {
		p.PerReplica = DefaultPerReplica
	}
	if p.UpSlowdown <= 0 {
		p.UpSlowdown = DefaultUpSlowdown
	}
	if p.DownSlowdown <= 0 {
		p.DownSlowdown = DefaultDownSlowdown
	}
	p.DownSlowdown = min(p.DownSlowdown, p.UpSlowdown)
	if p.DownTicks <= 0 {
		p.DownTicks = DefaultDownTicks
	}
	if p.DownUtil <= 0 || p.DownUtil > 1 {
		p.DownUtil = DefaultDownUtil
	}
	return p
}

// idleUtil is how little the replicas left after a removal may carry for
// the latency not to matter: that load cannot queue.
const idleUtil = 0.5

// ScaleDecision is one module's change of replicas and why.
type ScaleDecision struct {
	Module   string
	From, To int
	Reason   string
}

// Autoscaler decides remote modules' replicas tick by tick from measured
// queueing. It remembers, per module, how many ticks in a row the module
// needed fewer replicas (the hysteresis of scaling down). The zero value
// is ready; it is not safe for concurrent use (the policy loop owns it).
type Autoscaler struct {
	low map[string]int
}

// Decide returns the changes of replicas for this tick, the most queued
// modules first: they are served first from the memory budget.
func (a *Autoscaler) Decide(loads []ReplicaLoad, p AutoscaleParams) []ScaleDecision {
	p = p.withDefaults()
	if a.low == nil {
		a.low = map[string]int{}
	}
	order := slices.Clone(loads)
	slices.SortStableFunc(order, func(x, y ReplicaLoad) int {
		if c := cmp.Compare(y.slowdown(), x.slowdown()); c != 0 {
			return c
		}
		return cmp.Compare(x.Module, y.Module)
	})
	seen := make(map[string]bool, len(order))
	free := p.FreeMemMB
	var out []ScaleDecision
	for _, l := range order {
		seen[l.Module] = true
		d, ok := a.decide(l, p, &free)
		if ok {
			out = append(out, d)
		}
	}
	for m := range a.low {
		if !seen[m] {
			delete(a.low, m) // unloaded, or no longer remote
		}
	}
	return out
}

// decide is one module's decision; free is the budget left, which an
// addition spends.
func (a *Autoscaler) decide(l ReplicaLoad, p AutoscaleParams, free *float64) (ScaleDecision, bool) {
	lo, hi := max(l.Min, 1), max(l.Max, l.Min, 1)
	d := ScaleDecision{Module: l.Module, From: l.Replicas}
	switch {
	case l.Replicas < lo:
		a.low[l.Module] = 0
		d.To, d.Reason = lo, fmt.Sprintf("%d replicas, below the config's min %d", l.Replicas, lo)
		return d, true
	case l.Replicas > hi:
		a.low[l.Module] = 0
		d.To, d.Reason = hi, fmt.Sprintf("%d replicas, above the config's max %d", l.Replicas, hi)
		return d, true
	}
	need := min(max(int(math.Ceil(l.Outstanding/p.PerReplica-1e-9)), lo), hi)
	slow := l.slowdown()
	load := fmt.Sprintf("%.1f calls in flight on %d replicas (%d ready), %s", l.Outstanding, l.Replicas, l.Ready, slowText(l, slow))
	switch {
	case need > l.Replicas && slow >= p.UpSlowdown:
		a.low[l.Module] = 0
		want := need - l.Replicas
		add := want
		if l.MemPerReplicaMB > 0 {
			add = min(want, int(math.Floor(*free/l.MemPerReplicaMB+1e-9)))
		}
		if add <= 0 {
			return d, false // queueing, but the budget has no room for one more
		}
		*free -= float64(add) * l.MemPerReplicaMB
		d.To = l.Replicas + add
		d.Reason = fmt.Sprintf("%s: calls queue; %d replicas needed at %.3g calls each", load, need, p.PerReplica)
		if add < want {
			d.Reason += fmt.Sprintf(", %d within the memory budget (%.0f MB per replica)", d.To, l.MemPerReplicaMB)
		}
		return d, true
	case need < l.Replicas && l.Outstanding <= p.DownUtil*p.PerReplica*float64(l.Replicas-1) &&
		(slow == 0 || slow < p.DownSlowdown || l.Outstanding <= idleUtil*p.PerReplica*float64(l.Replicas-1)):
		// Slower than unloaded but with half the replicas left idle, the
		// latency is the machine's or the network's, not a queue.
		a.low[l.Module]++
		if n := a.low[l.Module]; n < p.DownTicks {
			return d, false
		}
		a.low[l.Module] = 0
		d.To = l.Replicas - 1
		d.Reason = fmt.Sprintf("%s: %d replicas would do for %d ticks in a row; removing one", load, need, p.DownTicks)
		return d, true
	}
	a.low[l.Module] = 0
	return d, false
}

// slowText renders the latency against the unloaded latency.
func slowText(l ReplicaLoad, slow float64) string {
	switch {
	case l.Latency <= 0:
		return "no calls answered"
	case slow == 0:
		return "latency " + l.Latency.Round(time.Microsecond).String() + " (unloaded latency unknown)"
	}
	return fmt.Sprintf("latency %s, %.1f× the unloaded %s", l.Latency.Round(time.Microsecond), slow, l.Unloaded.Round(time.Microsecond))
}
