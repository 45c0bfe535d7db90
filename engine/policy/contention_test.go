package policy_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// TestCostModelLearnsContention runs the cost model on a runtime where
// in-process work slows the rest of the request: each module's calls are
// faster in-process (6 ms vs 10 ms remote), but every in-process ms costs
// the request kappa ms more elsewhere (handling, other calls), which no
// per-call figure shows. With kappa 3 both modules in-process cost 53 ms a
// request against 25 ms all remote: the model must learn it from its own
// move and go back. With kappa 0 it must keep them in-process.
func TestCostModelLearnsContention(t *testing.T) {
	for _, tc := range []struct {
		name       string
		kappa      float64
		want       policy.Mode
		maxSwitch  int
		wantStatus string
	}{
		{"contended runtime", 3, policy.ModeRemote, 4, "in-process contention"},
		{"free cores", 0, policy.ModeModule, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.New(policy.NameCostModel, nil)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(5, 6))
			noisy := func(msv float64) time.Duration {
				return time.Duration(msv * (1 + 0.02*(rng.Float64()*2-1)) * float64(time.Millisecond))
			}
			place := policy.Placement{"a": policy.ModeRemote, "b": policy.ModeRemote}
			since := map[string]time.Time{}
			switches := 0
			var last policy.Decision
			for tick := 1; tick <= 40; tick++ {
				at := t0().Add(time.Duration(tick) * time.Second)
				req, inProc := 5.0, 0.0
				obs := policy.Observation{At: at, Window: time.Second, NodeMemMB: 1000, BaseMemMB: 30}
				for _, name := range []string{"a", "b"} {
					m := policy.ModuleObs{Name: name, Mode: place[name], Since: since[name], MemMB: 100}
					if place[name] == policy.ModeModule {
						m.Module = policy.CallStats{Count: 50, Mean: noisy(6)}
						req += 6
						inProc += 6
					} else {
						m.Remote = policy.CallStats{Count: 50, Mean: noisy(10), Bytes: 50 * 1000}
						req += 10
					}
					obs.Modules = append(obs.Modules, m)
				}
				req += tc.kappa * inProc
				obs.Apps = []policy.AppObs{{Name: "app", Requests: 50, Mean: noisy(req)}}
				last = p.Tick(obs)
				checkDecision(t, obs, last)
				for _, mv := range last.Moves {
					place[mv.Module] = mv.To
					since[mv.Module] = at
					switches++
				}
			}
			if place["a"] != tc.want || place["b"] != tc.want {
				t.Errorf("final placement %v, want both %s; status: %s", place, tc.want, last.Status)
			}
			if switches > tc.maxSwitch {
				t.Errorf("%d switches, want at most %d", switches, tc.maxSwitch)
			}
			if tc.wantStatus != "" && !strings.Contains(last.Status, tc.wantStatus) {
				t.Errorf("status %q does not report the learnt %s", last.Status, tc.wantStatus)
			}
		})
	}
}
