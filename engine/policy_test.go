package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// TestCostModelPolicyPlacesModules runs jsorc's own policy on a live engine:
// two modules start remote, requests flow, and the policy moves both
// in-process (they are far faster there and fit the budget) within a few
// ticks, logging a reason for each move, with no failed request. The
// moves it logged are still there after a restart.
func TestCostModelPolicyPlacesModules(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	apps := []byte("pipe: {steps: [{action: textenc.encode, args: {text: \"$ctx.text\"}}, {action: echo.echo, args: {value: \"$prev\"}}]}")
	if _, err := e.ConfigureApps(context.Background(), "test", apps); err != nil {
		t.Fatal(err)
	}
	load(t, e.Engine, "textenc", "remote")
	load(t, e.Engine, "echo", "remote")
	if _, err := e.PolicySet(context.Background(), "costmodel", map[string]any{"node_mem_mb": 4096.0}); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var reqs, failed atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			_, err := e.RunApp(context.Background(), "pipe", map[string]any{"text": "the quick brown fox"})
			reqs.Add(1)
			if err != nil {
				failed.Add(1)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		a, _ := e.Status("textenc")
		b, _ := e.Status("echo")
		if a.Serving == "module" && b.Serving == "module" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("policy did not move the modules in-process: textenc %s, echo %s; policy %+v", a.Serving, b.Serving, e.PolicyGet())
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	<-done
	p := e.PolicyGet()
	if p.Name != "costmodel" || len(p.Decisions) < 2 {
		t.Fatalf("policy state %+v", p)
	}
	for _, d := range p.Decisions {
		if d.Reason == "" || d.Error != "" {
			t.Errorf("decision %+v", d)
		}
	}
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed while the policy switched modules", failed.Load(), reqs.Load())
	}
	t.Logf("%d requests, decisions: %+v", reqs.Load(), p.Decisions)

	closeEngine(t, e)
	after := openEngine(t, dir).PolicyGet()
	want, _ := json.Marshal(p.Decisions)
	got, _ := json.Marshal(after.Decisions)
	if string(got) != string(want) {
		t.Errorf("decisions after a restart:\n%s\nwant\n%s", got, want)
	}
}

func TestPolicySetErrors(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct {
		name   string
		params map[string]any
	}{
		{"random", nil},
		{"costmodel", map[string]any{"bogus": 1.0}},
		{"evaluation", map[string]any{"eval_phase": "soon"}},
	} {
		if _, err := e.PolicySet(context.Background(), tc.name, tc.params); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("PolicySet(%s, %v) = %v, want ErrInvalid", tc.name, tc.params, err)
		}
	}
	if got := e.PolicyGet().Name; got != "default" {
		t.Errorf("policy after failed sets: %s", got)
	}
}

func TestPolicySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	if _, err := e.PolicySet(context.Background(), "evaluation", map[string]any{"eval_phase": 5.0}); err != nil {
		t.Fatal(err)
	}
	closeEngine(t, e)
	e2 := openEngine(t, dir)
	p := e2.PolicyGet()
	if p.Name != "evaluation" || p.Params["eval_phase"] != 5.0 {
		t.Fatalf("policy after restart: %+v", p)
	}
}

// TestAutoscaleParamsSurviveRestart: the autoscaler's parameters are set
// with any policy, shown by PolicyGet beside the policy's own (defaults
// included), refused with the parameter named when bad, and stored like
// the others.
func TestAutoscaleParamsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	if p := e.PolicyGet(); p.Params["down_ticks"] != 3 || p.Params["per_replica"] != 1.0 {
		t.Fatalf("a fresh engine's default policy shows %v; want the autoscaler's defaults", p.Params)
	}
	_, err := e.PolicySet(context.Background(), "default", map[string]any{"up_slowdown": 1.3, "down_slowdown": 1.4})
	if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "down_slowdown") {
		t.Fatalf("down_slowdown above up_slowdown: %v, want ErrInvalid naming down_slowdown", err)
	}
	if _, err := e.PolicySet(context.Background(), "default", map[string]any{"down_ticks": 7, "up_slowdown": "2"}); err != nil {
		t.Fatal(err)
	}
	closeEngine(t, e)
	p := openEngine(t, dir).PolicyGet()
	if p.Name != "default" || p.Params["down_ticks"] != 7 || p.Params["up_slowdown"] != 2.0 || p.Params["down_util"] != 0.75 {
		t.Fatalf("policy after restart: %s %v; want default with down_ticks 7, up_slowdown 2, down_util 0.75", p.Name, p.Params)
	}
}
