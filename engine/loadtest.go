package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/policy"
)

// Static placements the load test knows besides the policies.
const (
	AllLocal  = types.AllLocal
	AllRemote = types.AllRemote
)

// The load test's parameters, results and progress, in the API's shape
// (api/types).
type (
	// LoadTestParams are jsorc_loadtest's parameters.
	LoadTestParams = types.LoadTestParams
	// LoadTestRun is the result of one app under one policy.
	LoadTestRun = types.LoadTestRun
	// LoadTestResult is JSORC's answer shape: app → policy → run.
	LoadTestResult = types.LoadTestResult
	// LoadTestStatus says what a running load test is doing.
	LoadTestStatus = types.LoadTestStatus
)

// loadTester allows one load test at a time and reports its progress.
type loadTester struct {
	mu     sync.Mutex
	status LoadTestStatus
}

// LoadTestProgress reports the running load test, if any.
func (e *Engine) LoadTestProgress() LoadTestStatus {
	e.lt.mu.Lock()
	defer e.lt.mu.Unlock()
	return e.lt.status
}

// LoadTest is JSORC's jsorc_loadtest: it announces itself (an event), pauses
// the user's policy, and for each policy loads the app's modules
// (in-process, remote, or remote for a policy to place), sets that policy,
// and drives requests for the duration, measured by a benchmark and an
// action tracker of its own (a benchmark or trackact the user runs goes on
// untouched); between policies it unloads the modules with their servers
// retired. At the end it puts back the placement of the app's modules and
// the policy that were there before. The result is stored as a "loadtest"
// report. When the engine begins to stop, the test ends at once, puts the
// placement and policy back (in the store; the switches follow at the next
// start) and fails with ErrRetryLater saying it was interrupted.
func (e *Engine) LoadTest(ctx context.Context, p LoadTestParams) (LoadTestResult, error) {
	mods, policies, err := e.checkLoadTest(&p)
	if err != nil {
		return nil, err
	}
	e.lt.mu.Lock()
	if e.lt.status.Running {
		e.lt.mu.Unlock()
		return nil, errorf(ErrConflict, "a load test is already running (%s under %s)", e.lt.status.App, e.lt.status.Policy)
	}
	e.lt.status = LoadTestStatus{Running: true, App: p.Experiment, Duration: p.ExperimentDuration}
	e.lt.mu.Unlock()
	cause := causeOf(ctx)
	e.publish(cause, EventLoadTest, p.Experiment, fmt.Sprintf("load test started: %s under %s, %g s each", p.Experiment, strings.Join(policies, ", "), p.ExperimentDuration))
	defer func() {
		e.lt.mu.Lock()
		e.lt.status.Running = false
		e.lt.mu.Unlock()
	}()
	ctx, cancel := e.interruptible(ctx)
	defer cancel()
	// What the load test does (loads, policy changes, measuring) is its own.
	runCtx := types.WithCause(ctx, types.CauseLoadTest)
	before := e.placementBefore(mods)
	// The user's policy does not run during the test (it would move the
	// modules a run places); each run sets its own, and the user's comes
	// back at the end.
	if before.policy != DefaultPolicy {
		if _, err := e.PolicySet(runCtx, DefaultPolicy, nil); err != nil {
			e.log.Warn("loadtest: pausing the policy", "policy", before.policy, "err", err)
		}
	}
	res := LoadTestResult{p.Experiment: {}}
	for i, pol := range policies {
		if i > 0 {
			e.unloadAll(runCtx, mods)
		}
		e.publish(types.CauseLoadTest, EventLoadTest, p.Experiment, "run under "+pol)
		run, rerr := e.loadTestRun(runCtx, p, mods, pol)
		if rerr != nil {
			e.publish(cause, EventLoadTest, p.Experiment, fmt.Sprintf("load test failed under %s: %v", pol, rerr))
			err = fmt.Errorf("loadtest %s under %s: %w", p.Experiment, pol, rerr)
			break
		}
		res[p.Experiment][resultKey(pol, p.Mem)] = run
	}
	e.restorePlacement(runCtx, before)
	if e.stoppingNow() {
		e.publish(cause, EventLoadTest, p.Experiment, "load test interrupted: the engine is stopping")
		return res, retryLater("loadtest %s interrupted: %w; the placement and the policy from before the test are put back", p.Experiment, errStopping)
	}
	if err != nil {
		return res, err
	}
	e.saveReport("loadtest", time.Now(), map[string]any{"params": p, "result": res})
	e.publish(cause, EventLoadTest, p.Experiment, "load test ended")
	return res, nil
}

// placement is what a load test changes and puts back: the requested modes
// of its modules and the policy.
type placement struct {
	modes        map[string]Mode
	policy       string
	policyParams map[string]any
}

// placementBefore records the requested modes of mods and the policy.
func (e *Engine) placementBefore(mods []string) placement {
	pl := placement{modes: make(map[string]Mode, len(mods))}
	for _, name := range mods {
		if m, err := e.module(name); err == nil {
			m.mu.Lock()
			pl.modes[name] = m.desired
			m.mu.Unlock()
		}
	}
	pol := e.PolicyGet()
	pl.policy, pl.policyParams = pol.Name, pol.Params
	return pl
}

// restorePlacement puts back what placementBefore recorded: the policy
// stops moving modules first, the modes are requested again, then the
// policy is set back. While the engine runs, it waits for the switches;
// once it has begun to stop it only requests them (each request is stored
// before it is acted on, so the next start completes them).
func (e *Engine) restorePlacement(ctx context.Context, pl placement) {
	if _, err := e.PolicySet(ctx, DefaultPolicy, nil); err != nil {
		e.log.Warn("loadtest: stopping the policy", "err", err)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if e.stoppingNow() {
		cancel() // request, do not wait
	}
	for name, mode := range pl.modes {
		m, err := e.module(name)
		if err != nil {
			continue
		}
		m.mu.Lock()
		now := m.desired
		m.mu.Unlock()
		switch {
		case mode == now:
		case mode == ModeNone:
			_, err = e.Unload(rctx, name, "auto", true)
		default:
			_, err = e.Load(rctx, name, string(mode), LoadOptions{Wait: true})
		}
		if err != nil && rctx.Err() == nil {
			e.log.Warn("loadtest: putting a module back", "module", name, "mode", mode, "err", err)
		}
	}
	if _, err := e.PolicySet(ctx, pl.policy, pl.policyParams); err != nil {
		e.log.Warn("loadtest: putting the policy back", "policy", pl.policy, "err", err)
	}
}

func (e *Engine) checkLoadTest(p *LoadTestParams) ([]string, []string, error) {
	if err := p.CheckBounds(); err != nil {
		return nil, nil, err
	}
	e.mu.Lock()
	app, ok := e.apps[p.Experiment]
	e.mu.Unlock()
	if !ok {
		return nil, nil, errorf(ErrNotFound, "loadtest: app %q is not defined (define it with `jsorc app config FILE`)", p.Experiment)
	}
	if p.ExperimentDuration == 0 {
		p.ExperimentDuration = 180
	}
	if p.ExperimentDuration < 0 || p.Mem < 0 || p.MemScale < 0 || p.Clients < 0 || p.Rate < 0 {
		return nil, nil, errorf(ErrInvalid, "loadtest: negative parameter")
	}
	if p.Clients > 0 && p.Rate > 0 {
		return nil, nil, errorf(ErrInvalid, "loadtest: give clients (closed loop) or rate (open loop), not both")
	}
	if p.Clients == 0 && p.Rate == 0 {
		p.Clients = 1
	}
	if p.MemScale == 0 {
		p.MemScale = 1
	}
	var mods []string
	for _, s := range app.Steps {
		m, _, err := actions.SplitName(s.Action)
		if err != nil {
			return nil, nil, errorf(ErrInvalid, "loadtest: %v", err)
		}
		if _, err := e.module(m); err != nil {
			return nil, nil, err
		}
		if !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	var policies []string
	for _, pol := range strings.Split(p.Policy, ",") {
		pol = strings.ToLower(strings.TrimSpace(pol))
		switch pol {
		case AllLocal, AllRemote, "evaluation", "costmodel", DefaultPolicy:
			policies = append(policies, pol)
		default:
			return nil, nil, errorf(ErrInvalid, "loadtest: policy %q: want all_local, all_remote, evaluation or costmodel", pol)
		}
	}
	return mods, policies, nil
}

// resultKey is the key of a run in a load test's result, as JSORC named
// it: the policy's name, and for evaluation the node memory it was given,
// "evaluation-mem-4096" for mem 4 (GB × 1024, whatever mem_scale).
func resultKey(pol string, memGB float64) string {
	if pol == policy.NameEvaluation {
		return fmt.Sprintf("%s-mem-%d", pol, int(memGB)*1024)
	}
	return pol
}

// loadTestRun runs one app under one placement or policy.
func (e *Engine) loadTestRun(ctx context.Context, p LoadTestParams, mods []string, pol string) (LoadTestRun, error) {
	e.lt.mu.Lock()
	// A new run's progress starts from nothing: not the last run's p50.
	e.lt.status.Policy, e.lt.status.Elapsed, e.lt.status.Requests, e.lt.status.Errors = pol, 0, 0, 0
	e.lt.status.LastP50 = 0
	e.lt.mu.Unlock()
	defer func() {
		if _, err := e.PolicySet(ctx, DefaultPolicy, nil); err != nil {
			e.log.Warn("loadtest: resetting the policy", "err", err)
		}
	}()
	mode := "remote"
	if pol == AllLocal {
		mode = "module"
	}
	for _, m := range mods {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		_, err := e.Load(lctx, m, mode, LoadOptions{Wait: true})
		cancel()
		if err != nil {
			return LoadTestRun{}, err
		}
	}
	if pol != AllLocal && pol != AllRemote {
		params := map[string]any{}
		if p.Mem > 0 {
			params["node_mem_mb"] = p.Mem * 1024 * p.MemScale
			params["base_mem_mb"] = 300 * p.MemScale
		}
		if pol == "evaluation" {
			if p.EvalPhase > 0 {
				params["eval_phase"] = p.EvalPhase
			}
			if p.PerfPhase > 0 {
				params["perf_phase"] = p.PerfPhase
			}
		}
		if _, err := e.PolicySet(ctx, pol, params); err != nil {
			return LoadTestRun{}, err
		}
	}
	// The run measures with a benchmark and an action tracker of its own:
	// a benchmark or trackact the user runs goes on untouched.
	start := time.Now()
	bench := measure.NewBenchmark()
	acts := measure.NewActionTracker(measure.DefaultHistory)
	if err := bench.Start(start); err != nil {
		return LoadTestRun{}, err
	}
	if err := acts.Start(start); err != nil {
		return LoadTestRun{}, err
	}
	_ = acts.Tick(start, actionTotals(e.tracks.Snapshot()), e.modes())
	opts := measure.LoadOptions{
		Clients:  p.Clients,
		Rate:     p.Rate,
		Duration: time.Duration(p.ExperimentDuration * float64(time.Second)),
		Progress: func(lp measure.LoadProgress) {
			e.lt.mu.Lock()
			e.lt.status.Elapsed, e.lt.status.Requests, e.lt.status.Errors = lp.Elapsed.Seconds(), lp.Done, lp.Errors
			e.lt.status.LastP50 = lp.Last.P50
			e.lt.mu.Unlock()
			_ = acts.Tick(time.Now(), actionTotals(e.tracks.Snapshot()), e.modes())
			// Progress comes often: a subscriber that is behind skips some.
			e.progress(EventLoadTest, p.Experiment, "")
		},
	}
	lr, err := measure.Load(ctx, func(ctx context.Context) error {
		t0 := time.Now()
		_, err := e.RunApp(ctx, p.Experiment, p.Ctx)
		bench.Record(ReqTypeApp, p.Experiment, time.Since(t0), err == nil)
		return err
	}, opts)
	end := time.Now()
	_ = acts.Tick(end, actionTotals(e.tracks.Snapshot()), e.modes())
	report, berr := bench.Stop(end)
	hist, terr := acts.Stop(end)
	if err != nil {
		return LoadTestRun{}, err
	}
	if berr != nil {
		return LoadTestRun{}, berr
	}
	if terr != nil {
		return LoadTestRun{}, terr
	}
	total := lr.Latency.Snapshot()
	return LoadTestRun{
		WalkerLevel: report,
		ActionLevel: hist,
		Series:      lr.Seconds,
		Requests:    total.Count,
		Errors:      total.Errors,
		MeanMS:      ms(total.Mean()),
		Placement:   e.placement(),
	}, nil
}

// unloadAll unloads modules with their servers retired, after a run, even
// when the run's ctx has ended.
func (e *Engine) unloadAll(ctx context.Context, mods []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	for _, m := range mods {
		if _, err := e.Unload(ctx, m, "auto", true); err != nil {
			e.log.Debug("loadtest: unloading", "module", m, "err", err)
		}
	}
}
