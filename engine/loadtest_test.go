package engine_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/jsorc/jsorc/engine"
)

// TestLoadTest runs JSORC's experiment shape on a small app: each placement
// and jsorc's policy for two seconds, with the answer in JSORC's shape and
// no failed request; afterwards the modules are unloaded and their servers
// retired.
func TestLoadTest(t *testing.T) {
	e := newEngine(t)
	apps := []byte("pipe: {steps: [{action: textenc.encode, args: {text: \"$ctx.text\"}}, {action: echo.echo, args: {value: \"$prev\"}}]}")
	if _, err := e.ConfigureApps(context.Background(), "test", apps); err != nil {
		t.Fatal(err)
	}
	res, err := e.LoadTest(ctxT(t), engine.LoadTestParams{
		Experiment:         "pipe",
		Policy:             "all_local,all_remote,costmodel",
		Mem:                4,
		ExperimentDuration: 2,
		Clients:            2,
		Ctx:                map[string]any{"text": "a table for two"},
	})
	if err != nil {
		t.Fatal(err)
	}
	runs := res["pipe"]
	if len(runs) != 3 {
		t.Fatalf("runs %v", runs)
	}
	for pol, run := range runs {
		if run.Requests == 0 || run.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors", pol, run.Requests, run.Errors)
		}
		if m, ok := run.WalkerLevel[engine.ReqTypeApp]["pipe"]; !ok || m.Throughput <= 0 || m.P99Latency <= 0 {
			t.Errorf("%s: walker_level %+v", pol, run.WalkerLevel)
		}
		if len(run.ActionLevel) == 0 || len(run.Series) == 0 {
			t.Errorf("%s: %d action_level entries, %d series points", pol, len(run.ActionLevel), len(run.Series))
		}
	}
	if got := runs["all_local"].Placement["textenc"]; got != "module" {
		t.Errorf("all_local placement of textenc: %q", got)
	}
	if got := runs["all_remote"].Placement["textenc"]; got != "remote" {
		t.Errorf("all_remote placement of textenc: %q", got)
	}
	for _, m := range []string{"textenc", "echo"} {
		st, _ := e.Status(m)
		if st.Mode != nil || st.RequestedMode != nil || st.Remote.PID != 0 {
			t.Errorf("%s after the load test: %+v", m, st)
		}
	}
	if p := e.PolicyGet(); p.Name != "default" {
		t.Errorf("policy after the load test: %s", p.Name)
	}
	if _, err := e.LoadTest(context.Background(), engine.LoadTestParams{Experiment: "pipe", Policy: "random"}); !errors.Is(err, engine.ErrInvalid) {
		t.Errorf("unknown policy: %v", err)
	}
	if _, err := e.LoadTest(context.Background(), engine.LoadTestParams{Experiment: "nope", Policy: "all_local"}); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("unknown app: %v", err)
	}
}

// TestReportsSurviveRestart: a stopped benchmark's report is stored and
// read back after the engine restarts.
func TestReportsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	if err := e.BenchmarkStart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.BenchmarkStop(context.Background()); err != nil {
		t.Fatal(err)
	}
	closeEngine(t, e)
	e2 := openEngine(t, dir)
	rs, err := e2.Reports("benchmark", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].TS.IsZero() || len(rs[0].Report) == 0 {
		t.Fatalf("stored reports after restart: %+v", rs)
	}
	if _, err := e2.Reports("nope", 0); !errors.Is(err, engine.ErrInvalid) {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestLoadTestKeysLikeJSORC: a policy given in JSORC's spelling runs, and
// the evaluation run is keyed as JSORC keyed it, with the node memory
// (mem × 1024): "evaluation-mem-4096".
func TestLoadTestKeysLikeJSORC(t *testing.T) {
	e := newEngine(t)
	if _, err := e.ConfigureApps(ctxT(t), "test", []byte("pipe: {steps: [{action: echo.echo, args: {value: 1}}]}")); err != nil {
		t.Fatal(err)
	}
	res, err := e.LoadTest(ctxT(t), engine.LoadTestParams{Experiment: "pipe", Policy: "Evaluation,ALL_LOCAL", Mem: 4, ExperimentDuration: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res["pipe"]["evaluation-mem-4096"]; !ok || len(res["pipe"]) != 2 {
		t.Fatalf("result keys %v, want evaluation-mem-4096 and all_local", slices.Collect(maps.Keys(res["pipe"])))
	}
	if _, ok := res["pipe"]["all_local"]; !ok {
		t.Fatalf("result keys %v", slices.Collect(maps.Keys(res["pipe"])))
	}
}

// TestLoadTestLeavesTheUsersTools: a load test started while the user
// runs a benchmark and trackact under costmodel leaves both running, runs
// no policy of the user's during its placements (its all_remote run stays
// all remote), puts the user's policy back and announces itself (bug 1).
func TestLoadTestLeavesTheUsersTools(t *testing.T) {
	e := newEngine(t)
	ctx := ctxT(t)
	apps := []byte("pipe: {steps: [{action: echo.echo, args: {value: \"$ctx.v\"}}]}")
	if _, err := e.ConfigureApps(ctx, "test", apps); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PolicySet(ctx, "costmodel", map[string]any{"node_mem_mb": 4096.0}); err != nil {
		t.Fatal(err)
	}
	if err := e.BenchmarkStart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.TrackActStart(ctx); err != nil {
		t.Fatal(err)
	}
	seq := e.EventSeq()
	res, err := e.LoadTest(ctx, engine.LoadTestParams{Experiment: "pipe", Policy: "all_remote", ExperimentDuration: 2, Ctx: map[string]any{"v": 1}})
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := e.EventsSince(seq)
	if got := res["pipe"]["all_remote"].Placement["echo"]; got != "remote" {
		t.Errorf("the all_remote run measured echo in %q: the user's policy moved it", got)
	}
	if _, err := e.BenchmarkReport(); err != nil {
		t.Errorf("the user's benchmark was stopped: %v", err)
	}
	if _, err := e.TrackActStop(ctx); err != nil {
		t.Errorf("the user's trackact was stopped: %v", err)
	}
	if p := e.PolicyGet(); p.Name != "costmodel" || p.Params["node_mem_mb"] != 4096.0 {
		t.Errorf("policy after the load test: %s %v; want costmodel back with its parameters", p.Name, p.Params)
	}
	announced := false
	for _, ev := range evs {
		if ev.Type == engine.EventLoadTest && slices.Contains([]string{"load test started: pipe under all_remote, 2 s each"}, ev.Message) {
			announced = true
		}
		if ev.Type == engine.EventMeasure {
			t.Errorf("the load test touched a measuring tool: %+v", ev)
		}
	}
	if !announced {
		t.Error("the load test did not announce itself")
	}
}
