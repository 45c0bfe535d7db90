package compat

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// The patterns of the scripts JSORC's users wrote against its API (the
// experiment scripts of JSORC's repository, Python requests over HTTP),
// replayed as they were written: what they read from each answer is what
// they relied on.

// TestUserScriptsLocal replays them on the local backend.
func TestUserScriptsLocal(t *testing.T) {
	t.Parallel()
	replayScript(t, localBackend())
}

// TestUserScriptsKube replays them on a real Kubernetes control plane.
func TestUserScriptsKube(t *testing.T) {
	t.Parallel()
	replayScript(t, kubeBackend())
}

func replayScript(t *testing.T, b backend) {
	skipShort(t)
	s := b.start(t)
	enableByScript(t, s)

	// A module never configured: the script checks the status first and
	// reads a 200 with a null status as "configure and load it".
	r := s.post(t, "jsorc_actions_status", map[string]any{"name": "use_enc"})
	if r.status != http.StatusOK {
		t.Fatalf("status of a module never loaded: HTTP %d %s (the script aborts on anything but 200)", r.status, r.raw)
	}
	if st, present := r.obj()["action_status"]; !present || st != nil {
		t.Errorf("status of a module never loaded: %s, want action_status null", r.raw)
	}

	// all_local: status, then config and load when it has no mode, then
	// re-POST the load until the mode is the one asked ("local" is
	// "module").
	if st, _ := s.ok(t, "jsorc_actions_status", map[string]any{"name": "test_module"}).obj()["action_status"].(map[string]any); st == nil || st["mode"] == nil {
		configure(t, s, b)
		loadUntilMode(t, s, "local", "module")
	}
	defineApp(t, s, "experiment", "hello", "world")
	s.ok(t, "jsorc_actionpolicy_set", map[string]any{"policy_name": "Default", "policy_params": map[string]any{}})

	// Bodiless starts and stops, as requests.post(url, headers=h) sends.
	s.ok(t, "jsorc_benchmark_start", nil)
	s.ok(t, "jsorc_trackact_start", nil)
	for range 10 {
		s.ok(t, "/js/app_run", map[string]any{"name": "experiment", "ctx": map[string]any{}})
	}
	walkerLevel := s.ok(t, "jsorc_benchmark_stop", map[string]any{"report": true})
	actionLevel := s.ok(t, "jsorc_trackact_stop", nil)
	report, ok := walkerLevel.data.(map[string]any)
	if !ok || len(report) == 0 {
		t.Fatalf("benchmark report: %s", walkerLevel.raw)
	}
	// for k, v in report.items(): v["all"]
	for k, v := range report {
		if m, _ := v.(map[string]any); m["all"] == nil {
			t.Errorf("report[%q][\"all\"] fails: %v", k, v)
		}
	}
	if hist, _ := actionLevel.data.([]any); len(hist) == 0 {
		t.Errorf("trackact stop: %s, want the list of periods", actionLevel.raw)
	} else if first, _ := hist[0].(map[string]any); first["actions_calls"] == nil {
		t.Errorf("trackact stop: res[0] has no actions_calls: %s", actionLevel.raw)
	}

	// evaluation: remote, with JSORC's capitalised policy and its
	// parameter names.
	loadUntilMode(t, s, "remote", "remote")
	s.ok(t, "jsorc_actionpolicy_set", map[string]any{"policy_name": "Evaluation",
		"policy_params": map[string]any{"node_mem": 4096, "eval_phase": 10, "perf_phase": 100}})
	if p := s.ok(t, "jsorc_actionpolicy_get", nil); p.obj()["policy"] != "Evaluation" {
		t.Errorf("policy get: %s", p.raw)
	}
	s.ok(t, "jsorc_actionpolicy_set", map[string]any{"policy_name": "Default", "policy_params": map[string]any{}})
	if u := s.ok(t, "jsorc_actions_unload", map[string]any{"name": "test_module", "mode": "auto"}); u.obj()["success"] != true {
		t.Errorf("unload: %s", u.raw)
	}
}

// enableByScript is the scripts' way to edit META_CONFIG: json.loads of
// config_get's answer, a change, config_set with json.dumps of it (a
// string), service_refresh meta.
func enableByScript(t *testing.T, s *server) {
	t.Helper()
	r := s.ok(t, "config_get", map[string]any{"name": "META_CONFIG"})
	text, _ := r.data.(string)
	var cfg map[string]any
	if err := json.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatalf("json.loads(res.json()) of %s: %v", r.raw, err)
	}
	cfg["automation"] = true
	dumped, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.ok(t, "config_set", map[string]any{"name": "META_CONFIG", "value": string(dumped)})
	s.ok(t, "service_refresh", map[string]any{"name": "meta"})
}

// loadUntilMode is the scripts' wait helper: POST the load, and POST it
// again while action_status.mode is not the mode asked (JSORC's helper
// slept 10 s between posts and had no deadline).
func loadUntilMode(t *testing.T, s *server, mode, want string) {
	t.Helper()
	deadline := time.Now().Add(readyWithin)
	for {
		r := s.ok(t, "jsorc_actions_load", map[string]any{"name": "test_module", "mode": mode})
		if st, _ := r.obj()["action_status"].(map[string]any); st["mode"] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("action_status.mode is not %q within %v: %s", want, readyWithin, r.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
