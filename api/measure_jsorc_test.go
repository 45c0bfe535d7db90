package api_test

import (
	"net/http"
	"testing"
)

// TestTrackactLikeJSORC replays JSORC's test_actions_tracking: trackact
// starts, then the module is loaded and called; the calls are in
// history[0] (JSORC's res.data[0]["actions_calls"]), which carries no
// state; a load (a change of placement) opens an entry carrying
// {"echo": {"mode": "module"}}.
func TestTrackactLikeJSORC(t *testing.T) {
	f := newFixture(t)
	if a := f.admin(t, "jsorc_trackact_start", ``); a.code != http.StatusOK {
		t.Fatalf("trackact start: %s", a.raw)
	}
	if a := f.admin(t, "jsorc_actions_load", `{"name":"echo","mode":"module"}`); a.code != http.StatusOK {
		t.Fatalf("load: %s", a.raw)
	}
	for range 3 {
		if a := f.admin(t, "actions_call", `{"name":"echo.echo","ctx":{"value":"test string"}}`); a.code != http.StatusOK {
			t.Fatalf("call: %s", a.raw)
		}
	}
	a := f.admin(t, "jsorc_trackact_stop", ``)
	hist, _ := a.value.([]any)
	if len(hist) == 0 {
		t.Fatalf("trackact stop: %s", a.raw)
	}
	// JSORC's assertions: the calls are in history[0], which has no state.
	first, _ := hist[0].(map[string]any)
	calls, _ := first["actions_calls"].(map[string]any)
	if calls["echo.echo"] == nil || first["actions_state"] != nil {
		t.Errorf("history[0] = %v, want echo.echo's calls and no actions_state", first)
	}
	// The load changed the placement: the last entry carries it. (The
	// calls made between the tick that saw the change and the one before
	// it count for the period before, as ticks are a second apart.)
	last, _ := hist[len(hist)-1].(map[string]any)
	st, _ := last["actions_state"].(map[string]any)
	if echo, _ := st["echo"].(map[string]any); len(hist) < 2 || echo["mode"] != "module" {
		t.Errorf("the last entry %v lacks echo's mode", last)
	}
	if synth, _ := st["synth"].(map[string]any); synth == nil || synth["mode"] != nil {
		t.Errorf("a module loaded in no mode should be listed with mode null: %v", last)
	}
}

// TestBenchmarkRecordsEveryRequest replays JSORC's test_benchmark with the
// API requests it makes: every request through the API is recorded under
// its endpoint's name, as "_default_" and "all"; app runs under
// walker_run by app name; the start request itself too.
func TestBenchmarkRecordsEveryRequest(t *testing.T) {
	f := newFixture(t)
	if a := f.admin(t, "jsorc_actions_load", `{"name":"echo","mode":"module"}`); a.code != 200 {
		t.Fatalf("load: %s", a.raw)
	}
	if a := f.admin(t, "app_config", mustJSON(t, map[string]any{"config": "test_benchmark:\n  steps:\n    - action: echo.echo\n      args: {value: dummy}\n"})); a.code != 200 {
		t.Fatalf("app_config: %s", a.raw)
	}
	if a := f.admin(t, "jsorc_benchmark_start", ``); a.code != 200 {
		t.Fatalf("start: %s", a.raw)
	}
	f.admin(t, "actions_call", `{"name":"echo.echo","ctx":{"value":1}}`)
	f.admin(t, "actions_call", `{"name":"echo.nosuch"}`) // a failed request counts too
	f.admin(t, "jsorc_actions_status", `{"name":"echo"}`)
	if a := f.do(t, http.MethodPost, "/js/app_run", `{"name":"test_benchmark"}`); a.code != 200 {
		t.Fatalf("app_run: %s", a.raw)
	}
	a := f.admin(t, "jsorc_benchmark_stop", `{"report": true}`)
	for _, want := range []struct{ typ, name string }{
		{"actions_call", "_default_"}, {"actions_call", "all"},
		{"jsorc_actions_status", "_default_"}, {"jsorc_benchmark_start", "_default_"},
		{"walker_run", "test_benchmark"}, {"walker_run", "all"},
	} {
		typ, _ := a.body[want.typ].(map[string]any)
		if m, _ := typ[want.name].(map[string]any); m["throughput"] == nil || m["99th_latency"] == nil {
			t.Errorf("report lacks %s/%s: %s", want.typ, want.name, a.raw)
		}
	}
	if _, ok := a.body["jsorc_benchmark_stop"]; ok {
		t.Errorf("the stop request recorded itself: %s", a.raw)
	}
}
