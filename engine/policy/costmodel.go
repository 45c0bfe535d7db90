package policy

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// costModelSpecs are the cost-model policy's parameters.
func costModelSpecs() []paramSpec {
	return append([]paramSpec{
		{name: "hop_ms", kind: kindNumber, def: 1, min: 0},
		{name: "bandwidth_mbps", kind: kindNumber, def: 100, min: 0, minOpen: true},
		{name: "min_gain_ms", kind: kindNumber, def: 0.05, min: 0},
		{name: "min_gain_pct", kind: kindNumber, def: 2, min: 0, max: 100},
		{name: "confidence", kind: kindNumber, def: 2, min: 0},
		{name: "noise_pct", kind: kindNumber, def: 20, min: 0},
		{name: "min_dwell", kind: kindInt, def: 10, min: 0},
		{name: "half_life", kind: kindNumber, def: 30, min: 0, minOpen: true},
		{name: "alpha", kind: kindNumber, def: 0.5, min: 0, minOpen: true, max: 1},
		{name: "shift_threshold", kind: kindNumber, def: 0.2, min: 0, minOpen: true, max: 1},
		{name: "shift_rate", kind: kindNumber, def: 2, min: 1, minOpen: true},
		{name: "shift_ticks", kind: kindInt, def: 3, min: 1},
	}, budgetSpecs()...)
}

// Cost-model phases.
const (
	phaseSteady     = "steady"
	phaseReplanning = "re-planning"
	phaseLearning   = "learning"
	phaseOverBudget = "over-budget"
)

// costModel is jsorc's own policy. Each tick it
//
//  1. accumulates, per module and mode, the per-call latency as a
//     call-weighted average whose older windows fade with a half-life of
//     half_life ticks (a mode not served now keeps its last value), with its
//     standard error: from the per-call spread the engine reports
//     (CallStats.Stddev), else from the spread of the window means, else
//     assuming noise_pct per call; and moving averages (weight alpha per
//     window) of the payload per call, the calls per window and the requests
//     per window;
//  2. estimates a module never measured in-process from the time its
//     server reported the action ran (CallStats.Server): each server's hop
//     is its own — servers are not equally far. Without that report (a
//     Jaseci server), and for a module never measured remote, it uses the
//     network hop, the fixed cost a remote call adds, as the median over
//     the modules measured in both modes or timed by their servers of
//     remote − module − payload/bandwidth (hop_ms until one is);
//  3. values module mode for module i at b_i = calls_i per request ×
//     (remote_i − module_i) ms per request, at a weight of its memory, and
//     solves the 0/1 knapsack exactly (dynamic programming over MB) for the
//     capacity 0.8 × node memory − runtime base − what locked modules use.
//     Each switch costs min_gain_ms + confidence × the standard error of b_i
//     in the objective: no module moves for less, nor on a difference the
//     measurements cannot tell from noise;
//  4. adopts the plan only if it saves at least max(min_gain_ms,
//     min_gain_pct % of the predicted request latency) per request over the
//     current placement; otherwise only modules with no mode are placed.
//
// Hysteresis: a module that switched stays put for min_dwell ticks, except
// when the placement exceeds the memory budget, during shift_ticks ticks
// after a workload shift, and when a switch made on an estimate (the target
// mode had never been measured) proves wrong: if, within three windows
// measured in its new mode, its benefit differs from the estimate that moved
// it by more than 2× the adoption threshold plus confidence standard errors,
// it may move back at once. A workload shift is a change of the modules'
// call shares by more than shift_threshold (total variation distance) or of
// the request rate by more than a factor shift_rate since the workload the
// plan was made for; on a shift the averages of calls and requests restart
// from the new window, and latency averages keep at most one window's
// weight.
//
// It probes a mode only by moving to the plan, and it moves on an estimate
// only when the estimate says the move pays: from all remote, the first
// window gives remote latencies, the plan moves the modules worth it
// in-process, the second window measures them, and from then on the plan is
// made on measurements.
type costModel struct {
	vals map[string]float64

	tick       int
	mods       map[string]*cmModule
	reqs       ewma // requests per window
	ref        map[string]float64
	refRate    float64
	shiftUntil int
	shiftAt    int
	cont       contention
}

// cmModule is the cost model's memory of one module.
type cmModule struct {
	mod, rem wavg
	// srv is the time its server reported for the remote calls
	// (CallStats.Server): what the work costs without the hop.
	srv            wavg
	payload, calls ewma
	switchedAt     int     // tick of the last switch, 0 if none
	probe          bool    // the last switch went to a never-measured mode
	probeEst       float64 // the benefit estimated when it did
	probeWins      int     // windows measured in the new mode since
}

// wavg is a call-weighted average of window means whose past fades by a
// factor per window, with what its standard error needs.
type wavg struct {
	w, s, q, v, k float64 // Σn, Σn·x, Σn·x², Σn·sd², Σ1 (all faded)
}

func (a *wavg) ok() bool { return a.w > 0 }

func (a *wavg) add(x, sd, n, fade float64) {
	a.w = a.w*fade + n
	a.s = a.s*fade + n*x
	a.q = a.q*fade + n*x*x
	a.v = a.v*fade + n*sd*sd
	a.k = a.k*fade + 1
}

// mean returns the average.
func (a *wavg) mean() float64 {
	if a.w <= 0 {
		return 0
	}
	return a.s / a.w
}

// se2 returns the squared standard error of the mean: the per-call variance
// over the calls averaged. The per-call variance is the one reported, or the
// one the spread of the window means shows, whichever is larger; with
// neither, priorRel of the mean. A variance known only from the spread of
// few windows is widened by Student's t, so that two lucky windows do not
// pass for certainty.
func (a *wavg) se2(priorRel float64) float64 {
	if a.w <= 0 {
		return 0
	}
	m := a.mean()
	within := a.v / a.w
	if a.v == 0 && a.k <= 1.5 {
		return (priorRel * m) * (priorRel * m) / a.w
	}
	var between float64
	if a.k > 1.5 {
		between = max(0, a.q-a.w*m*m) / (a.k - 1)
		if a.v == 0 {
			between = max(between, (priorRel*m)*(priorRel*m))
			f := tQuantile(int(a.k-1)) / tQuantile(0)
			between *= f * f
		}
	}
	return max(within, between) / a.w
}

// tQuantile is Student's t 97.5 % quantile for df degrees of freedom; df 0
// (or ≥ 30) gives the normal's 1.96.
func tQuantile(df int) float64 {
	table := [...]float64{1.96, 12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23}
	switch {
	case df <= 0 || df >= 30:
		return table[0]
	case df < len(table):
		return table[df]
	}
	return 2.1
}

// capWeight scales the past down to at most n calls' weight.
func (a *wavg) capWeight(n float64) {
	if a.w > n && a.w > 0 {
		f := n / a.w
		a.w, a.s, a.q, a.v, a.k = n, a.s*f, a.q*f, a.v*f, max(1, a.k*f)
	}
}

// ewma is an exponentially weighted moving average; ok once it has a value.
type ewma struct {
	v  float64
	ok bool
}

func (e *ewma) add(x, alpha float64) {
	if !e.ok {
		e.v, e.ok = x, true
		return
	}
	e.v += alpha * (x - e.v)
}

func newCostModel(params map[string]any) (*costModel, error) {
	vals, err := parseParams(NameCostModel, withAutoscale(costModelSpecs()), params)
	if err != nil {
		return nil, err
	}
	return &costModel{vals: vals, mods: map[string]*cmModule{}}, nil
}

// Name returns "costmodel".
func (c *costModel) Name() string { return NameCostModel }

// Params returns the effective parameters.
func (c *costModel) Params() map[string]any { return exportParams(costModelSpecs(), c.vals) }

// Autoscale returns the autoscaler's parameters set with the policy.
func (c *costModel) Autoscale() AutoscaleParams { return autoscaleFrom(c.vals) }

// cmView is one module as one tick sees it.
type cmView struct {
	obs       ModuleObs
	st        *cmModule
	eff       Mode    // pending mode if switching, else the current mode
	cpr       float64 // calls per request
	modMs     float64
	remMs     float64
	benefit   float64 // ms per request saved by module mode
	se        float64 // standard error of benefit
	replicas  int     // remote replicas planned (0: one server, no range)
	remMB     float64 // what remote mode costs of the budget
	locked    bool
	lockUntil int
}

// Tick observes one window and plans.
func (c *costModel) Tick(obs Observation) Decision {
	c.tick++
	t := c.tick
	b := resolveBudget(obs, c.vals["node_mem_mb"], c.vals["base_mem_mb"])
	d := Decision{Policy: NameCostModel, At: obs.At, NextAt: obs.At.Add(obs.WindowLen())}
	mods := sortedModules(obs)
	if len(mods) == 0 {
		d.Phase, d.Status, d.Target = phaseIdle, "no managed modules", Placement{}
		return d
	}
	if b.NodeMemMB <= 0 {
		d.Phase = phaseWaiting
		d.Status = "node memory unknown: set node_mem_mb or let the engine read it; keeping the placement"
		d.Target = obs.Placement()
		for _, m := range obs.Modules {
			if d.Target[m.Name] == ModeNone {
				d.Target[m.Name] = ModeRemote
			}
		}
		d.Moves = diffMoves(obs, d.Target, func(ModuleObs, Mode) string { return "no mode yet; remote needs no memory" })
		return d
	}

	idle, shifted := c.observe(obs, mods)
	shiftActive := t <= c.shiftUntil

	// Estimates.
	bwBytesPerMs := c.vals["bandwidth_mbps"] * 1e3
	noise := c.vals["noise_pct"] / 100
	hop, hopSE2, hopN := c.hopEstimate(bwBytesPerMs, noise)
	perReq := c.reqs.v
	if !(perReq > 0) {
		perReq = 0
		for _, st := range c.mods {
			perReq = max(perReq, st.calls.v)
		}
	}
	views := make([]cmView, len(mods))
	var curLocal float64
	for i, m := range mods {
		st := c.mods[m.Name]
		v := cmView{obs: m, st: st, eff: m.Mode}
		if m.Pending != ModeNone {
			v.eff = m.Pending
		}
		if v.eff == ModeModule {
			curLocal += m.MemMB
		}
		if !idle && perReq > 0 {
			v.cpr = st.calls.v / perReq
		}
		net := hop + st.payload.v/bwBytesPerMs
		var se2 float64
		switch {
		case st.mod.ok() && st.rem.ok():
			v.modMs, v.remMs = st.mod.mean(), st.rem.mean()
			se2 = st.mod.se2(noise) + st.rem.se2(noise)
		case st.rem.ok() && st.srv.ok():
			// Its server said how long the work took: in-process costs
			// that, without this module's own hop.
			v.remMs, v.modMs = st.rem.mean(), st.srv.mean()
			se2 = st.rem.se2(noise) + st.srv.se2(noise)
		case st.rem.ok():
			v.remMs, v.modMs = st.rem.mean(), max(0, st.rem.mean()-net)
			se2 = hopSE2
		case st.mod.ok():
			v.modMs, v.remMs = st.mod.mean(), st.mod.mean()+net
			se2 = hopSE2
		}
		if rp, ok := planReplicas(m, st.calls.v/obs.WindowLen().Seconds()); ok {
			v.remMs, v.replicas, v.remMB = rp.ms, rp.n, rp.memMB
		}
		v.benefit = v.cpr * (v.remMs - v.modMs)
		v.se = v.cpr * math.Sqrt(se2)
		views[i] = v
	}
	// Remote replicas that share the budget count in it.
	var curRemote float64
	for _, v := range views {
		if v.eff == ModeRemote {
			curRemote += v.remMB
		}
	}
	overBudget := !b.Fits(curLocal + curRemote)
	penalty := c.vals["min_gain_ms"]
	z := c.vals["confidence"]

	// Contention: what in-process work costs the rest of the request,
	// learnt from the requests around the model's own moves.
	if shifted {
		c.cont.restart() // requests of another workload compare nothing
	} else if y, n := obs.RequestMean(); n > 0 && !idle {
		stable, modes := stableModes(obs)
		c.cont.observe(stable, ms(y), modes, views, noise, math.Pow(0.5, 1/c.vals["half_life"]))
	}
	kappa := c.cont.used(z)
	for i := range views {
		v := &views[i]
		v.benefit = v.cpr * (v.remMs - (1+kappa)*v.modMs)
	}

	// Locks.
	cur := predicted(views, func(v cmView) Mode { return v.eff }, kappa)
	threshold := max(penalty, c.vals["min_gain_pct"]/100*cur)
	dwell := int(c.vals["min_dwell"])
	for i := range views {
		v := &views[i]
		wrongGuess := v.st.probe && v.st.probeWins > 0 &&
			math.Abs(v.benefit-v.st.probeEst) > 2*threshold+z*v.se
		switch {
		case overBudget:
		case v.obs.Pending != ModeNone:
			v.locked = true
		case v.st.switchedAt > 0 && t-v.st.switchedAt < dwell && !shiftActive && !wrongGuess:
			v.locked = true
			v.lockUntil = v.st.switchedAt + dwell
		}
	}

	// Plan.
	plan := c.solve(views, b, penalty, z, nil)
	next := predicted(views, func(v cmView) Mode { return plan[v.obs.Name] }, kappa)
	gain := cur - next
	held := ""
	if !overBudget && gain < threshold && differs(views, plan) {
		held = fmt.Sprintf("; a plan saving %.2f ms/request is below the %.2f ms threshold: staying", gain, threshold)
		plan = c.solve(views, b, penalty, z, func(v cmView) bool { return v.eff != ModeNone })
		next = predicted(views, func(v cmView) Mode { return plan[v.obs.Name] }, kappa)
		gain = cur - next
	}

	// Moves and bookkeeping.
	d.Target = plan
	d.Moves = diffMoves(obs, plan, func(m ModuleObs, to Mode) string {
		return c.reason(views, m.Name, to, plan, b, overBudget, curLocal, curRemote, hop, hopN)
	})
	moved := make(map[string]bool, len(d.Moves))
	for _, mv := range d.Moves {
		moved[mv.Module] = true
		st := c.mods[mv.Module]
		st.switchedAt = t
		st.probe = !((mv.To == ModeModule && st.mod.ok()) || (mv.To == ModeRemote && st.rem.ok()))
		st.probeWins = 0
		i := slices.IndexFunc(views, func(v cmView) bool { return v.obs.Name == mv.Module })
		st.probeEst = views[i].benefit
	}
	for _, v := range views {
		if !moved[v.obs.Name] && v.st.probe && v.st.probeWins >= 3 {
			v.st.probe = false // the guess is judged
		}
	}

	c.report(&d, views, plan, b, idle, overBudget, shiftActive, next, gain, hop, hopN, held)
	return d
}

// observe folds the window's measurements into the model and detects
// workload shifts. It reports whether the window had no calls and whether
// it shifted the workload.
func (c *costModel) observe(obs Observation, mods []ModuleObs) (idle, shifted bool) {
	t, alpha := c.tick, c.vals["alpha"]
	seen := make(map[string]bool, len(mods))
	var totalCalls, maxCalls float64
	raw := make(map[string]float64, len(mods))
	for _, m := range mods {
		seen[m.Name] = true
		if c.mods[m.Name] == nil {
			c.mods[m.Name] = &cmModule{}
		}
		raw[m.Name] = float64(m.Calls())
		totalCalls += raw[m.Name]
		maxCalls = max(maxCalls, raw[m.Name])
	}
	for name := range c.mods {
		if !seen[name] {
			delete(c.mods, name)
		}
	}
	_, reqs := obs.RequestMean()
	idle = totalCalls == 0
	if !idle {
		shares := make(map[string]float64, len(raw))
		for n, v := range raw {
			shares[n] = v / totalCalls
		}
		rate := float64(reqs)
		if reqs == 0 {
			rate = maxCalls
		}
		rate /= obs.WindowLen().Seconds()
		switch {
		case c.ref == nil:
			c.ref, c.refRate = shares, rate
		case tvDistance(c.ref, shares) > c.vals["shift_threshold"] || rateShift(c.refRate, rate, c.vals["shift_rate"]):
			c.ref, c.refRate = shares, rate
			c.shiftUntil = t + int(c.vals["shift_ticks"]) - 1
			c.shiftAt = t
			shifted = true
		}
		for n, v := range raw {
			st := c.mods[n]
			if shifted {
				st.calls = ewma{}
			}
			st.calls.add(v, alpha)
		}
		if shifted {
			c.reqs = ewma{}
		}
		c.reqs.add(float64(reqs), alpha)
	}

	fade := math.Pow(0.5, 1/c.vals["half_life"])
	for _, m := range mods {
		st := c.mods[m.Name]
		for _, side := range []struct {
			avg *wavg
			cs  CallStats
		}{{&st.mod, m.Module}, {&st.rem, m.Remote}} {
			n := float64(side.cs.Count)
			if n == 0 {
				continue
			}
			if shifted {
				side.avg.capWeight(n)
			}
			side.avg.add(ms(side.cs.Mean), ms(side.cs.Stddev), n, fade)
		}
		if n := float64(m.Remote.Count); n > 0 && m.Remote.Server > 0 {
			if shifted {
				st.srv.capWeight(n)
			}
			st.srv.add(ms(m.Remote.Server), 0, n, fade)
		}
		if m.Calls() > 0 {
			st.payload.add(m.PayloadBytes(), alpha)
		}
		eff := m.Mode
		if m.Pending != ModeNone {
			eff = m.Pending
		}
		if st.probe && m.Pending == ModeNone &&
			((eff == ModeModule && m.Module.Count > 0) || (eff == ModeRemote && m.Remote.Count > 0)) {
			st.probeWins++
		}
	}
	return idle, shifted
}

// report fills the decision's phase, status and estimates.
func (c *costModel) report(d *Decision, views []cmView, plan Placement, b Budget,
	idle, overBudget, shiftActive bool, next, gain, hop float64, hopN int, held string) {
	var planLocal float64
	for _, v := range views {
		if plan[v.obs.Name] == ModeModule {
			planLocal += v.obs.MemMB
		}
	}
	allRem := predicted(views, func(cmView) Mode { return ModeRemote }, 0)
	hopNote := fmt.Sprintf("hop %.2f ms (prior hop_ms; no module measured in both modes or timed by its server yet)", hop)
	if hopN > 0 {
		hopNote = fmt.Sprintf("hop %.2f ms (median of %d modules measured in both modes or timed by their servers)", hop, hopN)
	}
	switch {
	case overBudget:
		d.Phase = phaseOverBudget
	case len(d.Moves) > 0:
		d.Phase = phaseReplanning
	case idle:
		d.Phase = phaseIdle
	case hopN == 0:
		d.Phase = phaseLearning
	default:
		d.Phase = phaseSteady
	}
	var s strings.Builder
	if idle {
		s.WriteString("no calls in the last window; ")
	}
	fmt.Fprintf(&s, "predicted %.2f ms/request (all remote %.2f ms)", next, allRem)
	if len(d.Moves) > 0 {
		fmt.Fprintf(&s, ", %d moves save %.2f ms/request", len(d.Moves), gain)
	}
	fmt.Fprintf(&s, "; in-process %s of %s available (%.0f%% of %s node − %s base); %s",
		fmtMB(planLocal), fmtMB(max(0, b.CapacityMB())), MemLimitFraction*100, fmtMB(b.NodeMemMB), fmtMB(b.BaseMemMB), hopNote)
	if shiftActive {
		fmt.Fprintf(&s, "; workload shift at tick %d", c.shiftAt)
	}
	if b.CapacityMB() < 0 {
		s.WriteString("; the runtime base alone exceeds the limit")
	}
	s.WriteString(c.cont.note(c.vals["confidence"]))
	s.WriteString(held)
	d.Status = s.String()
	for _, v := range views {
		d.Estimates = append(d.Estimates, Estimate{
			Module: v.obs.Name, Mode: string(v.obs.Mode), MemMB: v.obs.MemMB,
			CallsPerRequest: v.cpr, ModuleMs: v.modMs, RemoteMs: v.remMs,
			ModuleMeasured: v.st.mod.ok(), RemoteMeasured: v.st.rem.ok(),
			BenefitMs: v.benefit, BenefitSE: v.se, PayloadBytes: v.st.payload.v, LockedUntil: v.lockUntil,
			RemoteReplicas: v.replicas, RemoteMemMB: v.remMB,
		})
	}
}

// hopEstimate is the median fixed hop over the modules measured in both
// modes or whose servers report their time, or the prior; se2 is its
// squared standard error (0 for the prior) and n how many modules it came
// from. It stands for the hop of a module measured in-process only.
func (c *costModel) hopEstimate(bwBytesPerMs, noise float64) (hop, se2 float64, n int) {
	var hs []float64
	var v float64
	for _, st := range c.mods {
		switch {
		case st.mod.ok() && st.rem.ok():
			hs = append(hs, st.rem.mean()-st.mod.mean()-st.payload.v/bwBytesPerMs)
			v += st.mod.se2(noise) + st.rem.se2(noise)
		case st.srv.ok() && st.rem.ok():
			hs = append(hs, st.rem.mean()-st.srv.mean()-st.payload.v/bwBytesPerMs)
			v += st.srv.se2(noise) + st.rem.se2(noise)
		}
	}
	if len(hs) == 0 {
		return c.vals["hop_ms"], 0, 0
	}
	slices.Sort(hs)
	n = len(hs)
	// The median's variance is about π/2 times the mean's.
	se2 = math.Pi / 2 * v / float64(n) / float64(n)
	m := n / 2
	if n%2 == 1 {
		return hs[m], se2, n
	}
	return (hs[m-1] + hs[m]) / 2, se2, n
}

// solve plans by knapsack. Modules that are locked, or for which fixed
// reports true, keep their (effective) mode; the others are chosen. Each
// switch costs penalty + z standard errors of the module's benefit.
func (c *costModel) solve(views []cmView, b Budget, penalty, z float64, fixed func(cmView) bool) Placement {
	plan := make(Placement, len(views))
	capMB := b.CapacityMB()
	var free []int
	for i, v := range views {
		if v.locked || (fixed != nil && fixed(v)) {
			mode := v.eff
			if mode == ModeNone {
				mode = ModeRemote
			}
			plan[v.obs.Name] = mode
			if mode == ModeModule {
				capMB -= v.obs.MemMB
			} else {
				capMB -= v.remMB
			}
			continue
		}
		free = append(free, i)
	}
	// Every free module starts remote, its replicas charged; module mode
	// weighs what it costs beyond them (less than nothing when its
	// replicas cost more, which frees room for the others).
	values := make([]float64, len(free))
	weights := make([]int, len(free))
	var freed float64
	for k, i := range free {
		v := views[i]
		cost := penalty + z*v.se
		values[k] = v.benefit - cost
		if v.eff == ModeModule {
			values[k] = v.benefit + cost
		}
		w := v.obs.MemMB - v.remMB
		capMB -= v.remMB
		weights[k] = int(math.Ceil(w))
		if weights[k] <= 0 && values[k] > 0 {
			freed -= w
		}
	}
	// Replicas that do not fit together: the modules whose replicas cost
	// most beyond their in-process memory serve in-process, whatever they
	// lose, until the rest fits.
	forced := map[int]bool{}
	for capMB+freed < -memEpsilonMB {
		best := -1
		for k := range free {
			if weights[k] < 0 && !(values[k] > 0) && !forced[k] && (best < 0 || weights[k] < weights[best]) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		forced[best] = true
		freed -= float64(weights[best])
	}
	take := knapsack(values, weights, int(math.Floor(capMB+freed+1e-9)))
	for k := range forced {
		take[k] = true
	}
	for k, i := range free {
		mode := ModeRemote
		if take[k] {
			mode = ModeModule
		}
		plan[views[i].obs.Name] = mode
	}
	return plan
}

// predicted is the model's request latency (ms per request) for the
// placement mode gives, each in-process call charged (1 + kappa) × its
// latency for what it costs the rest of the request (see contention).
func predicted(views []cmView, mode func(cmView) Mode, kappa float64) float64 {
	var sum float64
	for _, v := range views {
		if mode(v) == ModeModule {
			sum += v.cpr * v.modMs * (1 + kappa)
		} else {
			sum += v.cpr * v.remMs
		}
	}
	return sum
}

// differs reports whether plan changes any module's effective mode.
func differs(views []cmView, plan Placement) bool {
	for _, v := range views {
		if plan[v.obs.Name] != v.eff {
			return true
		}
	}
	return false
}

// reason explains the move of one module.
func (c *costModel) reason(views []cmView, name string, to Mode, plan Placement, b Budget,
	overBudget bool, curLocal, curRemote, hop float64, hopN int) string {
	i := slices.IndexFunc(views, func(v cmView) bool { return v.obs.Name == name })
	v := views[i]
	var otherLocal float64
	var gainers []string
	for _, w := range views {
		if w.obs.Name == name || plan[w.obs.Name] != ModeModule {
			continue
		}
		otherLocal += w.obs.MemMB
		if w.eff != ModeModule {
			gainers = append(gainers, w.obs.Name)
		}
	}
	if to == ModeModule && overBudget && v.remMB > 0 && v.benefit <= 0 {
		return fmt.Sprintf("%s → module: its remote replicas do not fit: in-process %s and remote replicas %s exceed the %s available (%.0f%% of %s node − %s base); in-process it takes %s, though remote%s would save %.2f ms/request",
			name, fmtMB(curLocal), fmtMB(curRemote), fmtMB(b.CapacityMB()), MemLimitFraction*100, fmtMB(b.NodeMemMB), fmtMB(b.BaseMemMB),
			fmtMB(v.obs.MemMB), v.replicaNote(), -v.benefit)
	}
	if to == ModeModule {
		est := ""
		switch {
		case v.st.mod.ok():
		case v.st.srv.ok():
			est = " [module latency estimated: the time its server reported the action ran]"
		default:
			src := "the prior hop_ms"
			if hopN > 0 {
				src = fmt.Sprintf("%d measured modules", hopN)
			}
			est = fmt.Sprintf(" [module latency estimated: remote − %.2f ms hop from %s]", hop, src)
		}
		return fmt.Sprintf("%s → module: saves %.2f ± %.2f ms/request (remote%s %.2f ms − module %.2f ms per call × %.2f calls/request)%s, %s fits in %s free",
			name, v.benefit, v.se, v.replicaNote(), v.remMs, v.modMs, v.cpr, est, fmtMB(v.obs.MemMB), fmtMB(max(0, b.CapacityMB()-otherLocal)))
	}
	prefix := name + " → remote"
	if v.obs.Mode == ModeNone {
		prefix = name + " (no mode) → remote"
	}
	switch {
	case overBudget && curRemote > 0:
		return fmt.Sprintf("%s: in-process %s and remote replicas %s exceed the %s available (%.0f%% of %s node − %s base)",
			prefix, fmtMB(curLocal), fmtMB(curRemote), fmtMB(b.CapacityMB()), MemLimitFraction*100, fmtMB(b.NodeMemMB), fmtMB(b.BaseMemMB))
	case overBudget:
		return fmt.Sprintf("%s: in-process memory %s exceeds the %s available (%.0f%% of %s node − %s base)",
			prefix, fmtMB(curLocal), fmtMB(b.CapacityMB()), MemLimitFraction*100, fmtMB(b.NodeMemMB), fmtMB(b.BaseMemMB))
	case v.cpr == 0:
		return prefix + ": not called in the last window; remote needs no in-process memory"
	case v.benefit <= 0:
		return fmt.Sprintf("%s: remote%s is faster by %.2f ± %.2f ms/request (module %.2f ms vs remote %.2f ms per call)",
			prefix, v.replicaNote(), -v.benefit, v.se, v.modMs, v.remMs)
	case len(gainers) > 0:
		return fmt.Sprintf("%s: frees %s for %s, which save more per MB; costs %.2f ms/request",
			prefix, fmtMB(v.obs.MemMB), strings.Join(gainers, ", "), v.benefit)
	default:
		return fmt.Sprintf("%s: saves only %.2f ± %.2f ms/request in-process, not worth a switch (%.2f ms + %g standard errors)",
			prefix, v.benefit, v.se, c.vals["min_gain_ms"], c.vals["confidence"])
	}
}

// replicaNote says how remote mode was counted for a module with
// replicas: " as N replicas (M MB)"; empty without.
func (v cmView) replicaNote() string {
	if v.replicas == 0 {
		return ""
	}
	return fmt.Sprintf(" as %d replicas (%s)", v.replicas, fmtMB(v.remMB))
}

// stableModes reports whether one placement ran the whole window (no
// switch in progress, none ended inside it) and returns it; a module with
// no mode counts as remote.
func stableModes(obs Observation) (bool, map[string]Mode) {
	start := obs.At.Add(-obs.WindowLen())
	modes := make(map[string]Mode, len(obs.Modules))
	stable := true
	for _, m := range obs.Modules {
		mode := m.Mode
		if mode == ModeNone {
			mode = ModeRemote
		}
		modes[m.Name] = mode
		if m.Pending != ModeNone || m.Since.After(start) {
			stable = false
		}
	}
	return stable, modes
}

// tvDistance is the total variation distance between two share vectors.
func tvDistance(a, b map[string]float64) float64 {
	var s float64
	for k, v := range a {
		s += math.Abs(v - b[k])
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			s += math.Abs(v)
		}
	}
	return s / 2
}

// rateShift reports whether rate moved from ref by more than factor.
func rateShift(ref, rate, factor float64) bool {
	if ref <= 0 || rate <= 0 {
		return ref != rate
	}
	r := rate / ref
	return r > factor || r < 1/factor
}
