package policy

import (
	"fmt"
	"maps"
)

// The autoscaler's parameters are set with the active policy's, whichever
// it is: every policy takes them (the autoscaler runs under all of them),
// keeps them beside its own and hands them over with Autoscale.

// Autoscale parameter names.
const (
	ParamPerReplica   = "per_replica"
	ParamUpSlowdown   = "up_slowdown"
	ParamDownSlowdown = "down_slowdown"
	ParamDownTicks    = "down_ticks"
	ParamDownUtil     = "down_util"
)

// autoscaleSpecs are the autoscaler's parameters. A slowdown is a latency
// over the unloaded one, so never under 1; up_slowdown must exceed 1, or
// an unloaded module would scale up.
func autoscaleSpecs() []paramSpec {
	return []paramSpec{
		{name: ParamPerReplica, kind: kindNumber, def: DefaultPerReplica, min: 0, minOpen: true, max: 1000},
		{name: ParamUpSlowdown, kind: kindNumber, def: DefaultUpSlowdown, min: 1, minOpen: true, max: 1000},
		{name: ParamDownSlowdown, kind: kindNumber, def: DefaultDownSlowdown, min: 1, max: 1000},
		{name: ParamDownTicks, kind: kindInt, def: DefaultDownTicks, min: 1, max: 86400},
		{name: ParamDownUtil, kind: kindNumber, def: DefaultDownUtil, min: 0, minOpen: true, max: 1},
	}
}

// withAutoscale returns a policy's own parameters followed by the
// autoscaler's: what the policy accepts.
func withAutoscale(specs []paramSpec) []paramSpec {
	return append(specs, autoscaleSpecs()...)
}

// checkAutoscale checks what one parameter's range cannot: scaling down
// must need less slowdown than scaling up, or nothing would ever settle.
func checkAutoscale(policy string, vals map[string]float64) error {
	up, down := vals[ParamUpSlowdown], vals[ParamDownSlowdown]
	if down > up {
		return &Error{Kind: ErrBadParam, Policy: policy, Param: ParamDownSlowdown,
			Msg: fmt.Sprintf("policy %q: parameter %s: %v is above %s %v; give a %s at most %v (replicas are removed under the one and added from the other)",
				policy, ParamDownSlowdown, down, ParamUpSlowdown, up, ParamDownSlowdown, up)}
	}
	return nil
}

// autoscaleFrom reads the autoscaler's parameters from a policy's parsed
// values (defaults filled in).
func autoscaleFrom(vals map[string]float64) AutoscaleParams {
	return AutoscaleParams{
		PerReplica:   vals[ParamPerReplica],
		UpSlowdown:   vals[ParamUpSlowdown],
		DownSlowdown: vals[ParamDownSlowdown],
		DownTicks:    int(vals[ParamDownTicks]),
		DownUtil:     vals[ParamDownUtil],
	}
}

// AllParams returns every parameter p takes, its own and the
// autoscaler's, with their effective values: what `actionpolicy get`
// shows.
func AllParams(p Policy) map[string]any {
	a := p.Autoscale()
	vals := map[string]float64{
		ParamPerReplica: a.PerReplica, ParamUpSlowdown: a.UpSlowdown, ParamDownSlowdown: a.DownSlowdown,
		ParamDownTicks: float64(a.DownTicks), ParamDownUtil: a.DownUtil,
	}
	out := maps.Clone(p.Params())
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, exportParams(autoscaleSpecs(), vals))
	return out
}
