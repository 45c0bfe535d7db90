package policy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		params map[string]any
		kind   policy.ErrorKind
		param  string
		msg    string
	}{
		{"unknown policy", "predictive", nil, policy.ErrUnknownPolicy, "", `unknown policy "predictive" (known: default, evaluation, costmodel)`},
		{"empty name", "", nil, policy.ErrUnknownPolicy, "", "unknown policy"},
		// default accepts (and ignores) the evaluation policy's parameters, as JSORC's did; no others.
		{"default takes only evaluation's", "default", map[string]any{"hop_ms": 10}, policy.ErrUnknownParam, "hop_ms", "known: eval_phase"},
		{"alias and name both", "Evaluation", map[string]any{"node_mem": 1, "node_mem_mb": 2}, policy.ErrBadParam, "node_mem", "give one"},
		{"unknown evaluation param", "evaluation", map[string]any{"evalphase": 10}, policy.ErrUnknownParam, "evalphase", "known: eval_phase, perf_phase, node_mem_mb, base_mem_mb"},
		{"unknown costmodel param", "costmodel", map[string]any{"eval_phase": 10}, policy.ErrUnknownParam, "eval_phase", "known: hop_ms"},
		{"negative phase", "evaluation", map[string]any{"eval_phase": -1}, policy.ErrBadParam, "eval_phase", "want a value > 0"},
		{"zero phase", "evaluation", map[string]any{"perf_phase": 0.0}, policy.ErrBadParam, "perf_phase", "want a value > 0"},
		{"not a number", "evaluation", map[string]any{"eval_phase": "soon"}, policy.ErrBadParam, "eval_phase", `want seconds or a duration like "10s", got "soon"`},
		{"wrong type", "costmodel", map[string]any{"hop_ms": true}, policy.ErrBadParam, "hop_ms", "want a number, got bool"},
		{"fractional int", "costmodel", map[string]any{"min_dwell": 2.5}, policy.ErrBadParam, "min_dwell", "want a whole number"},
		{"alpha above 1", "costmodel", map[string]any{"alpha": 1.5}, policy.ErrBadParam, "alpha", "want a value <= 1"},
		{"duration for a number", "costmodel", map[string]any{"hop_ms": "2ms"}, policy.ErrBadParam, "hop_ms", `want a number, got "2ms"`},
		{"NaN", "costmodel", map[string]any{"hop_ms": "NaN"}, policy.ErrBadParam, "hop_ms", "finite"},
		// Every policy takes the autoscaler's parameters, checked alike.
		{"per_replica zero", "default", map[string]any{"per_replica": 0}, policy.ErrBadParam, "per_replica", "want a value > 0"},
		{"per_replica huge", "costmodel", map[string]any{"per_replica": 1e7}, policy.ErrBadParam, "per_replica", "want a value <= 1000"},
		{"up_slowdown 1", "evaluation", map[string]any{"up_slowdown": 1}, policy.ErrBadParam, "up_slowdown", "want a value > 1"},
		{"down_slowdown under 1", "default", map[string]any{"down_slowdown": 0.9}, policy.ErrBadParam, "down_slowdown", "want a value >= 1"},
		{"down_slowdown above up_slowdown", "costmodel", map[string]any{"up_slowdown": 2, "down_slowdown": 2.5}, policy.ErrBadParam, "down_slowdown",
			"2.5 is above up_slowdown 2; give a down_slowdown at most 2"},
		{"down_slowdown above the default up_slowdown", "default", map[string]any{"down_slowdown": 1.6}, policy.ErrBadParam, "down_slowdown",
			"above up_slowdown 1.5"},
		{"down_ticks zero", "default", map[string]any{"down_ticks": 0}, policy.ErrBadParam, "down_ticks", "want a value >= 1"},
		{"down_ticks fractional", "evaluation", map[string]any{"down_ticks": 1.5}, policy.ErrBadParam, "down_ticks", "want a whole number"},
		{"down_ticks a word", "costmodel", map[string]any{"down_ticks": "three"}, policy.ErrBadParam, "down_ticks", `want a number, got "three"`},
		{"down_util zero", "default", map[string]any{"down_util": 0}, policy.ErrBadParam, "down_util", "want a value > 0"},
		{"down_util above 1", "costmodel", map[string]any{"down_util": 1.01}, policy.ErrBadParam, "down_util", "want a value <= 1"},
		{"a misspelt one lists them", "default", map[string]any{"downticks": 1}, policy.ErrUnknownParam, "downticks", "down_ticks, down_util"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.New(tc.policy, tc.params)
			if err == nil {
				t.Fatalf("New(%q, %v) = %v, want an error", tc.policy, tc.params, p.Name())
			}
			var pe *policy.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *policy.Error", err)
			}
			if pe.Kind != tc.kind || pe.Param != tc.param {
				t.Errorf("kind %v param %q, want %v %q", pe.Kind, pe.Param, tc.kind, tc.param)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not contain %q", err, tc.msg)
			}
		})
	}
}

func TestNewParams(t *testing.T) {
	tests := []struct {
		policy string
		params map[string]any
		want   map[string]any
	}{
		{"default", nil, map[string]any{}},
		{"evaluation", nil, map[string]any{"eval_phase": 10.0, "perf_phase": 100.0, "node_mem_mb": 0.0, "base_mem_mb": 0.0}},
		{"evaluation", map[string]any{"eval_phase": "15s", "perf_phase": json.Number("50"), "node_mem_mb": "4096"},
			map[string]any{"eval_phase": 15.0, "perf_phase": 50.0, "node_mem_mb": 4096.0, "base_mem_mb": 0.0}},
		{"evaluation", map[string]any{"eval_phase": 2 * time.Second}, map[string]any{"eval_phase": 2.0}},
		{"costmodel", nil, map[string]any{"hop_ms": 1.0, "min_dwell": 10, "min_gain_pct": 2.0, "alpha": 0.5, "shift_ticks": 3}},
		{"costmodel", map[string]any{"min_dwell": "5", "hop_ms": 3}, map[string]any{"hop_ms": 3.0, "min_dwell": 5}},
	}
	for _, tc := range tests {
		t.Run(tc.policy, func(t *testing.T) {
			p, err := policy.New(tc.policy, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != tc.policy {
				t.Errorf("Name() = %q", p.Name())
			}
			got := p.Params()
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("Params()[%q] = %v (%T), want %v (%T)", k, got[k], got[k], v, v)
				}
			}
			if tc.policy == "default" && len(got) != 0 {
				t.Errorf("default has params %v", got)
			}
		})
	}
	for _, n := range policy.Names() {
		if _, err := policy.New(n, nil); err != nil {
			t.Errorf("New(%q): %v", n, err)
		}
	}
}

// TestNewTakesJSORCsSpelling: JSORC's scripts send "Evaluation" and
// "Default" (policy.capitalize()), its parameter names node_mem and
// jaseci_runtime_mem, and set Default with the phases of its load test.
func TestNewTakesJSORCsSpelling(t *testing.T) {
	p, err := policy.New("Evaluation", map[string]any{"node_mem": 4096, "jaseci_runtime_mem": 300, "eval_phase": 10, "perf_phase": 100})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Params()
	if p.Name() != policy.NameEvaluation || got["node_mem_mb"] != 4096.0 || got["base_mem_mb"] != 300.0 || got["eval_phase"] != 10.0 {
		t.Errorf("%s %v", p.Name(), got)
	}
	d, err := policy.New("Default", map[string]any{"eval_phase": 10, "perf_phase": 100, "node_mem": 4096})
	if err != nil || d.Name() != policy.NameDefault || len(d.Params()) != 0 {
		t.Errorf("Default with JSORC's load-test params: %v, %v", d, err)
	}
	if _, err := policy.New("COSTMODEL", map[string]any{"node_mem": 2048}); err != nil {
		t.Errorf("costmodel with node_mem: %v", err)
	}
}

func TestDefaultNeverMoves(t *testing.T) {
	p, _ := policy.New(policy.NameDefault, nil)
	obs := policy.Observation{At: t0(), NodeMemMB: 1024, Modules: []policy.ModuleObs{
		{Name: "a", Mode: policy.ModeModule, MemMB: 5000, Module: policy.CallStats{Count: 9, Mean: time.Millisecond}},
		{Name: "b", Mode: policy.ModeNone, MemMB: 10},
		{Name: "c", Mode: policy.ModeRemote, MemMB: 1, Remote: policy.CallStats{Count: 9, Mean: 50 * time.Millisecond}},
	}}
	for range 5 {
		d := p.Tick(obs)
		if len(d.Moves) != 0 || !d.Target.Equal(obs.Placement()) || d.Phase == "" || d.Status == "" {
			t.Fatalf("default decided %+v", d)
		}
	}
}

func TestDecisionJSON(t *testing.T) {
	p, _ := policy.New(policy.NameCostModel, nil)
	d := p.Tick(policy.Observation{At: t0(), NodeMemMB: 4096, Modules: []policy.ModuleObs{
		{Name: "a", Mode: policy.ModeRemote, MemMB: 100, Remote: policy.CallStats{Count: 10, Mean: 12 * time.Millisecond, Bytes: 5000}},
	}, Apps: []policy.AppObs{{Name: "x", Requests: 10, Mean: 12 * time.Millisecond}}})
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"policy":"costmodel"`, `"target":{"a":"module"}`, `"moves":[{"module":"a","from":"remote","to":"module","reason":"a → module: saves`, `"estimates":[`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
}

func TestBudget(t *testing.T) {
	b := policy.Budget{NodeMemMB: 4096, BaseMemMB: 300}
	if got := b.CapacityMB(); got < 2976.79 || got > 2976.81 {
		t.Errorf("CapacityMB = %v", got)
	}
	if !b.Fits(2976.8) || b.Fits(2977) {
		t.Errorf("Fits wrong around the limit")
	}
	o := policy.Observation{NodeMemMB: 1000}
	if o.Budget().BaseMemMB != policy.DefaultBaseMemMB || o.WindowLen() != time.Second {
		t.Errorf("observation defaults: %+v %v", o.Budget(), o.WindowLen())
	}
}

// TestParamBounds: every numeric parameter has a finite range, named in the
// error, so a value like 1e300 or 1e-12 seconds never reaches a policy.
func TestParamBounds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		policy string
		params map[string]any
		want   string
	}{
		{"evaluation", map[string]any{"eval_phase": 1e300}, "want a value <= 86400"},
		{"evaluation", map[string]any{"perf_phase": 1e-12}, "want at least 0.001 seconds"},
		{"evaluation", map[string]any{"eval_phase": "1000000h"}, "want a value <= 86400"},
		{"evaluation", map[string]any{"node_mem_mb": 1e18}, "want a value <= 1.6777216e+07"},
		{"costmodel", map[string]any{"min_dwell": 1e300}, "want a value <= 1e+06"},
		{"costmodel", map[string]any{"hop_ms": 1e9}, "want a value <= 1e+06"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.policy, tc.params), func(t *testing.T) {
			_, err := policy.New(tc.policy, tc.params)
			var pe *policy.Error
			if !errors.As(err, &pe) || pe.Kind != policy.ErrBadParam || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrBadParam saying %q", err, tc.want)
			}
		})
	}
}
