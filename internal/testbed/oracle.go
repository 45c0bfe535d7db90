package testbed

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// Placements returns every placement of mods (all others left out) that
// fits b, in binary order from all remote.
func Placements(mods []Module, b policy.Budget) []policy.Placement {
	var out []policy.Placement
	for mask := range 1 << len(mods) {
		p := make(policy.Placement, len(mods))
		var local float64
		for i, m := range mods {
			p[m.Name] = policy.ModeRemote
			if mask>>i&1 == 1 {
				p[m.Name] = policy.ModeModule
				local += m.MemMB
			}
		}
		if b.Fits(local) {
			out = append(out, p)
		}
	}
	return out
}

// Measured is one placement's measured windows.
type Measured struct {
	// Placement is the placement measured.
	Placement policy.Placement
	// WindowMs are the window means, one per round; Requests the requests
	// each window completed.
	WindowMs []float64
	Requests []uint64
}

// Mean is the mean of the window means.
func (m Measured) Mean() float64 {
	var s float64
	for _, x := range m.WindowMs {
		s += x
	}
	return s / float64(len(m.WindowMs))
}

// SE is the standard error of Mean from the spread of the windows.
func (m Measured) SE() float64 {
	n := float64(len(m.WindowMs))
	if n < 2 {
		return math.NaN()
	}
	mu, v := m.Mean(), 0.0
	for _, x := range m.WindowMs {
		v += (x - mu) * (x - mu)
	}
	return math.Sqrt(v / (n - 1) / n)
}

// CV is the relative spread (standard deviation / mean) of the windows.
func (m Measured) CV() float64 {
	return m.SE() * math.Sqrt(float64(len(m.WindowMs))) / m.Mean()
}

// Oracle runs every placement in cands for rounds rounds of one window
// each, round-robin (A B C A B C ...; each round starts one candidate later
// so none is always measured right after the same other), letting each
// placement settle for settle after it is applied. The runtime's clients
// must be running. It returns the measurements in cands' order and the
// index of the best mean.
func Oracle(ctx context.Context, r *Runtime, cands []policy.Placement, rounds int, window, settle time.Duration) ([]Measured, int, error) {
	if len(cands) == 0 || rounds <= 0 {
		return nil, -1, fmt.Errorf("testbed: oracle of %d placements × %d rounds: want at least one of each", len(cands), rounds)
	}
	out := make([]Measured, len(cands))
	for i, p := range cands {
		out[i].Placement = p
	}
	for round := range rounds {
		for k := range cands {
			i := (k + round) % len(cands)
			if _, err := r.Apply(cands[i]); err != nil {
				return nil, -1, err
			}
			if err := sleep(ctx, settle); err != nil {
				return nil, -1, err
			}
			w := r.Measure(ctx, window)
			if err := ctx.Err(); err != nil {
				return nil, -1, fmt.Errorf("testbed: oracle: %w", err)
			}
			if w.Requests == 0 {
				return nil, -1, fmt.Errorf("testbed: oracle: placement [%s] completed no request in %v (%d errors)", cands[i], window, w.Errors)
			}
			out[i].WindowMs = append(out[i].WindowMs, w.MeanMs)
			out[i].Requests = append(out[i].Requests, w.Requests)
		}
	}
	best := 0
	for i := range out {
		if out[i].Mean() < out[best].Mean() {
			best = i
		}
	}
	return out, best, nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
