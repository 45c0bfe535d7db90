package policy_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

func TestCostModelPlacesModulesWithNoMode(t *testing.T) {
	p, _ := policy.New(policy.NameCostModel, nil)
	obs := policy.Observation{At: t0(), NodeMemMB: 4096, Modules: []policy.ModuleObs{
		{Name: "busy", Mode: policy.ModeNone, MemMB: 500},
		{Name: "idle", Mode: policy.ModeNone, MemMB: 500},
	}}
	d := p.Tick(obs)
	checkDecision(t, obs, d)
	if len(d.Moves) != 2 || d.Target["busy"] != policy.ModeRemote {
		t.Fatalf("modules with no mode not placed: %v", d.Moves)
	}
}

func TestCostModelOverBudgetIsFixedAtOnce(t *testing.T) {
	cat := []policy.SimModule{{Name: "big", MemMB: 3000, CPUMs: 5}, {Name: "small", MemMB: 500, CPUMs: 5}}
	apps := []policy.SimApp{{Name: "x", Modules: []string{"big", "small"}}}
	p, _ := policy.New(policy.NameCostModel, nil)
	tr, err := policy.Run(p, policy.RunConfig{Modules: cat, Apps: apps, Workload: []policy.Segment{{App: "x", Ticks: 5}},
		NodeMemMB: 4096, Start: policy.Placement{"big": policy.ModeModule, "small": policy.ModeModule}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Steps[0]; got.Phase != "over-budget" || got.LocalMemMB > tr.Budget.CapacityMB() {
		t.Fatalf("tick 1: phase %s, %v MB in-process of %v", got.Phase, got.LocalMemMB, tr.Budget.CapacityMB())
	}
	if tr.MaxLocalMemMB() > tr.Budget.CapacityMB() {
		t.Fatalf("over budget after a move: %v MB", tr.MaxLocalMemMB())
	}
}

// TestCostModelCorrectsAWrongGuess runs a module that computes slower
// in-process than on its own server: the first plan, made on the estimated
// hop, moves it in; its first measurement shows the loss and it goes back at
// once, then stays.
func TestCostModelCorrectsAWrongGuess(t *testing.T) {
	cat := []policy.SimModule{
		{Name: "gpu", MemMB: 500, CPUMs: 5, ModuleCPUMs: 12, ResponseBytes: 1000},
		{Name: "plain", MemMB: 500, CPUMs: 5, ResponseBytes: 1000},
	}
	apps := []policy.SimApp{{Name: "x", Modules: []string{"gpu", "plain"}}}
	p, _ := policy.New(policy.NameCostModel, nil)
	tr, err := policy.Run(p, policy.RunConfig{Modules: cat, Apps: apps, Workload: []policy.Segment{{App: "x", Ticks: 60}},
		NodeMemMB: 8192, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	sw := tr.Switches()
	if fmt.Sprint(sw["gpu"]) != "[1 2]" || fmt.Sprint(sw["plain"]) != "[1]" {
		t.Fatalf("switches %v, want gpu at ticks 1 and 2, plain at tick 1", sw)
	}
	want := policy.Placement{"gpu": policy.ModeRemote, "plain": policy.ModeModule}
	if !tr.Final().Equal(want) {
		t.Fatalf("final %s, want %s", tr.Final(), want)
	}
	if mv := tr.Steps[1].Moves[0]; mv.Module != "gpu" || mv.To != policy.ModeRemote {
		t.Fatalf("tick 2 move %v", mv)
	}
}

// TestCostModelHysteresis checks the gain threshold: a better plan saving
// less than min_gain_pct of the request latency is not adopted.
func TestCostModelHysteresis(t *testing.T) {
	ms := time.Millisecond
	obs := func(tick int, remoteMean time.Duration) policy.Observation {
		return policy.Observation{At: t0().Add(time.Duration(tick) * time.Second), NodeMemMB: 8192,
			Modules: []policy.ModuleObs{
				{Name: "a", Mode: policy.ModeRemote, MemMB: 100, Remote: policy.CallStats{Count: 100, Mean: remoteMean}},
				{Name: "heavy", Mode: policy.ModeRemote, MemMB: 100, Remote: policy.CallStats{Count: 100, Mean: 100 * ms}},
			},
			Apps: []policy.AppObs{{Name: "x", Requests: 100, Mean: remoteMean + 100*ms}}}
	}
	tests := []struct {
		name  string
		hop   float64
		moves int
	}{
		{"gain below 2% of 110 ms", 1, 0},   // two modules × 1 ms = 2 ms < 2.2 ms
		{"gain above 2% of 110 ms", 1.5, 2}, // 3 ms
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := policy.New(policy.NameCostModel, map[string]any{"hop_ms": tc.hop})
			d := p.Tick(obs(1, 10*ms))
			if len(d.Moves) != tc.moves {
				t.Fatalf("%d moves, want %d: %s", len(d.Moves), tc.moves, d.Status)
			}
		})
	}
}

// TestCostModelShiftWithinDwell shifts the workload right after the first
// moves, while they are still locked by min_dwell: the shift lifts the lock.
func TestCostModelShiftWithinDwell(t *testing.T) {
	for _, gb := range []float64{4, 6} {
		t.Run(fmt.Sprint(gb), func(t *testing.T) {
			p, _ := policy.New(policy.NameCostModel, nil)
			tr, err := policy.Run(p, policy.RunConfig{
				Workload:  []policy.Segment{{App: "flight_chatbot", Ticks: 3}, {App: "flow_analysis", Ticks: 30}},
				NodeMemMB: gb * 1024, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			last := tr.LastChange()
			if last <= 3 || last > 3+3 {
				t.Fatalf("last move at tick %d, want within 3 ticks of the shift at tick 3", last)
			}
			rows, _ := policy.Simulate(policy.SimConfig{AppNames: []string{"flow_analysis"}, BudgetsGB: []float64{gb}})
			for _, r := range rows {
				if r.Policy == policy.SimOracle {
					var got float64
					if got = tr.Steps[len(tr.Steps)-1].LatencyMs; got > 1.05*r.MeanLatencyMs {
						t.Fatalf("after the shift %.2f ms, oracle %.2f ms", got, r.MeanLatencyMs)
					}
				}
			}
		})
	}
}

func BenchmarkCostModelTick30(b *testing.B) {
	var mods []policy.ModuleObs
	for i := range 30 {
		m := policy.ModuleObs{Name: fmt.Sprintf("mod%02d", i), Mode: policy.ModeRemote, MemMB: float64(100 + 97*i)}
		cs := policy.CallStats{Count: uint64(50 + i), Mean: time.Duration(5+i%7) * time.Millisecond, Bytes: uint64(1000 * (i + 1))}
		if i%3 == 0 {
			m.Mode, m.Module = policy.ModeModule, cs
		} else {
			m.Remote = cs
		}
		mods = append(mods, m)
	}
	obs := policy.Observation{At: t0(), NodeMemMB: 8192, Modules: mods,
		Apps: []policy.AppObs{{Name: "x", Requests: 50, Mean: 200 * time.Millisecond}}}
	p, _ := policy.New(policy.NameCostModel, nil)
	p.Tick(obs)
	b.ReportAllocs()
	for b.Loop() {
		obs.At = obs.At.Add(time.Second)
		p.Tick(obs)
	}
}

// TestCostModelUsesServerTime: a module's own server says how long the
// work took, so the model knows each module's hop, however far its server
// is, before moving anything; only one module fits in-process, and the one
// whose hop is larger goes, where a hop shared by all would not tell them
// apart.
func TestCostModelUsesServerTime(t *testing.T) {
	ms := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	cases := []struct {
		name       string
		far, near  policy.CallStats
		wantMove   string // "" for no move
		wantReason string
	}{
		{
			name:       "the far server's module goes in-process",
			far:        policy.CallStats{Count: 100, Mean: ms(10), Stddev: ms(0.5), Server: ms(2)},
			near:       policy.CallStats{Count: 100, Mean: ms(11), Stddev: ms(0.5), Server: ms(8)},
			wantMove:   "far",
			wantReason: "the time its server reported",
		},
		{
			name:       "the near server's module goes when its hop is the larger",
			far:        policy.CallStats{Count: 100, Mean: ms(10), Stddev: ms(0.5), Server: ms(9)},
			near:       policy.CallStats{Count: 100, Mean: ms(11), Stddev: ms(0.5), Server: ms(4)},
			wantMove:   "near",
			wantReason: "saves 7.00",
		},
		{
			name:     "no hop worth a move",
			far:      policy.CallStats{Count: 100, Mean: ms(10), Stddev: ms(0.5), Server: ms(9.99)},
			near:     policy.CallStats{Count: 100, Mean: ms(11), Stddev: ms(0.5), Server: ms(10.99)},
			wantMove: "",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.New(policy.NameCostModel, nil)
			if err != nil {
				t.Fatal(err)
			}
			// 0.8 × 1000 − 100 = 700 MB: one of the two 500 MB modules fits.
			obs := policy.Observation{At: t0(), Window: time.Second, NodeMemMB: 1000, BaseMemMB: 100,
				Apps: []policy.AppObs{{Name: "app", Requests: 100, Mean: ms(25)}},
				Modules: []policy.ModuleObs{
					{Name: "far", Mode: policy.ModeRemote, MemMB: 500, Remote: tc.far},
					{Name: "near", Mode: policy.ModeRemote, MemMB: 500, Remote: tc.near},
				}}
			d := p.Tick(obs)
			checkDecision(t, obs, d)
			if tc.wantMove == "" {
				if len(d.Moves) != 0 {
					t.Fatalf("moves %v, want none: %s", d.Moves, d.Status)
				}
				return
			}
			if len(d.Moves) != 1 || d.Moves[0].Module != tc.wantMove || d.Moves[0].To != policy.ModeModule {
				t.Fatalf("moves %v, want %s in-process: %s", d.Moves, tc.wantMove, d.Status)
			}
			if !strings.Contains(d.Moves[0].Reason, tc.wantReason) {
				t.Fatalf("reason %q does not say %q", d.Moves[0].Reason, tc.wantReason)
			}
		})
	}
}
