package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
)

// describeHistory bounds the events Describe returns.
const describeHistory = 50

// Describe is jsorc_actions_describe: one module in full — status, config,
// actions with their parameters, its latest events and the policy's moves
// of it, and where its action server logs.
func (e *Engine) Describe(ctx context.Context, name string) (types.DescribeAnswer, error) {
	m, err := e.module(name)
	if err != nil {
		return types.DescribeAnswer{}, err
	}
	d := types.DescribeAnswer{Name: name, Status: m.status(), Actions: m.actionSpecs(), Backend: e.backend().Name()}
	m.mu.Lock()
	cfg := m.cfg
	m.mu.Unlock()
	if d.Config, err = json.Marshal(cfg); err != nil {
		return types.DescribeAnswer{}, fmt.Errorf("engine: encoding the config of %s: %w", name, err)
	}
	evs, _ := e.EventsSince(0)
	for _, ev := range evs {
		if ev.Name == name && ev.Type != types.EventModule && isModuleEvent(ev.Type) {
			d.History = append(d.History, ev)
		}
	}
	if n := len(d.History); n > describeHistory {
		d.History = d.History[n-describeHistory:]
	}
	for _, mv := range e.PolicyGet().Decisions {
		if mv.Module == name {
			d.Moves = append(d.Moves, mv)
		}
	}
	if ls, ok := e.backend().(backend.LogSource); ok {
		piece, err := ls.ReadLog(ctx, backend.LogQuery{Owner: name, Offset: -1})
		d.Log = piece.Source
		if err != nil {
			d.LogNote = err.Error()
		}
	}
	e.podsOf(&d)
	if r := d.Status.Remote; d.Replicas == nil && r.ReplicasDesired > 0 {
		d.Replicas = &types.Replicas{Ready: r.ReplicasReady, Desired: r.ReplicasDesired}
	}
	if d.Actions == nil {
		d.Actions = []types.ActionSpec{}
	}
	return d, nil
}

// isModuleEvent reports whether events of type t are about a module.
func isModuleEvent(t types.EventType) bool {
	switch t {
	case types.EventModule, types.EventLoad, types.EventUnload, types.EventSwitch, types.EventCrash, types.EventRestart:
		return true
	}
	return false
}

// actionSpecs lists the module's actions with their parameters, as the
// latest placement that served gave them (in-process ones with their types
// and defaults).
func (m *module) actionSpecs() []types.ActionSpec {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]types.ActionSpec(nil), m.lastSpecs...)
}

// bindingSpecs describes a binding's actions, sorted by name.
func bindingSpecs(module string, b *binding) []types.ActionSpec {
	var out []types.ActionSpec
	for _, en := range b.slots {
		if en == nil {
			continue
		}
		spec := types.ActionSpec{Name: actions.FullName(module, en.name), Params: []types.ParamSpec{}}
		if en.action != nil {
			spec.Doc = en.action.Doc
			for _, p := range en.action.Params {
				spec.Params = append(spec.Params, types.ParamSpec{Name: p.SpecName(), Kind: paramKind(p.Kind), Type: p.Type.String(), Default: p.Default})
			}
		} else {
			for _, n := range en.spec {
				spec.Params = append(spec.Params, specParam(n))
			}
		}
		out = append(out, spec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// paramKind names a parameter kind as the API does.
func paramKind(k actions.Kind) string {
	switch k {
	case actions.Optional:
		return types.ParamOptional
	case actions.Rest:
		return types.ParamRest
	case actions.Opts:
		return types.ParamOpts
	}
	return types.ParamRequired
}

// specParam reads a parameter name of a remote spec: "*x" collects
// positionals, "**x" keywords, any other is taken as required.
func specParam(n string) types.ParamSpec {
	switch {
	case strings.HasPrefix(n, "**"):
		return types.ParamSpec{Name: n, Kind: types.ParamOpts}
	case strings.HasPrefix(n, "*"):
		return types.ParamSpec{Name: n, Kind: types.ParamRest}
	}
	return types.ParamSpec{Name: n, Kind: types.ParamRequired}
}
