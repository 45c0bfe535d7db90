package policy

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// MaxEvaluationModules is the most modules the evaluation policy enumerates:
// 2^16 candidates of 10 s each already take a week. With more modules it
// keeps the placement (made to fit the budget) and says why.
const MaxEvaluationModules = 16

// maxHold caps the doubling of the evaluation policy's hold.
const maxHold = 24 * time.Hour

// maxPhase bounds eval_phase and perf_phase, in seconds (one day, as maxHold).
const maxPhase = 86400

// Evaluation phases.
const (
	phaseEvaluating = "evaluating"
	phaseHolding    = "holding"
	phaseWaiting    = "waiting"
	phaseIdle       = "idle"
)

// evaluationSpecs are the evaluation policy's parameters.
func evaluationSpecs() []paramSpec {
	return append([]paramSpec{
		{name: "eval_phase", kind: kindSeconds, def: 10, min: 0, minOpen: true, max: maxPhase},
		{name: "perf_phase", kind: kindSeconds, def: 100, min: 0, minOpen: true, max: maxPhase},
	}, budgetSpecs()...)
}

// evaluation is JSORC's evaluation policy with its defects fixed: it
// enumerates every module/remote assignment of the managed modules that fits
// the memory budget, runs each for eval_phase measuring the mean request
// latency, applies the best and holds it for perf_phase (doubled each time
// the best did not change), then evaluates again.
//
// Candidates are visited in Gray-code order from the placement at the start
// of the round, so consecutive candidates differ in as few modules as
// possible: candidate k flips, relative to that placement (a module with no
// mode counting as remote), the modules whose bit is set in k XOR (k >> 1),
// bit i being the i-th module in name order; assignments that do not fit are
// skipped. The first candidate is therefore the current placement.
//
// A window is measured for a candidate only if the candidate was in place
// for the whole window (no switch in progress, every module's Since at or
// before the window's start), so switching never pollutes a measurement.
// A candidate the engine cannot put in place within three eval_phases (at
// least 30 s) is skipped. The module set or budget changing restarts the
// evaluation from scratch.
type evaluation struct {
	vals                 map[string]float64
	evalPhase, perfPhase time.Duration

	key   string // module set and budget the state belongs to
	phase string
	round int

	names []string
	base  Placement
	total int      // 2^n assignments
	cands []uint64 // flip masks of the fitting candidates, in Gray order
	idx   int      // candidate being evaluated

	candSince time.Time // when the current candidate was asked for
	elapsed   time.Duration
	sumMs     float64 // Σ request latency (ms) × requests
	reqs      uint64
	scores    []float64 // mean request latency per candidate; NaN = no data
	skipped   int

	best, prevBest Placement
	bestIdx        int
	bestMs         float64
	hold           time.Duration
	holdEnd        time.Time
	unchanged      bool // the last round's best equals the one before
}

func newEvaluation(params map[string]any) (*evaluation, error) {
	vals, err := parseParams(NameEvaluation, withAutoscale(evaluationSpecs()), params)
	if err != nil {
		return nil, err
	}
	return &evaluation{
		vals:      vals,
		evalPhase: seconds(vals["eval_phase"]),
		perfPhase: seconds(vals["perf_phase"]),
	}, nil
}

// Name returns "evaluation".
func (e *evaluation) Name() string { return NameEvaluation }

// Params returns eval_phase and perf_phase (seconds), node_mem_mb and
// base_mem_mb (0: from the observation).
func (e *evaluation) Params() map[string]any { return exportParams(evaluationSpecs(), e.vals) }

// Autoscale returns the autoscaler's parameters set with the policy.
func (e *evaluation) Autoscale() AutoscaleParams { return autoscaleFrom(e.vals) }

// Tick advances the evaluation by one window.
func (e *evaluation) Tick(obs Observation) Decision {
	b := resolveBudget(obs, e.vals["node_mem_mb"], e.vals["base_mem_mb"])
	mods := sortedModules(obs)
	if key := evalKey(mods, b); key != e.key {
		*e = evaluation{vals: e.vals, evalPhase: e.evalPhase, perfPhase: e.perfPhase, key: key}
	}
	d := Decision{Policy: NameEvaluation, At: obs.At}
	switch {
	case len(mods) == 0:
		d.Phase, d.Status, d.Target = phaseIdle, "no managed modules", Placement{}
		return d
	case b.NodeMemMB <= 0:
		return e.wait(obs, b, d, "node memory unknown: set node_mem_mb or let the engine read it")
	case len(mods) > MaxEvaluationModules:
		return e.wait(obs, b, d, fmt.Sprintf("%d modules: more than %d cannot be enumerated (2^%d candidates)",
			len(mods), MaxEvaluationModules, len(mods)))
	}
	if e.phase == phaseHolding && !obs.At.Before(e.holdEnd) {
		e.phase = ""
	}
	if e.phase == "" {
		e.startRound(obs, mods, b)
		if len(e.cands) == 0 {
			e.phase = ""
			return e.wait(obs, b, d, fmt.Sprintf("no assignment fits: runtime base %s exceeds the limit %s",
				fmtMB(b.BaseMemMB), fmtMB(b.LimitMB())))
		}
	}
	if e.phase == phaseEvaluating {
		e.measure(obs)
	}
	return e.decide(obs, d)
}

// wait keeps the placement, made to fit the budget if it can, and says why.
func (e *evaluation) wait(obs Observation, b Budget, d Decision, why string) Decision {
	d.Phase, d.Status = phaseWaiting, why
	d.Target = obs.Placement()
	if b.NodeMemMB > 0 && !b.Fits(obs.LocalMemMB(d.Target)) {
		d.Target = allRemote(obs)
		d.Status += fmt.Sprintf("; in-process memory exceeds the limit %s: everything remote", fmtMB(b.LimitMB()))
	}
	for _, m := range obs.Modules {
		if d.Target[m.Name] == ModeNone {
			d.Target[m.Name] = ModeRemote
		}
	}
	d.Moves = diffMoves(obs, d.Target, func(ModuleObs, Mode) string { return "evaluation waiting: " + why })
	d.NextAt = obs.At.Add(obs.WindowLen())
	return d
}

// evalKey identifies the module set and budget.
func evalKey(mods []ModuleObs, b Budget) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%g/%g", b.NodeMemMB, b.BaseMemMB)
	for _, m := range mods {
		fmt.Fprintf(&s, "|%s:%g", m.Name, m.MemMB)
	}
	return s.String()
}

// startRound enumerates the fitting candidates from the current placement.
func (e *evaluation) startRound(obs Observation, mods []ModuleObs, b Budget) {
	e.round++
	e.names = make([]string, len(mods))
	e.base = make(Placement, len(mods))
	for i, m := range mods {
		e.names[i] = m.Name
		mode := m.Mode
		if m.Pending != ModeNone {
			mode = m.Pending
		}
		if mode != ModeModule {
			mode = ModeRemote
		}
		e.base[m.Name] = mode
	}
	e.total, e.cands = grayCandidates(mods, e.base, b)
	e.scores = make([]float64, len(e.cands))
	for i := range e.scores {
		e.scores[i] = math.NaN()
	}
	e.idx, e.skipped = 0, 0
	e.phase = phaseEvaluating
	e.resetTrial(obs.At)
}

// grayCandidates returns 2^n and the flip masks, in Gray-code order, of the
// assignments that fit b, relative to base. mods are in name order.
func grayCandidates(mods []ModuleObs, base Placement, b Budget) (int, []uint64) {
	n := len(mods)
	total := 1 << n
	var baseMB float64
	for _, m := range mods {
		if base[m.Name] == ModeModule {
			baseMB += m.MemMB
		}
	}
	var cands []uint64
	for k := range uint64(total) {
		g := k ^ (k >> 1)
		local := baseMB
		for i, m := range mods {
			if g>>i&1 == 0 {
				continue
			}
			if base[m.Name] == ModeModule {
				local -= m.MemMB
			} else {
				local += m.MemMB
			}
		}
		if b.Fits(local) {
			cands = append(cands, g)
		}
	}
	return total, cands
}

// candidate materialises candidate i.
func (e *evaluation) candidate(i int) Placement {
	p := e.base.Clone()
	mask := e.cands[i]
	for j, n := range e.names {
		if mask>>j&1 == 1 {
			if p[n] == ModeModule {
				p[n] = ModeRemote
			} else {
				p[n] = ModeModule
			}
		}
	}
	return p
}

func (e *evaluation) resetTrial(at time.Time) {
	e.candSince, e.elapsed, e.sumMs, e.reqs = at, 0, 0, 0
}

// waitLimit is how long a candidate may take to be put in place.
func (e *evaluation) waitLimit() time.Duration {
	return max(3*e.evalPhase, 30*time.Second)
}

// measure adds the window to the current candidate's trial if the candidate
// held over the whole window, and moves on when the trial is complete.
func (e *evaluation) measure(obs Observation) {
	cand := e.candidate(e.idx)
	win := obs.WindowLen()
	start := obs.At.Add(-win)
	inPlace := true
	for _, m := range obs.Modules {
		if m.Mode != cand[m.Name] || m.Pending != ModeNone || (!m.Since.IsZero() && m.Since.After(start)) {
			inPlace = false
			break
		}
	}
	if inPlace {
		e.elapsed += win
		mean, n := obs.RequestMean()
		e.sumMs += ms(mean) * float64(n)
		e.reqs += n
	}
	timedOut := !inPlace && obs.At.Sub(e.candSince) > e.waitLimit()
	if e.elapsed >= e.evalPhase || timedOut {
		if e.reqs > 0 {
			e.scores[e.idx] = e.sumMs / float64(e.reqs)
		} else if timedOut {
			e.skipped++
		}
		e.next(obs.At)
	}
}

// next moves to the next candidate, or ends the round.
func (e *evaluation) next(at time.Time) {
	e.idx++
	e.resetTrial(at)
	if e.idx < len(e.cands) {
		return
	}
	bi := -1
	for i, s := range e.scores {
		if !math.IsNaN(s) && (bi < 0 || s < e.scores[bi]) {
			bi = i
		}
	}
	e.bestMs = math.NaN()
	if bi < 0 {
		bi = 0 // no data at all: the first candidate is the current placement when it fits
	} else {
		e.bestMs = e.scores[bi]
	}
	e.bestIdx = bi
	e.best = e.candidate(bi)
	e.unchanged = e.prevBest != nil && e.best.Equal(e.prevBest)
	if e.unchanged {
		e.hold = min(2*e.hold, maxHold)
	} else {
		e.hold = e.perfPhase
	}
	e.prevBest = e.best.Clone()
	e.holdEnd = at.Add(e.hold)
	e.phase = phaseHolding
}

// decide renders the state as a decision.
func (e *evaluation) decide(obs Observation, d Decision) Decision {
	d.Phase = e.phase
	fitNote := fmt.Sprintf("%d of %d assignments fit the memory budget", len(e.cands), e.total)
	switch e.phase {
	case phaseEvaluating:
		d.Target = e.candidate(e.idx)
		reason := fmt.Sprintf("evaluation round %d: trying candidate %d of %d (%s)", e.round, e.idx+1, len(e.cands), fitNote)
		d.Moves = diffMoves(obs, d.Target, func(ModuleObs, Mode) string { return reason })
		var best strings.Builder
		if bi := e.bestSoFar(); bi >= 0 {
			fmt.Fprintf(&best, "; best so far: candidate %d at %.2f ms", bi+1, e.scores[bi])
		}
		d.Status = fmt.Sprintf("round %d: candidate %d/%d [%s], %v of %v measured, %d requests%s",
			e.round, e.idx+1, len(e.cands), d.Target, e.elapsed, e.evalPhase, e.reqs, best.String())
		if e.skipped > 0 {
			d.Status += fmt.Sprintf("; %d candidates skipped (could not be put in place)", e.skipped)
		}
		if e.elapsed > 0 {
			d.NextAt = obs.At.Add(e.evalPhase - e.elapsed)
		} else {
			d.NextAt = obs.At.Add(obs.WindowLen())
		}
	case phaseHolding:
		d.Target = e.best.Clone()
		score := "no requests measured"
		if !math.IsNaN(e.bestMs) {
			score = fmt.Sprintf("%.2f ms mean request latency", e.bestMs)
		}
		reason := fmt.Sprintf("evaluation round %d: best of %d candidates, %s", e.round, len(e.cands), score)
		d.Moves = diffMoves(obs, d.Target, func(ModuleObs, Mode) string { return reason })
		why := "perf_phase"
		if e.unchanged {
			why = "doubled: best unchanged"
		}
		d.Status = fmt.Sprintf("round %d: holding candidate %d [%s], %s (best of %d); hold %v (%s), re-evaluating at %s",
			e.round, e.bestIdx+1, d.Target, score, len(e.cands), e.hold, why, e.holdEnd.Format(time.TimeOnly))
		d.NextAt = e.holdEnd
	}
	return d
}

// bestSoFar is the index of the best candidate measured this round, or -1.
func (e *evaluation) bestSoFar() int {
	bi := -1
	for i, s := range e.scores[:e.idx] {
		if !math.IsNaN(s) && (bi < 0 || s < e.scores[bi]) {
			bi = i
		}
	}
	return bi
}
