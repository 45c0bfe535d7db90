package policy_test

import (
	"slices"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// t0 is the start of every hand-driven run.
func t0() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }

// mod is a module of a hand-driven run.
type mod struct {
	name string
	mem  float64
}

// driver runs a policy against a latency function of the placement, the way
// the engine does: one observation per 1 s tick, moves applied at once.
type driver struct {
	t       *testing.T
	p       policy.Policy
	mods    []mod
	nodeMB  float64
	baseMB  float64
	place   policy.Placement
	since   map[string]time.Time
	tick    int
	latency func(policy.Placement) time.Duration
}

func newDriver(t *testing.T, p policy.Policy, mods []mod, nodeMB float64, start policy.Placement,
	latency func(policy.Placement) time.Duration) *driver {
	t.Helper()
	d := &driver{t: t, p: p, mods: mods, nodeMB: nodeMB, baseMB: policy.DefaultBaseMemMB, place: policy.Placement{},
		since: map[string]time.Time{}, latency: latency}
	for _, m := range mods {
		d.place[m.name] = start[m.name]
	}
	return d
}

// step runs one tick and returns the decision.
func (d *driver) step() policy.Decision {
	d.t.Helper()
	d.tick++
	at := t0().Add(time.Duration(d.tick) * time.Second)
	lat := d.latency(d.place)
	obs := policy.Observation{At: at, Window: time.Second, NodeMemMB: d.nodeMB, BaseMemMB: d.baseMB,
		Apps: []policy.AppObs{{Name: "app", Requests: 10, Mean: lat}}}
	for _, m := range d.mods {
		mo := policy.ModuleObs{Name: m.name, Mode: d.place[m.name], Since: d.since[m.name], MemMB: m.mem}
		cs := policy.CallStats{Count: 10, Mean: lat / time.Duration(len(d.mods)), Bytes: 10_000}
		if mo.Mode == policy.ModeModule {
			mo.Module = cs
		} else {
			mo.Remote = cs
		}
		obs.Modules = append(obs.Modules, mo)
	}
	dec := d.p.Tick(obs)
	checkDecision(d.t, obs, dec)
	for _, mv := range dec.Moves {
		d.place[mv.Module] = mv.To
		d.since[mv.Module] = at
	}
	return dec
}

// checkDecision asserts what every decision must satisfy: a target for
// every module, moves that lead from the observed placement to the target
// (remote-bound first), each with a reason.
func checkDecision(t *testing.T, obs policy.Observation, d policy.Decision) {
	t.Helper()
	if len(d.Target) != len(obs.Modules) {
		t.Fatalf("target has %d modules, observation %d", len(d.Target), len(obs.Modules))
	}
	seenModule := false
	for _, mv := range d.Moves {
		if mv.Reason == "" {
			t.Fatalf("move %v has no reason", mv)
		}
		if d.Target[mv.Module] != mv.To {
			t.Fatalf("move %v disagrees with target %s", mv, d.Target)
		}
		if mv.To == policy.ModeModule {
			seenModule = true
		} else if seenModule {
			t.Fatalf("moves to remote must come first: %v", d.Moves)
		}
	}
	for _, m := range obs.Modules {
		want := d.Target[m.Name]
		cur := m.Mode
		if m.Pending != policy.ModeNone {
			cur = m.Pending
		}
		moved := slices.ContainsFunc(d.Moves, func(mv policy.Move) bool { return mv.Module == m.Name })
		if d.Policy != policy.NameDefault && (want != cur) != moved {
			t.Fatalf("module %s: current %q, target %q, moved %v", m.Name, cur, want, moved)
		}
	}
}

// fits reports whether p fits the budget of obs-like figures.
func fits(mods []mod, p policy.Placement, nodeMB, baseMB float64) bool {
	var local float64
	for _, m := range mods {
		if p[m.name] == policy.ModeModule {
			local += m.mem
		}
	}
	return policy.Budget{NodeMemMB: nodeMB, BaseMemMB: baseMB}.Fits(local)
}
