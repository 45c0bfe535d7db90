package policy_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/policy"
)

// models are the latency models the targets are checked under: the default,
// and variations where the costmodel's prior hop (1 ms) is far from the
// truth, payloads weigh more, or measurements are noisier.
func models() map[string]*policy.LatencyModel {
	m := func(f func(*policy.LatencyModel)) *policy.LatencyModel {
		l := policy.DefaultLatencyModel()
		f(&l)
		return &l
	}
	return map[string]*policy.LatencyModel{
		"default":              nil,
		"slow hop 8 ms":        m(func(l *policy.LatencyModel) { l.HopMs = 8 }),
		"fast hop 0.5":         m(func(l *policy.LatencyModel) { l.HopMs = 0.5 }),
		"10 MB/s":              m(func(l *policy.LatencyModel) { l.BandwidthMBps = 10 }),
		"noise 30%":            m(func(l *policy.LatencyModel) { l.Noise = 0.3 }),
		"4 clients":            m(func(l *policy.LatencyModel) { l.Clients = 4 }),
		"no stddev":            m(func(l *policy.LatencyModel) { l.HideStddev = true }),
		"no stddev, noise 30%": m(func(l *policy.LatencyModel) { l.HideStddev = true; l.Noise = 0.3 }),
	}
}

func TestSimulateTargets(t *testing.T) {
	for name, model := range models() {
		for _, seed := range []uint64{1, 2} {
			t.Run(fmt.Sprintf("%s/seed%d", name, seed), func(t *testing.T) {
				t.Parallel()
				rows, err := policy.Simulate(policy.SimConfig{Model: model, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 8*3*5 {
					t.Fatalf("%d rows, want 120", len(rows))
				}
				type key struct {
					app string
					gb  float64
				}
				byKey := map[key]map[string]policy.Row{}
				for _, r := range rows {
					k := key{r.App, r.BudgetGB}
					if byKey[k] == nil {
						byKey[k] = map[string]policy.Row{}
					}
					byKey[k][r.Policy] = r
				}
				for k, g := range byKey {
					oracle, eval, own := g[policy.SimOracle], g[policy.NameEvaluation], g[policy.NameCostModel]
					if own.MeanLatencyMs > 1.05*oracle.MeanLatencyMs {
						t.Errorf("%v: costmodel %.2f ms > oracle %.2f ms + 5%%", k, own.MeanLatencyMs, oracle.MeanLatencyMs)
					}
					if own.Ticks > 3 {
						t.Errorf("%v: costmodel needed %d ticks", k, own.Ticks)
					}
					if own.Modules >= 3 && 4*own.Ticks > eval.Ticks {
						t.Errorf("%v: costmodel %d ticks, evaluation %d: not 4× fewer", k, own.Ticks, eval.Ticks)
					}
					for _, p := range []string{policy.SimAllLocal, policy.SimAllRemote, policy.SimOracle} {
						if g[p].Ticks != 0 || g[p].Switches != 0 {
							t.Errorf("%v: static %s has ticks %d", k, p, g[p].Ticks)
						}
					}
					for p, r := range g {
						if r.Fits && r.MeanLatencyMs < oracle.MeanLatencyMs-1e-9 {
							t.Errorf("%v: %s %.3f ms beats the oracle %.3f", k, p, r.MeanLatencyMs, oracle.MeanLatencyMs)
						}
						if r.Fits && r.RunTicks != g[policy.NameEvaluation].RunTicks {
							t.Errorf("%v: %s ran %d ticks, evaluation %d", k, p, r.RunTicks, eval.RunTicks)
						}
					}
					if local := g[policy.SimAllLocal]; !local.Fits && (local.Note == "" || local.MeanLatencyMs != 0) {
						t.Errorf("%v: all_local not fitting but %+v", k, local)
					}
					if own.RunMeanMs >= eval.RunMeanMs {
						t.Errorf("%v: costmodel's run mean %.2f ms not below evaluation's %.2f", k, own.RunMeanMs, eval.RunMeanMs)
					}
				}
				if miss := policy.CheckTargets(rows, policy.NameCostModel); len(miss) > 0 {
					t.Errorf("CheckTargets: %v", miss)
				}
			})
		}
	}
}

// TestSimulateJSORCFigures pins a few rows of the default simulation.
func TestSimulateJSORCFigures(t *testing.T) {
	rows, err := policy.Simulate(policy.SimConfig{Seed: 1, AppNames: []string{"virtual_assistant", "zeroshot_faq_bot"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"virtual_assistant@4/all_local":  "fits=false",
		"virtual_assistant@4/oracle":     "bi_enc=module ent_ext=remote summarization=remote use_enc=remote use_qa=module",
		"virtual_assistant@8/costmodel":  "bi_enc=module ent_ext=module summarization=module use_enc=remote use_qa=module",
		"zeroshot_faq_bot@4/all_local":   "fits=false",
		"zeroshot_faq_bot@6/all_local":   "text_seg=module use_qa=module",
		"zeroshot_faq_bot@4/evaluation":  "text_seg=remote use_qa=module",
		"virtual_assistant@6/evaluation": "ticks=160",
		"zeroshot_faq_bot@6/costmodel":   "ticks=1",
	}
	for _, r := range rows {
		k := fmt.Sprintf("%s@%g/%s", r.App, r.BudgetGB, r.Policy)
		w, ok := want[k]
		if !ok {
			continue
		}
		var got string
		switch {
		case strings.HasPrefix(w, "fits="):
			got = fmt.Sprintf("fits=%v", r.Fits)
		case strings.HasPrefix(w, "ticks="):
			got = fmt.Sprintf("ticks=%d", r.Ticks)
		default:
			got = r.Placement.String()
		}
		if got != w {
			t.Errorf("%s: %s, want %s", k, got, w)
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("rows missing: %v", want)
	}
}

func TestSimulateDeterministic(t *testing.T) {
	a, err := policy.Simulate(policy.SimConfig{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := policy.Simulate(policy.SimConfig{Seed: 7})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two simulations with the same seed differ")
	}
}

// TestWorkloadShift switches the clients from one app to another, for every
// ordered pair of JSORC's apps at every budget: the costmodel re-plans within
// 3 ticks and ends within 5% of the oracle for the new app.
func TestWorkloadShift(t *testing.T) {
	apps := policy.JSORCApps()
	for _, gb := range []float64{4, 6, 8} {
		for _, from := range apps {
			for _, to := range apps {
				if from.Name == to.Name {
					continue
				}
				t.Run(fmt.Sprintf("%s→%s@%g", from.Name, to.Name, gb), func(t *testing.T) {
					t.Parallel()
					r, err := policy.SimulateShift(policy.SimConfig{Seed: 5}, from.Name, to.Name, gb)
					if err != nil {
						t.Fatal(err)
					}
					if r.ReplanTicks > 3 {
						t.Errorf("re-planned in %d ticks: %s", r.ReplanTicks, r)
					}
					if r.AfterMs > 1.05*r.OracleMs {
						t.Errorf("after the shift %.2f ms, oracle %.2f: %s", r.AfterMs, r.OracleMs, r)
					}
				})
			}
		}
	}
}

// TestNoFlapping runs every app at every budget for 100 steady ticks, with
// ordinary and heavy noise: no module switches more than once in 10 ticks.
func TestNoFlapping(t *testing.T) {
	for _, c := range []struct {
		noise float64
		hide  bool
	}{{0.1, false}, {0.5, false}, {0.1, true}, {0.5, true}} {
		noise := c.noise
		model := policy.DefaultLatencyModel()
		model.Noise, model.HideStddev = noise, c.hide
		for _, seed := range []uint64{1, 2, 3} {
			for _, a := range policy.JSORCApps() {
				for _, gb := range []float64{4, 6, 8} {
					r, err := policy.SimulateSteady(policy.SimConfig{Model: &model, Seed: seed}, a.Name, gb, 100)
					if err != nil {
						t.Fatal(err)
					}
					if r.MaxPer10 > 1 {
						t.Errorf("noise %v hide %v seed %d: %s", noise, c.hide, seed, r)
					}
					if r.FinalMs > 1.05*r.OracleMs {
						t.Errorf("noise %v hide %v seed %d: final %.2f ms vs oracle %.2f", noise, c.hide, seed, r.FinalMs, r.OracleMs)
					}
				}
			}
		}
	}
}

func TestTable(t *testing.T) {
	rows, err := policy.Simulate(policy.SimConfig{AppNames: []string{"flow_analysis"}, BudgetsGB: []float64{4}})
	if err != nil {
		t.Fatal(err)
	}
	out := policy.Table(rows)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1+len(rows) {
		t.Fatalf("%d lines for %d rows:\n%s", len(lines), len(rows), out)
	}
	col := strings.Index(lines[0], "POLICY")
	for _, l := range lines[1:] {
		if l[col-1] != ' ' || l[col] == ' ' {
			t.Fatalf("POLICY column misaligned at %d:\n%s", col, out)
		}
	}
	for _, want := range []string{"does not fit: needs 6718 MB in-process", "oracle", "+0.0%", "in-process: text_seg,tfm_ner"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestSimulateReport(t *testing.T) {
	r, err := policy.SimulateReport(policy.SimConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Misses) > 0 || len(r.Shifts) != len(policy.DefaultShifts()) || len(r.Steady) != 24 {
		t.Fatalf("report: misses %v, %d shifts, %d steady", r.Misses, len(r.Shifts), len(r.Steady))
	}
	s := r.String()
	for _, want := range []string{"latency model:", "targets: all met", "shift flight_chatbot → flow_analysis"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestRunErrors(t *testing.T) {
	p, _ := policy.New(policy.NameDefault, nil)
	tests := []struct {
		name string
		cfg  policy.RunConfig
		msg  string
	}{
		{"no memory", policy.RunConfig{Workload: []policy.Segment{{App: "flight_chatbot", Ticks: 1}}}, "NodeMemMB"},
		{"unknown app", policy.RunConfig{NodeMemMB: 1024, Workload: []policy.Segment{{App: "nope", Ticks: 1}}}, `unknown app "nope"`},
		{"unknown module", policy.RunConfig{NodeMemMB: 1024, Load: []string{"nope"}, Workload: []policy.Segment{{App: "flight_chatbot", Ticks: 1}}}, `unknown module "nope"`},
		{"bad catalog", policy.RunConfig{NodeMemMB: 1024, Apps: []policy.SimApp{{Name: "x", Modules: []string{"ghost"}}}}, `unknown module "ghost"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := policy.Run(p, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want %q", err, tc.msg)
			}
		})
	}
	if _, err := policy.Simulate(policy.SimConfig{Policy: "nope"}); err == nil {
		t.Error("Simulate accepted an unknown policy")
	}
}

// TestSimulateWasm: fed the wasm module's measured size, jsorc's policy
// brings it in-process beside the big modules and reaches the oracle;
// fed the size a config would declare, it cannot.
func TestSimulateWasm(t *testing.T) {
	sc, err := policy.SimulateWasm(policy.SimConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Measured.Final[sc.Module] != policy.ModeModule {
		t.Errorf("measured: %s placed %v, want in-process", sc.Module, sc.Measured.Final)
	}
	if sc.Declared.Final[sc.Module] == policy.ModeModule {
		t.Errorf("declared: %s placed in-process although its declared size does not fit", sc.Module)
	}
	if sc.Measured.MeanMs >= sc.Declared.MeanMs || sc.Measured.MeanMs > sc.Measured.OracleMs*1.05 {
		t.Errorf("measured %.2f ms (oracle %.2f), declared %.2f ms", sc.Measured.MeanMs, sc.Measured.OracleMs, sc.Declared.MeanMs)
	}
	if !strings.Contains(sc.String(), "measured") {
		t.Errorf("String: %s", sc.String())
	}
}
