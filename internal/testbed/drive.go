package testbed

import (
	"context"
	"fmt"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// TickRecord is one tick of a driven policy.
type TickRecord struct {
	// Tick counts from 1.
	Tick int
	// App is the app the clients ran; MeanMs and Requests what the window
	// measured.
	App      string
	MeanMs   float64
	Requests uint64
	// Target is the placement the policy asked for; Switches the modules
	// switched to reach it; Phase the policy's phase.
	Target   policy.Placement
	Switches int
	Phase    string
}

// Trace is the record of a driven policy.
type Trace struct {
	// Policy is its name.
	Policy string
	// Ticks are the ticks in order.
	Ticks []TickRecord
	// Switches is the total number of module switches.
	Switches int
	// Errors counts failed requests.
	Errors uint64
}

// Final is the placement asked for at the last tick.
func (t Trace) Final() policy.Placement {
	if len(t.Ticks) == 0 {
		return nil
	}
	return t.Ticks[len(t.Ticks)-1].Target
}

// MeanMs is the request-weighted mean latency over ticks from..to (1-based,
// inclusive).
func (t Trace) MeanMs(from, to int) float64 {
	var s, n float64
	for _, r := range t.Ticks {
		if r.Tick >= from && r.Tick <= to {
			s += r.MeanMs * float64(r.Requests)
			n += float64(r.Requests)
		}
	}
	return s / n
}

// Drive runs pol on the runtime for ticks windows of window each, as the
// engine's policy loop does: each window's measurements become an
// observation, and the decision's moves are applied in order before the
// next window. before, if not nil, runs before each window (to shift the
// workload). The runtime's clients must be running.
func Drive(ctx context.Context, r *Runtime, pol policy.Policy, b policy.Budget, ticks int, window time.Duration,
	before func(tick int)) (Trace, error) {
	tr := Trace{Policy: pol.Name()}
	start := r.take(time.Time{}).End
	for tick := 1; tick <= ticks; tick++ {
		if before != nil {
			before(tick)
		}
		if err := sleep(ctx, time.Until(start.Add(window))); err != nil {
			return tr, fmt.Errorf("testbed: driving %s: %w", pol.Name(), err)
		}
		w := r.take(start)
		start = w.End
		app := ""
		if a := r.app.Load(); a != nil {
			app = a.Name
		}
		obs := policy.Observation{
			At: w.End, Window: w.End.Sub(w.Start), NodeMemMB: b.NodeMemMB, BaseMemMB: b.BaseMemMB,
			Modules: w.Modules,
			Apps:    []policy.AppObs{{Name: app, Requests: w.Requests, Mean: msDur(w.MeanMs)}},
		}
		d := pol.Tick(obs)
		rec := TickRecord{Tick: tick, App: app, MeanMs: w.MeanMs, Requests: w.Requests, Target: d.Target, Phase: d.Phase}
		for _, mv := range d.Moves {
			switched, err := r.Set(mv.Module, mv.To)
			if err != nil {
				return tr, fmt.Errorf("testbed: %s tick %d: %w", pol.Name(), tick, err)
			}
			if switched {
				rec.Switches++
			}
		}
		tr.Errors += w.Errors
		tr.Switches += rec.Switches
		tr.Ticks = append(tr.Ticks, rec)
	}
	return tr, nil
}
