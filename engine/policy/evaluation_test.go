package policy_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// grayOrder lists the fitting candidates as the evaluation policy documents
// them: candidate k flips, relative to start (no mode = remote), the modules
// whose bit is set in k XOR k>>1, bit i being the i-th module in name order.
func grayOrder(mods []mod, start policy.Placement, nodeMB, baseMB float64) []policy.Placement {
	names := make([]string, len(mods))
	for i, m := range mods {
		names[i] = m.name
	}
	slices.Sort(names)
	var out []policy.Placement
	for k := range 1 << len(names) {
		g := k ^ (k >> 1)
		p := policy.Placement{}
		for i, n := range names {
			mode := start[n]
			if mode != policy.ModeModule {
				mode = policy.ModeRemote
			}
			if g>>i&1 == 1 {
				if mode == policy.ModeModule {
					mode = policy.ModeRemote
				} else {
					mode = policy.ModeModule
				}
			}
			p[n] = mode
		}
		if fits(mods, p, nodeMB, baseMB) {
			out = append(out, p)
		}
	}
	return out
}

// costOf is a latency function: a base plus a per-module cost that depends
// on its mode.
func costOf(local, remote map[string]time.Duration) func(policy.Placement) time.Duration {
	return func(p policy.Placement) time.Duration {
		d := 5 * time.Millisecond
		for n, m := range p {
			if m == policy.ModeModule {
				d += local[n]
			} else {
				d += remote[n]
			}
		}
		return d
	}
}

func TestEvaluationGrayOrderAndBest(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		mods   []mod
		nodeMB float64
		start  policy.Placement
		local  map[string]time.Duration
		remote map[string]time.Duration
	}{
		{
			name: "three modules, all fit, from remote", nodeMB: 8192,
			mods:  []mod{{"a", 100}, {"b", 200}, {"c", 300}},
			start: policy.Placement{"a": policy.ModeRemote, "b": policy.ModeRemote, "c": policy.ModeRemote},
			local: map[string]time.Duration{"a": 2 * ms, "b": 9 * ms, "c": 1 * ms}, remote: map[string]time.Duration{"a": 4 * ms, "b": 6 * ms, "c": 5 * ms},
		},
		{
			name: "JSORC's flow_analysis at 4 GB, no mode yet", nodeMB: 4096,
			mods:  []mod{{"text_seg", 1706}, {"tfm_ner", 1014}, {"use_enc", 3998}},
			start: policy.Placement{},
			local: map[string]time.Duration{"text_seg": 8 * ms, "tfm_ner": 12 * ms, "use_enc": 10 * ms}, remote: map[string]time.Duration{"text_seg": 10 * ms, "tfm_ner": 14 * ms, "use_enc": 12 * ms},
		},
		{
			name: "four modules from a mixed placement, tight budget", nodeMB: 2000,
			mods:  []mod{{"w", 500}, {"x", 700}, {"y", 400}, {"z", 900}},
			start: policy.Placement{"w": policy.ModeModule, "x": policy.ModeRemote, "y": policy.ModeModule, "z": policy.ModeRemote},
			local: map[string]time.Duration{"w": 3 * ms, "x": 1 * ms, "y": 3 * ms, "z": 1 * ms}, remote: map[string]time.Duration{"w": 3 * ms, "x": 6 * ms, "y": 4 * ms, "z": 9 * ms},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.New(policy.NameEvaluation, map[string]any{"eval_phase": 3, "perf_phase": 1000})
			if err != nil {
				t.Fatal(err)
			}
			lat := costOf(tc.local, tc.remote)
			d := newDriver(t, p, tc.mods, tc.nodeMB, tc.start, lat)
			want := grayOrder(tc.mods, tc.start, tc.nodeMB, policy.DefaultBaseMemMB)
			var visited []policy.Placement
			var dec policy.Decision
			for range 3*len(want) + 5 {
				dec = d.step()
				if dec.Phase == "evaluating" && (len(visited) == 0 || !visited[len(visited)-1].Equal(dec.Target)) {
					visited = append(visited, dec.Target.Clone())
				}
			}
			if len(visited) != len(want) {
				t.Fatalf("visited %d candidates, want %d:\n got %v\nwant %v", len(visited), len(want), visited, want)
			}
			for i := range want {
				if !visited[i].Equal(want[i]) {
					t.Fatalf("candidate %d is %s, want %s (Gray order)", i, visited[i], want[i])
				}
			}
			best := want[0]
			for _, c := range want {
				if lat(c) < lat(best) {
					best = c
				}
			}
			if dec.Phase != "holding" || !dec.Target.Equal(best) || !d.place.Equal(best) {
				t.Fatalf("after the round: phase %s target %s placement %s, want the best %s (%v)",
					dec.Phase, dec.Target, d.place, best, lat(best))
			}
			if want := 3 * len(want); d.tick < want {
				t.Fatalf("round took %d ticks, want at least %d", d.tick, want)
			}
		})
	}
}

func TestEvaluationPerfPhaseDoubling(t *testing.T) {
	ms := time.Millisecond
	mods := []mod{{"a", 100}, {"b", 100}}
	prefersA := costOf(map[string]time.Duration{"a": 1 * ms, "b": 5 * ms}, map[string]time.Duration{"a": 5 * ms, "b": 1 * ms})
	prefersB := costOf(map[string]time.Duration{"a": 5 * ms, "b": ms / 2}, map[string]time.Duration{"a": 1 * ms, "b": 5 * ms})
	tests := []struct {
		name string
		// which latency function each round runs under
		rounds []func(policy.Placement) time.Duration
		holds  []int // expected hold lengths in ticks
	}{
		{"best unchanged doubles", []func(policy.Placement) time.Duration{prefersA, prefersA, prefersA, prefersA}, []int{5, 10, 20, 40}},
		{"best changed resets", []func(policy.Placement) time.Duration{prefersA, prefersA, prefersB, prefersB}, []int{5, 10, 5, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := policy.New(policy.NameEvaluation, map[string]any{"eval_phase": 1, "perf_phase": 5})
			round := 0
			d := newDriver(t, p, mods, 8192, policy.Placement{}, func(pl policy.Placement) time.Duration {
				return tc.rounds[min(round, len(tc.rounds)-1)](pl)
			})
			var holds []int
			run, last := 0, ""
			for len(holds) < len(tc.holds) && d.tick < 1000 {
				dec := d.step()
				if dec.Phase == "holding" {
					run++
				} else if last == "holding" {
					holds = append(holds, run)
					run = 0
					round++
				}
				last = dec.Phase
			}
			if fmt.Sprint(holds) != fmt.Sprint(tc.holds) {
				t.Fatalf("holds %v, want %v", holds, tc.holds)
			}
		})
	}
}

func TestEvaluationWaits(t *testing.T) {
	p, _ := policy.New(policy.NameEvaluation, nil)
	// Unknown node memory: wait, but place modules that have no mode.
	d := p.Tick(policy.Observation{At: t0(), Modules: []policy.ModuleObs{{Name: "a", MemMB: 10}}})
	if d.Phase != "waiting" || len(d.Moves) != 1 || d.Moves[0].To != policy.ModeRemote {
		t.Fatalf("unknown budget: %+v", d)
	}
	// Too many modules to enumerate: over budget becomes all remote.
	var mods []policy.ModuleObs
	for i := range policy.MaxEvaluationModules + 1 {
		mods = append(mods, policy.ModuleObs{Name: fmt.Sprintf("m%d", i), Mode: policy.ModeModule, MemMB: 1000})
	}
	d = p.Tick(policy.Observation{At: t0(), NodeMemMB: 4096, Modules: mods})
	if d.Phase != "waiting" || len(d.Moves) != len(mods) {
		t.Fatalf("too many modules: %s, %d moves", d.Status, len(d.Moves))
	}
}

// TestEvaluationSkipsStuckCandidate checks that a candidate the engine never
// puts in place does not hang the policy (JSORC's none → remote defect).
func TestEvaluationSkipsStuckCandidate(t *testing.T) {
	p, _ := policy.New(policy.NameEvaluation, map[string]any{"eval_phase": 1, "perf_phase": 100})
	obs := func(tick int, mode policy.Mode) policy.Observation {
		return policy.Observation{At: t0().Add(time.Duration(tick) * time.Second), NodeMemMB: 4096,
			Modules: []policy.ModuleObs{{Name: "a", Mode: mode, MemMB: 10}}}
	}
	var d policy.Decision
	for tick := 1; tick <= 100; tick++ {
		d = p.Tick(obs(tick, policy.ModeNone)) // the engine never applies anything
	}
	if d.Phase != "holding" {
		t.Fatalf("still %s after 100 s: %s", d.Phase, d.Status)
	}
}
