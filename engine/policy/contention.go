package policy

import (
	"fmt"
	"math"
)

// contention learns what in-process work costs the rest of a request.
//
// The cost model values module mode per module from per-call latencies,
// which assumes that a module's calls cost the same whatever else runs
// in-process. On a runtime with few cores they do not: a module burning CPU
// in-process holds a core that request handling and the goroutines waiting
// for other modules' remote answers need, and that cost lands on other
// calls and on the request's own handling, where no per-module figure sees
// it. So the model checks its own moves against the requests: when the
// placement changes, it compares the change of the measured request
// latency with the change the per-call model predicts, per millisecond of
// in-process call time the move added or removed (L, Σ calls per request ×
// module-mode latency of the modules in-process). The excess per ms is one
// sample of kappa; samples are averaged with weights of their precision,
// and the planning charges each in-process call (1 + kappa) × its latency,
// with kappa taken at its lower confidence bound (never below 0), so
// noise alone teaches nothing.
type contention struct {
	cur, prev segment
	sampled   bool    // cur has given its sample
	w, s      float64 // Σ 1/se², Σ x/se² of the samples (faded)
	n         int     // samples taken
}

// segment is the requests measured over consecutive stable windows of one
// placement.
type segment struct {
	key   string
	modes map[string]Mode
	k     int     // windows
	sum   float64 // Σ window mean (ms)
	sumsq float64 // Σ window mean²
}

func (g *segment) mean() float64 { return g.sum / float64(g.k) }

// variance is the spread of the segment's window means, or -1 with fewer
// than two windows.
func (g *segment) variance() float64 {
	if g.k < 2 {
		return -1
	}
	m := g.mean()
	return max(0, (g.sumsq-float64(g.k)*m*m)/float64(g.k-1))
}

// contentionWindows is how many stable windows of a new placement the
// learner waits for before comparing it with the one before.
const contentionWindows = 3

// minDeltaLms is the least change of in-process call time (ms per request)
// a move must make to teach anything: smaller ones divide noise by little.
const minDeltaLms = 0.5

// maxKappa bounds one sample: beyond it the comparison is noise.
const maxKappa = 20

// observe adds the window's request latency (ms) to the segment of the
// placement it measured, and, once a new placement has been measured long
// enough, learns one sample from it. stable says the whole window ran one
// placement, modes is that placement. views give the per-call model now;
// noise is the prior relative noise of a window; fade the half-life factor.
func (g *contention) observe(stable bool, y float64, modes map[string]Mode, views []cmView, noise, fade float64) {
	if !stable || !(y > 0) {
		return
	}
	key := modeKey(modes)
	if key != g.cur.key {
		if g.cur.k > 0 {
			g.prev = g.cur
		}
		g.cur = segment{key: key, modes: modes}
		g.sampled = false
	}
	g.cur.k++
	g.cur.sum += y
	g.cur.sumsq += y * y
	if g.sampled || g.cur.k < contentionWindows || g.prev.k == 0 {
		return
	}
	g.sampled = true
	dL := inProcessMs(views, g.cur.modes) - inProcessMs(views, g.prev.modes)
	if math.Abs(dL) < minDeltaLms {
		return
	}
	dPred := predicted(views, func(v cmView) Mode { return g.cur.modes[v.obs.Name] }, 0) -
		predicted(views, func(v cmView) Mode { return g.prev.modes[v.obs.Name] }, 0)
	dY := g.cur.mean() - g.prev.mean()
	x := max(-maxKappa, min(maxKappa, (dY-dPred)/dL))
	// The windows' spread, from whichever segment shows one, never below
	// the prior noise of a window.
	v := max(g.cur.variance(), g.prev.variance(), (noise*g.cur.mean())*(noise*g.cur.mean()))
	se := math.Sqrt(v*(1/float64(g.cur.k)+1/float64(g.prev.k))) / math.Abs(dL)
	g.w = g.w*fade + 1/(se*se)
	g.s = g.s*fade + x/(se*se)
	g.n++
}

// restart forgets the placements measured so far (after a workload shift
// their requests are not comparable with the next ones); the samples stay.
func (g *contention) restart() {
	g.cur, g.prev, g.sampled = segment{}, segment{}, false
}

// kappa returns the estimate and its standard error (0, +Inf without
// samples).
func (g *contention) kappa() (k, se float64) {
	if g.w <= 0 {
		return 0, math.Inf(1)
	}
	return g.s / g.w, 1 / math.Sqrt(g.w)
}

// used is the kappa planning charges: the lower bound at z standard
// errors, never below 0.
func (g *contention) used(z float64) float64 {
	k, se := g.kappa()
	if g.n == 0 {
		return 0
	}
	return max(0, k-z*se)
}

// note describes the learner for the status line; empty without samples.
func (g *contention) note(z float64) string {
	if g.n == 0 {
		return ""
	}
	k, se := g.kappa()
	return fmt.Sprintf("; in-process contention %.2f ± %.2f ms per in-process ms (%d moves measured; charging %.2f)", k, se, g.n, g.used(z))
}

// inProcessMs is the in-process call time per request of a placement.
func inProcessMs(views []cmView, modes map[string]Mode) float64 {
	var s float64
	for _, v := range views {
		if modes[v.obs.Name] == ModeModule {
			s += v.cpr * v.modMs
		}
	}
	return s
}

// modeKey renders modes as a stable key.
func modeKey(modes map[string]Mode) string { return Placement(modes).String() }
