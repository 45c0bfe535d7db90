package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/policy"
	"github.com/jsorc/jsorc/engine/track"
	"github.com/jsorc/jsorc/store"
)

// DefaultPolicy is the policy that changes nothing automatically.
const DefaultPolicy = types.DefaultPolicy

// decisionLog is how many applied moves the engine remembers.
const decisionLog = 100

// The policy's state, in the API's shape (api/types).
type (
	// PolicyState is the active action policy as jsorc_actionpolicy_get
	// reports it.
	PolicyState = types.PolicyState
	// PolicyMove is one move a policy made, when, and why.
	PolicyMove = types.PolicyMove
)

// policyRunner runs the active policy on its own goroutine, one tick at a
// time, so a slow switch never delays the sampler.
type policyRunner struct {
	ticks chan policyTick

	// scaler belongs to the policy loop's goroutine.
	scaler autoscaler

	mu    sync.Mutex
	p     policy.Policy
	state PolicyState
}

// policyTick is one window of measurements handed to the policy: the
// calls' and the action servers' (replica 0's process of each module),
// and why the pods a backend runs have no figures (podsNote; "" when
// measured or when it runs none).
type policyTick struct {
	now      time.Time
	deltas   map[string]track.Snapshot
	servers  map[string]measure.ProcStats
	podsNote string
}

func newPolicyRunner() *policyRunner {
	p, _ := policy.New(DefaultPolicy, nil)
	return &policyRunner{
		ticks: make(chan policyTick, 1),
		p:     p,
		state: PolicyState{Name: DefaultPolicy, Params: policy.AllParams(p), Decisions: []PolicyMove{}},
	}
}

// loadPolicy restores the stored policy and the decision history.
func (e *Engine) loadPolicy() error {
	if err := e.loadDecisions(); err != nil {
		return err
	}
	name, raw, err := e.store.Policy()
	if err != nil {
		return fmt.Errorf("engine: reading the policy: %w", err)
	}
	if name == "" {
		return nil
	}
	var params map[string]any
	if raw != nil {
		if err := json.Unmarshal(raw, &params); err != nil {
			return fmt.Errorf("engine: stored policy params: %w", err)
		}
	}
	if err := e.setPolicy(name, params); err != nil {
		return fmt.Errorf("engine: stored policy: %w", err)
	}
	return nil
}

// loadDecisions restores the moves policies made before the last stop.
func (e *Engine) loadDecisions() error {
	recs, err := e.store.Decisions(decisionLog)
	if err != nil {
		return fmt.Errorf("engine: reading the policy's decisions: %w", err)
	}
	moves := make([]PolicyMove, 0, len(recs))
	for _, r := range recs {
		var mv PolicyMove
		if err := json.Unmarshal(r.Value, &mv); err != nil {
			return fmt.Errorf("engine: stored policy decision of %s: %w", r.TS.Format(time.RFC3339), err)
		}
		moves = append(moves, mv)
	}
	e.pol.mu.Lock()
	e.pol.state.Decisions = moves
	e.pol.mu.Unlock()
	return nil
}

// recordMoves adds moves to the decision history and stores them.
func (e *Engine) recordMoves(moves []PolicyMove) {
	if len(moves) == 0 {
		return
	}
	r := e.pol
	r.mu.Lock()
	r.state.Decisions = append(r.state.Decisions, moves...)
	if n := len(r.state.Decisions) - decisionLog; n > 0 {
		r.state.Decisions = append([]PolicyMove{}, r.state.Decisions[n:]...)
	}
	r.mu.Unlock()
	e.storeDecisions(moves)
}

// storeDecisions keeps the moves of one tick, so the history survives a
// restart. A failure is logged: the moves were made all the same.
func (e *Engine) storeDecisions(moves []PolicyMove) {
	recs := make([]store.Report, 0, len(moves))
	for _, mv := range moves {
		b, err := json.Marshal(mv)
		if err != nil {
			e.log.Warn("encoding a policy decision", "err", err)
			return
		}
		recs = append(recs, store.Report{TS: mv.At, Value: b})
	}
	if err := e.store.AppendDecisions(recs, decisionLog); err != nil {
		e.log.Warn("storing the policy's decisions", "err", err)
	}
}

// PolicySet is JSORC's actionpolicy_set: default, evaluation (JSORC's) or
// costmodel (jsorc's own), with its parameters. The policy starts at the
// next tick; its moves go through the same make-before-break switch as a
// load by hand.
func (e *Engine) PolicySet(ctx context.Context, name string, params map[string]any) (string, error) {
	if err := e.setPolicy(name, params); err != nil {
		return "", err
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return "", fmt.Errorf("engine: encoding policy params: %w", err)
	}
	if len(params) == 0 {
		raw = nil
	}
	if err := e.store.SetPolicy(name, raw); err != nil {
		return "", fmt.Errorf("engine: storing the policy: %w", err)
	}
	e.publish(causeOf(ctx), EventPolicy, name, "policy set to "+name)
	return fmt.Sprintf("policy set to %s", name), nil
}

func (e *Engine) setPolicy(name string, params map[string]any) error {
	p, err := policy.New(name, params)
	if err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			return errorf(ErrInvalid, "%w (policies: %s)", err, strings.Join(policy.Names(), ", "))
		}
		return err
	}
	r := e.pol
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p = p
	r.state.Name, r.state.Params, r.state.Since = name, policy.AllParams(p), time.Now().UTC()
	r.state.Phase, r.state.Status, r.state.NextAt, r.state.Estimates = "", "", time.Time{}, nil
	return nil
}

// PolicyGet is JSORC's actionpolicy_get, with what the policy is doing.
func (e *Engine) PolicyGet() PolicyState {
	r := e.pol
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state
	st.Decisions = append([]PolicyMove{}, r.state.Decisions...)
	st.Available = policy.Names()
	return st
}

// policyLoop runs a policy tick for every window the sampler hands over,
// until ctx ends (a run.Runnable).
func (e *Engine) policyLoop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case t := <-e.pol.ticks:
			e.runPolicy(ctx, t)
		}
	}
}

// offerTick hands a window to the policy loop, dropping it if the loop is
// still busy with the previous one.
func (e *Engine) offerTick(now time.Time, deltas map[string]track.Snapshot, servers map[string]measure.ProcStats, podsNote string) {
	select {
	case e.pol.ticks <- policyTick{now: now, deltas: deltas, servers: servers, podsNote: podsNote}:
	default:
	}
}

// runPolicy observes, asks the policy, applies its moves in order, then
// lets the autoscaler scale the remote modules' replicas.
func (e *Engine) runPolicy(ctx context.Context, t policyTick) {
	obs := e.observe(t)
	r := e.pol
	r.mu.Lock()
	p := r.p
	r.mu.Unlock()
	d := p.Tick(obs)
	var applied []PolicyMove
	for _, mv := range d.Moves {
		pm := PolicyMove{At: t.now.UTC(), Module: mv.Module, From: string(mv.From), To: string(mv.To), Reason: mv.Reason}
		lctx, cancel := context.WithTimeout(types.WithCause(ctx, types.CausePolicy), 2*time.Minute)
		_, err := e.Load(lctx, mv.Module, string(mv.To), LoadOptions{})
		cancel()
		if err != nil {
			pm.Error = err.Error()
			e.log.Warn("policy move failed", "policy", d.Policy, "module", mv.Module, "to", mv.To, "err", err)
		} else {
			e.log.Info("policy move", "policy", d.Policy, "module", mv.Module, "to", mv.To, "reason", mv.Reason)
		}
		applied = append(applied, pm)
	}
	r.mu.Lock()
	if r.p == p {
		r.state.Phase, r.state.Status, r.state.NextAt, r.state.Estimates = d.Phase, d.Status, d.NextAt, d.Estimates
	}
	r.mu.Unlock()
	moved := applied
	applied = append(applied, e.autoscale(ctx, t, p.Params(), p.Autoscale())...)
	e.recordMoves(applied)
	for _, pm := range moved {
		msg := fmt.Sprintf("moved %s from %s to %s: %s", pm.Module, dashIfEmpty(pm.From), pm.To, pm.Reason)
		if pm.Error != "" {
			msg = fmt.Sprintf("could not move %s to %s: %s", pm.Module, pm.To, pm.Error)
		}
		e.publish(types.CausePolicy, EventPolicy, d.Policy, msg)
	}
}

// observe builds the policy's view of one window: every loaded module with
// its placement, memory and per-mode calls, and every app's requests.
func (e *Engine) observe(t policyTick) policy.Observation {
	obs := policy.Observation{At: t.now, Window: SampleInterval, NodeMemMB: e.nodeMemMB()}
	why := e.replicaMemWhy(t.podsNote)
	for name, m := range e.routes.all() {
		m.mu.Lock()
		desired, serving, since, cfg, replicas, rstate := m.desired, m.serving, m.servingSince, m.cfg.ActionConfig, m.replicasLocked(), m.rstate
		m.mu.Unlock()
		mem, _ := e.memRequirement(m, cfg)
		if desired == ModeNone {
			continue // only loaded modules are the policy's to place
		}
		mo := policy.ModuleObs{Name: name, Mode: policy.Mode(serving), Since: since, MemMB: mem}
		if r := cfg.Replicas; r != nil && r.Max > r.Min {
			// Remote mode as the autoscaler would run it: its replicas'
			// latency and their memory against the budget: measured (its
			// own machine's processes, or the pods' metrics); on a
			// backend running pods that nothing measures, what the pod
			// asks for, else local_mem_requirement.
			mo.MinReplicas, mo.MaxReplicas, mo.Replicas = r.Min, r.Max, replicas
			mo.RemoteUnloaded = e.pol.scaler.unloaded[name]
			measured := measuredMB(t, name)
			if mb, note := replicaMem(measured, rstate, mem, why); measured > 0 || note != "" {
				mo.ReplicaMemMB = mb
			}
		}
		if desired != serving {
			mo.Pending = policy.Mode(desired)
		}
		var mod, rem track.Snapshot
		prefix := name + "."
		for key, d := range t.deltas {
			if !strings.HasPrefix(key, prefix) {
				continue
			}
			switch {
			case strings.HasSuffix(key, "/"+string(ModeModule)):
				mod = mod.Merge(d)
			case strings.HasSuffix(key, "/"+string(ModeRemote)):
				rem = rem.Merge(d)
			}
		}
		mo.Module, mo.Remote = callStatsOf(mod), callStatsOf(rem)
		obs.Modules = append(obs.Modules, mo)
	}
	for key, d := range t.deltas {
		if app, ok := strings.CutPrefix(key, "app/"); ok && d.Count > 0 {
			obs.Apps = append(obs.Apps, policy.AppObs{Name: app, Requests: d.Count, Mean: d.Mean()})
		}
	}
	return obs
}

func callStatsOf(s track.Snapshot) policy.CallStats {
	return policy.CallStats{Count: s.Count, Mean: s.Mean(), Bytes: s.Bytes, Server: s.ServerMean()}
}

// nodeMemMB is the machine's memory in MB, read once.
func (e *Engine) nodeMemMB() float64 {
	e.nodeMemOnce.Do(func() {
		e.meas.mu.Lock()
		n, err := e.meas.proc.Node(time.Now())
		e.meas.mu.Unlock()
		if err == nil {
			e.nodeMem = float64(n.MemTotalBytes) / (1 << 20)
		}
	})
	return e.nodeMem
}
