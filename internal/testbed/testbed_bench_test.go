//go:build testbed

package testbed

// The policy testbed's driver: make bench runs it in its short mode;
// JSORC_TESTBED=long runs the long one; JSORC_TESTBED_OUT=DIR also writes
// the results (JSON) and plots (SVG) there. See docs/policies.md.

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/policy"
)

// bedConfig is one mode of the testbed run.
type bedConfig struct {
	Mode        string        `json:"mode"`
	Apps        []string      `json:"apps"`
	ShiftFrom   string        `json:"shift_from"`
	ShiftTo     string        `json:"shift_to"`
	CPUScale    float64       `json:"cpu_scale"`
	Clients     int           `json:"clients"`
	HandleCPUMs float64       `json:"handle_cpu_ms"`
	CapFraction float64       `json:"capacity_fraction"`
	BaseMemMB   float64       `json:"base_mem_mb"`
	Window      time.Duration `json:"window"` // a policy tick
	// OracleWindow is one measuring window of the oracle.
	OracleWindow time.Duration `json:"oracle_window"`
	Settle       time.Duration `json:"settle"`
	Rounds       int           `json:"rounds"`
	Ticks        int           `json:"ticks"`
	ShiftTicks   int           `json:"shift_ticks"`
	EvalPhase    time.Duration `json:"eval_phase"`
	PerfPhase    time.Duration `json:"perf_phase"`
}

func bedMode(mode string) (bedConfig, error) {
	c := bedConfig{
		Mode: "short", Apps: []string{"zeroshot_faq_bot", "flow_analysis", "restaurant_chatbot"},
		ShiftFrom: "zeroshot_faq_bot", ShiftTo: "flight_chatbot",
		CPUScale: 0.25, Clients: 3, HandleCPUMs: 1, CapFraction: 0.6, BaseMemMB: 30,
		Window: time.Second, OracleWindow: 500 * time.Millisecond, Settle: 200 * time.Millisecond, Rounds: 6,
		Ticks: 30, ShiftTicks: 10,
		EvalPhase: time.Second, PerfPhase: 10 * time.Second,
	}
	switch mode {
	case "", "short":
		return c, nil
	case "long":
		c.Mode = "long"
		c.Apps = []string{"zeroshot_faq_bot", "sentence_pairing", "discussion_analysis", "flight_chatbot",
			"restaurant_chatbot", "virtual_assistant", "flow_analysis", "weather_and_time_assistance"}
		c.Window, c.OracleWindow, c.Rounds, c.Ticks, c.ShiftTicks = 2*time.Second, time.Second, 12, 60, 15
		c.EvalPhase, c.PerfPhase = 2*time.Second, 30*time.Second
		return c, nil
	}
	return c, fmt.Errorf("JSORC_TESTBED=%q: want short or long", mode)
}

// hopOf places each module's server at its own distance: 0.5–3 ms each
// way plus 0.5–2 ms of jitter, fixed by the module's name.
func hopOf(module string) Hop {
	h := fnv.New32a()
	h.Write([]byte(module))
	v := h.Sum32()
	return Hop{
		Delay:  time.Duration(500+int(v%11)*250) * time.Microsecond,
		Jitter: time.Duration(500+int(v/11%7)*250) * time.Microsecond,
	}
}

// appResult is one app's figures.
type appResult struct {
	App        string             `json:"app"`
	Modules    []string           `json:"modules"`
	Budget     policy.Budget      `json:"budget"`
	Placements []Measured         `json:"placements"`
	Best       int                `json:"best"`
	CostModel  Trace              `json:"costmodel"`
	Evaluation Trace              `json:"evaluation"`
	CMGapPct   float64            `json:"costmodel_gap_pct"`
	CMNoisePct float64            `json:"costmodel_gap_se_pct"`
	EvGapPct   float64            `json:"evaluation_gap_pct"`
	EvNoisePct float64            `json:"evaluation_gap_se_pct"`
	Hops       map[string]Hop     `json:"hops"`
	MemMB      map[string]float64 `json:"mem_mb"`
	Load       [2]float64         `json:"load_avg_1m"` // before, after
}

// shiftResult is the workload-shift figures.
type shiftResult struct {
	From          string     `json:"from"`
	To            string     `json:"to"`
	Trace         Trace      `json:"trace"`
	Placements    []Measured `json:"placements"`
	Best          int        `json:"best"`
	TicksToWithin int        `json:"ticks_to_within_3pct"` // -1: never
	FinalGapPct   float64    `json:"final_gap_pct"`
}

func TestPolicyTestbed(t *testing.T) {
	cfg, err := bedMode(os.Getenv("JSORC_TESTBED"))
	if err != nil {
		t.Fatal(err)
	}
	if only := os.Getenv("JSORC_TESTBED_APPS"); only != "" {
		cfg.Apps = strings.Split(only, ",")
	}
	out := os.Getenv("JSORC_TESTBED_OUT")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	mods, apps, err := LoadSpecs(mustRead(t, "../../testdata/jsorc_modules.yaml"), mustRead(t, "../../testdata/jsorc_apps.yaml"), cfg.CPUScale)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	fmt.Printf("policy testbed, %s mode: %d apps, cpu × %.2f, %d clients, %.1f ms handling per request, oracle windows %v × %d rounds, policies %d ticks of %v, %d cores, load %s\n",
		cfg.Mode, len(cfg.Apps), cfg.CPUScale, cfg.Clients, cfg.HandleCPUMs, cfg.OracleWindow, cfg.Rounds, cfg.Ticks, cfg.Window, nproc(), loadAvgString())

	var results []appResult
	for _, name := range cfg.Apps {
		if _, ok := apps[name]; !ok {
			t.Fatalf("JSORC_TESTBED_APPS: no app %q in testdata/jsorc_apps.yaml", name)
		}
		res, err := runApp(ctx, exe, cfg, apps[name], mods)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		results = append(results, res)
		printApp(res, cfg)
	}
	sh, err := runShift(ctx, exe, cfg, apps[cfg.ShiftFrom], apps[cfg.ShiftTo], mods)
	if err != nil {
		t.Fatalf("shift: %v", err)
	}
	printSummary(results, sh, cfg)
	if out != "" {
		if err := writeOut(out, cfg, results, sh); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range results {
		if r.CostModel.Errors+r.Evaluation.Errors > 0 {
			t.Errorf("%s: %d failed requests under costmodel, %d under evaluation", r.App, r.CostModel.Errors, r.Evaluation.Errors)
		}
	}
}

// appModules returns the modules an app calls.
func appModules(app App, mods map[string]Module) []Module {
	var out []Module
	for _, n := range app.Modules() {
		out = append(out, mods[n])
	}
	return out
}

// budgetFor leaves room in-process for CapFraction of the modules' memory.
func budgetFor(ms []Module, cfg bedConfig) policy.Budget {
	var sum float64
	for _, m := range ms {
		sum += m.MemMB
	}
	capMB := math.Round(cfg.CapFraction * sum)
	return policy.Budget{NodeMemMB: (capMB + cfg.BaseMemMB) / policy.MemLimitFraction, BaseMemMB: cfg.BaseMemMB}
}

// running starts a runtime for ms serving app and its clients.
func running(ctx context.Context, exe string, cfg bedConfig, ms []Module, app App) (*Runtime, func(), error) {
	r, err := NewRuntime(ctx, ms, Options{Exe: exe, Hop: hopOf, Clients: cfg.Clients, HandleCPUMs: cfg.HandleCPUMs, Seed: 1})
	if err != nil {
		return nil, nil, err
	}
	r.SetApp(app)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.Run(runCtx); close(done) }()
	r.Measure(ctx, cfg.Window) // warm the connections and the servers
	return r, func() { stop(); <-done; r.Close() }, nil
}

func runApp(ctx context.Context, exe string, cfg bedConfig, app App, mods map[string]Module) (appResult, error) {
	ms := appModules(app, mods)
	res := appResult{App: app.Name, Modules: app.Modules(), Budget: budgetFor(ms, cfg), Hops: map[string]Hop{}, MemMB: map[string]float64{}}
	for _, m := range ms {
		res.Hops[m.Name] = hopOf(m.Name)
		res.MemMB[m.Name] = m.MemMB
	}
	res.Load[0] = loadAvg()
	r, stop, err := running(ctx, exe, cfg, ms, app)
	if err != nil {
		return res, err
	}
	defer stop()
	allRemote := Placements(ms, res.Budget)[0]
	for _, pol := range []string{policy.NameCostModel, policy.NameEvaluation} {
		if _, err := r.Apply(allRemote); err != nil {
			return res, err
		}
		var params map[string]any
		if pol == policy.NameEvaluation {
			params = map[string]any{"eval_phase": cfg.EvalPhase.Seconds(), "perf_phase": cfg.PerfPhase.Seconds()}
		}
		p, err := policy.New(pol, params)
		if err != nil {
			return res, err
		}
		tr, err := Drive(ctx, r, p, res.Budget, cfg.Ticks, cfg.Window, nil)
		if err != nil {
			return res, err
		}
		if pol == policy.NameCostModel {
			res.CostModel = tr
		} else {
			res.Evaluation = tr
		}
	}
	cands := Placements(ms, res.Budget)
	res.Placements, res.Best, err = Oracle(ctx, r, cands, cfg.Rounds, cfg.OracleWindow, cfg.Settle)
	if err != nil {
		return res, err
	}
	res.CMGapPct, res.CMNoisePct = gapOf(res.Placements, res.Best, res.CostModel.Final())
	res.EvGapPct, res.EvNoisePct = gapOf(res.Placements, res.Best, res.Evaluation.Final())
	res.Load[1] = loadAvg()
	return res, nil
}

// gapOf is how much slower p measured than the best, in per cent, with the
// standard error of that difference. The error is paired: round r of p and
// of the best ran side by side, so the machine's slow swings cancel in
// their difference and only what differs between neighbouring windows
// remains.
func gapOf(ms []Measured, best int, p policy.Placement) (gap, se float64) {
	i := slices.IndexFunc(ms, func(m Measured) bool { return m.Placement.Equal(p) })
	if i < 0 {
		return math.NaN(), math.NaN()
	}
	if i == best {
		return 0, 0
	}
	b := ms[best].Mean()
	d := make([]float64, len(ms[i].WindowMs))
	for r := range d {
		d[r] = ms[i].WindowMs[r] - ms[best].WindowMs[r]
	}
	diff := Measured{WindowMs: d}
	return 100 * diff.Mean() / b, 100 * diff.SE() / b
}

func runShift(ctx context.Context, exe string, cfg bedConfig, from, to App, mods map[string]Module) (shiftResult, error) {
	sh := shiftResult{From: from.Name, To: to.Name, TicksToWithin: -1}
	union := appModules(App{Steps: append(slices.Clone(from.Steps), to.Steps...)}, mods)
	b := budgetFor(union, cfg)
	r, stop, err := running(ctx, exe, cfg, union, from)
	if err != nil {
		return sh, err
	}
	defer stop()
	p, err := policy.New(policy.NameCostModel, nil)
	if err != nil {
		return sh, err
	}
	sh.Trace, err = Drive(ctx, r, p, b, 2*cfg.ShiftTicks, cfg.Window, func(tick int) {
		if tick == cfg.ShiftTicks+1 {
			r.SetApp(to)
		}
	})
	if err != nil {
		return sh, err
	}
	sh.Placements, sh.Best, err = Oracle(ctx, r, Placements(union, b), cfg.Rounds, cfg.OracleWindow, cfg.Settle)
	if err != nil {
		return sh, err
	}
	// Ticks after the shift until the target is, and stays, within 3 % of
	// the best measured placement for the new app.
	within := func(pl policy.Placement) bool {
		g, _ := gapOf(sh.Placements, sh.Best, pl)
		return g <= 3
	}
	for k := len(sh.Trace.Ticks); k > cfg.ShiftTicks; k-- {
		if !within(sh.Trace.Ticks[k-1].Target) {
			break
		}
		sh.TicksToWithin = k - cfg.ShiftTicks
	}
	sh.FinalGapPct, _ = gapOf(sh.Placements, sh.Best, sh.Trace.Final())
	return sh, nil
}

func printApp(r appResult, cfg bedConfig) {
	fmt.Printf("\n%s (%s; in-process budget %.0f MB of %.0f MB for modules; load %.1f → %.1f)\n",
		r.App, strings.Join(r.Modules, ", "), r.Budget.CapacityMB(), totalMem(r), r.Load[0], r.Load[1])
	fmt.Printf("  %-4s %-58s %9s %7s %6s %s\n", "", "PLACEMENT (measured, interleaved)", "MEAN ms", "±SE", "CV%", "WINDOWS ms")
	order := make([]int, len(r.Placements))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmpF(r.Placements[a].Mean(), r.Placements[b].Mean()) })
	for _, i := range order {
		m := r.Placements[i]
		tag := ""
		if i == r.Best {
			tag = "best"
		}
		var who []string
		if m.Placement.Equal(r.CostModel.Final()) {
			who = append(who, "costmodel")
		}
		if m.Placement.Equal(r.Evaluation.Final()) {
			who = append(who, "evaluation")
		}
		ws := make([]string, len(m.WindowMs))
		for k, w := range m.WindowMs {
			ws[k] = fmt.Sprintf("%.2f", w)
		}
		fmt.Printf("  %-4s %-58s %9.2f %7.2f %6.1f %s  %s\n", tag, m.Placement, m.Mean(), m.SE(), 100*m.CV(), strings.Join(ws, " "), strings.Join(who, ","))
	}
	for _, tr := range []Trace{r.CostModel, r.Evaluation} {
		fmt.Printf("  %-10s %2d switches, last at tick %2d, run mean %.2f ms, %d errors, final [%s]\n",
			tr.Policy, tr.Switches, lastMove(tr), tr.MeanMs(1, len(tr.Ticks)), tr.Errors, tr.Final())
	}
}

func printSummary(rs []appResult, sh shiftResult, cfg bedConfig) {
	fmt.Printf("\nSUMMARY (%s mode; load average now %s; %d cores)\n", cfg.Mode, loadAvgString(), nproc())
	fmt.Printf("%-28s %6s %16s %8s %16s %11s %9s %7s\n", "APP", "PLACED", "COSTMODEL GAP", "TARGET", "EVALUATION GAP", "SWITCHES", "RATIO", "TARGET")
	allWithin, allRatio := true, true
	for _, r := range rs {
		ratio := float64(r.Evaluation.Switches) / math.Max(1, float64(r.CostModel.Switches))
		ok := r.CMGapPct <= 3
		allWithin = allWithin && ok
		allRatio = allRatio && ratio >= 4
		fmt.Printf("%-28s %6d %7.2f%% ±%5.2f %8s %7.2f%% ±%5.2f %5d / %-3d %8.1f× %7s\n",
			r.App, len(r.Placements), r.CMGapPct, r.CMNoisePct, verdict(ok, "≤ 3%"), r.EvGapPct, r.EvNoisePct,
			r.CostModel.Switches, r.Evaluation.Switches, ratio, verdict(ratio >= 4, "≥ 4×"))
	}
	fmt.Printf("costmodel within 3%% of the measured oracle on every app: %s\n", verdict(allWithin, "target: every app"))
	resolved := 0
	for _, r := range rs {
		if r.CMGapPct == 0 || 1.96*r.CMNoisePct < 3 {
			resolved++
		}
	}
	fmt.Printf("noise: the paired standard error resolves a 3%% gap (1.96 SE < 3%%, or the very placement) on %d of %d apps; elsewhere a 3%% comparison is within the noise\n", resolved, len(rs))
	fmt.Printf("costmodel ≥ 4× fewer switches than evaluation on every app: %s\n", verdict(allRatio, "target: every app"))
	back := "never"
	if sh.TicksToWithin > 0 {
		back = fmt.Sprintf("%d ticks", sh.TicksToWithin)
	}
	fmt.Printf("workload shift %s → %s: back within 3%% of the new oracle (%d placements run) after %s, final gap %.2f%%: %s\n",
		sh.From, sh.To, len(sh.Placements), back, sh.FinalGapPct, verdict(sh.TicksToWithin > 0 && sh.TicksToWithin <= 3, "target ≤ 3 ticks"))
	total := len(sh.Placements)
	for _, r := range rs {
		total += len(r.Placements)
	}
	fmt.Printf("oracle: %d placements run for real, %d windows of %v each (interleaved round-robin)\n", total, total*cfg.Rounds, cfg.OracleWindow)
}

func verdict(ok bool, target string) string {
	if ok {
		return "met (" + target + ")"
	}
	return "MISSED (" + target + ")"
}

func lastMove(tr Trace) int {
	last := 0
	for _, r := range tr.Ticks {
		if r.Switches > 0 {
			last = r.Tick
		}
	}
	return last
}

func totalMem(r appResult) float64 {
	var s float64
	for _, mb := range r.MemMB {
		s += mb
	}
	return s
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func writeOut(dir string, cfg bedConfig, rs []appResult, sh shiftResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(map[string]any{"config": cfg, "apps": rs, "shift": sh}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "testbed-"+cfg.Mode+".json"), js, 0o644); err != nil {
		return err
	}
	for _, r := range rs {
		if err := plotTraces(filepath.Join(dir, "testbed-"+r.App+".svg"), r.App, r.Placements[r.Best].Mean(), r.CostModel, r.Evaluation); err != nil {
			return err
		}
	}
	return plotTraces(filepath.Join(dir, "testbed-shift.svg"), sh.From+" → "+sh.To, sh.Placements[sh.Best].Mean(), sh.Trace)
}

// plotTraces draws each trace's per-tick mean latency and the oracle's
// best mean as a line.
func plotTraces(path, title string, oracleMs float64, trs ...Trace) error {
	var series []measure.Series
	n := 0
	for _, tr := range trs {
		s := measure.Series{Name: tr.Policy}
		for _, r := range tr.Ticks {
			s.Points = append(s.Points, measure.Point{X: float64(r.Tick), Y: r.MeanMs})
		}
		n = max(n, len(tr.Ticks))
		series = append(series, s)
	}
	series = append(series, measure.Series{Name: "measured oracle (best static)", Points: []measure.Point{{X: 1, Y: oracleMs}, {X: float64(n), Y: oracleMs}}})
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := measure.PlotSVG(f, series, measure.PlotOptions{Title: title, XLabel: "tick (window)", YLabel: "mean request latency (ms)", ZeroOff: true}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return math.NaN()
	}
	var l float64
	fmt.Sscan(string(b), &l)
	return l
}

func loadAvgString() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func nproc() int { return runtime.NumCPU() }
