package policy_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// TestNeverOverBudget feeds evaluation and costmodel random observations,
// tick after tick, applying some of their moves, and checks that every
// target fits the budget whenever the runtime base alone does.
func TestNeverOverBudget(t *testing.T) {
	modes := []policy.Mode{policy.ModeNone, policy.ModeModule, policy.ModeRemote}
	for _, name := range []string{policy.NameEvaluation, policy.NameCostModel} {
		for seed := range uint64(40) {
			t.Run(fmt.Sprintf("%s/%d", name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 99))
				params := map[string]any{}
				if name == policy.NameEvaluation {
					params["eval_phase"] = 1 + rng.IntN(3)
					params["perf_phase"] = 1 + rng.IntN(5)
				}
				p, err := policy.New(name, params)
				if err != nil {
					t.Fatal(err)
				}
				n := 1 + rng.IntN(12)
				mods := make([]policy.ModuleObs, n)
				for i := range mods {
					mods[i] = policy.ModuleObs{Name: fmt.Sprintf("m%02d", i), Mode: modes[rng.IntN(3)],
						MemMB: float64(rng.IntN(3000))}
				}
				node := float64(500 + rng.IntN(12000))
				base := float64(rng.IntN(600))
				for tick := 1; tick <= 60; tick++ {
					if rng.IntN(15) == 0 { // the budget changes now and then
						node = float64(500 + rng.IntN(12000))
					}
					obs := policy.Observation{At: t0().Add(time.Duration(tick) * time.Second), NodeMemMB: node, BaseMemMB: base}
					var reqs uint64
					for i := range mods {
						m := &mods[i]
						m.Module, m.Remote, m.Pending = policy.CallStats{}, policy.CallStats{}, policy.ModeNone
						if rng.IntN(10) == 0 && m.Mode != policy.ModeNone {
							m.Pending = modes[1+rng.IntN(2)]
						}
						cs := policy.CallStats{Count: uint64(rng.IntN(50)), Mean: time.Duration(rng.IntN(40_000)) * time.Microsecond, Bytes: uint64(rng.IntN(1 << 20))}
						switch m.Mode {
						case policy.ModeModule:
							m.Module = cs
						case policy.ModeRemote:
							m.Remote = cs
						}
						reqs = max(reqs, cs.Count)
					}
					obs.Modules = append([]policy.ModuleObs(nil), mods...)
					obs.Apps = []policy.AppObs{{Name: "a", Requests: reqs, Mean: time.Duration(rng.IntN(100)) * time.Millisecond}}
					d := p.Tick(obs)
					checkDecision(t, obs, d)
					b := policy.Budget{NodeMemMB: node, BaseMemMB: base}
					if b.CapacityMB() >= 0 && !b.Fits(obs.LocalMemMB(d.Target)) {
						t.Fatalf("tick %d: target %s uses %.0f MB, budget %+v (status %s)", tick, d.Target, obs.LocalMemMB(d.Target), b, d.Status)
					}
					for _, mode := range d.Target {
						if mode != policy.ModeModule && mode != policy.ModeRemote {
							t.Fatalf("tick %d: target %s leaves a module without a mode", tick, d.Target)
						}
					}
					for _, mv := range d.Moves { // the engine applies most moves
						if rng.IntN(4) != 0 {
							for i := range mods {
								if mods[i].Name == mv.Module {
									mods[i].Mode = mv.To
									mods[i].Since = obs.At
								}
							}
						}
					}
				}
			})
		}
	}
}

// TestCostModelCountsLockedModules: a module the costmodel may not move
// now (its switch to module mode is under way) still uses its memory; a
// second module that would pay off in-process but fits only in what the
// first one takes must stay remote, tick after tick.
func TestCostModelCountsLockedModules(t *testing.T) {
	p, err := policy.New(policy.NameCostModel, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 0.8 × 2875 − 300 = 2000 MB for in-process modules: one of the two.
	const node, base = 2875.0, 300.0
	b := policy.Budget{NodeMemMB: node, BaseMemMB: base}
	// Heavy answers make remote calls slow: module mode pays off.
	slow := policy.CallStats{Count: 10, Mean: 80 * time.Millisecond, Bytes: 10 * 5 << 20}
	for tick := 1; tick <= 5; tick++ {
		obs := policy.Observation{At: t0().Add(time.Duration(tick) * time.Second), NodeMemMB: node, BaseMemMB: base,
			Apps: []policy.AppObs{{Name: "a", Requests: 10, Mean: 160 * time.Millisecond}},
			Modules: []policy.ModuleObs{
				{Name: "locked", Mode: policy.ModeRemote, Pending: policy.ModeModule, MemMB: 1500, Remote: slow},
				{Name: "free", Mode: policy.ModeRemote, MemMB: 1500, Remote: slow},
			}}
		d := p.Tick(obs)
		checkDecision(t, obs, d)
		if d.Target["locked"] != policy.ModeModule {
			t.Fatalf("tick %d: the locked module's switch was undone: %s", tick, d.Target)
		}
		if used := obs.LocalMemMB(d.Target); !b.Fits(used) {
			t.Fatalf("tick %d: target %s uses %.0f MB in-process, the budget allows %.0f (status %s)", tick, d.Target, used, b.CapacityMB(), d.Status)
		}
	}
}
