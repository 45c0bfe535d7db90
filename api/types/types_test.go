package types_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/api/types"
)

// TestKinds: every kind has a distinct code, an error status, and is found
// back from its code; a kind that refines another answers with its status.
func TestKinds(t *testing.T) {
	codes := map[string]bool{}
	for _, k := range types.Kinds() {
		t.Run(k.Code, func(t *testing.T) {
			if k.Code == "" || codes[k.Code] {
				t.Fatalf("code %q empty or used twice", k.Code)
			}
			codes[k.Code] = true
			if k.Status < 400 || k.Status > 599 {
				t.Errorf("status %d is not an error status", k.Status)
			}
			back, ok := types.KindOfCode(k.Code)
			if !ok || back.Err != k.Err {
				t.Errorf("KindOfCode(%q) = %v, %v", k.Code, back.Err, ok)
			}
			wrapped := fmt.Errorf("context: %w", k.Err)
			if got, ok := types.KindOf(wrapped); !ok || got.Err != k.Err {
				t.Errorf("KindOf(wrapped %v) = %v", k.Err, got.Err)
			}
			if k.Parent != nil {
				p, ok := types.KindOf(k.Parent)
				if !ok || p.Status != k.Status {
					t.Errorf("parent %v answers %d, the kind %d", k.Parent, p.Status, k.Status)
				}
			}
		})
	}
	if _, ok := types.KindOfCode("no_such_code"); ok {
		t.Error("an unknown code has a kind")
	}
	if k, _ := types.KindOfStatus(409); k.Err != types.ErrConflict {
		t.Errorf("KindOfStatus(409) = %v, want the general conflict", k.Err)
	}
	if k, _ := types.KindOfStatus(400); k.Err != types.ErrInvalid {
		t.Errorf("KindOfStatus(400) = %v, want invalid", k.Err)
	}
}

// TestErrorf: the message is the message alone, and the kind is found.
func TestErrorf(t *testing.T) {
	cause := errors.New("disk full")
	err := types.Errorf(types.ErrStorage, "storing %s: %w", "x", cause)
	if err.Error() != "storing x: disk full" {
		t.Errorf("message %q", err)
	}
	if !errors.Is(err, types.ErrStorage) || !errors.Is(err, cause) {
		t.Errorf("%v does not wrap its kind and its cause", err)
	}
}

// TestEndpoints: every endpoint has a unique name and path, takes a JSON
// object, and its answer's zero value encodes as an object that
// WithSuccess can mark — or, for the answers JSORC gave bare, as JSON
// without "success".
func TestEndpoints(t *testing.T) {
	names, paths := map[string]bool{}, map[string]bool{}
	for _, e := range types.Endpoints() {
		t.Run(e.Name, func(t *testing.T) {
			if names[e.Name] || paths[e.Path] {
				t.Fatalf("name %q or path %q used twice", e.Name, e.Path)
			}
			names[e.Name], paths[e.Path] = true, true
			if e.Doc == "" {
				t.Error("no doc")
			}
			if e.Params.Kind() != reflect.Struct {
				t.Errorf("parameters %v are not a struct (a JSON object)", e.Params)
			}
			zero := reflect.ValueOf(e.NewAnswer()).Elem().Interface()
			b, err := types.Encode(zero)
			if err != nil {
				t.Fatalf("encoding a zero answer: %v", err)
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("answer %s is not JSON: %v", b, err)
			}
			obj, _ := v.(map[string]any)
			if _, bare := zero.(types.Bare); bare {
				if _, ok := obj["success"]; ok {
					t.Errorf("bare answer %s has success", b)
				}
				if err := json.Unmarshal(b, e.NewAnswer()); err != nil {
					t.Errorf("bare answer %s does not decode back: %v", b, err)
				}
			} else if obj["success"] != true {
				t.Errorf("answer %s: not an object with success", b)
			}
			got, ok := types.Lookup(e.Name)
			if !ok || got.Path != e.Path || types.PathOf(e.Name) != e.Path {
				t.Errorf("Lookup(%q) = %+v, %v", e.Name, got, ok)
			}
		})
	}
	if got := types.PathOf("jsorc_future_thing"); got != "/js_admin/jsorc_future_thing" {
		t.Errorf("PathOf an unknown name = %q", got)
	}
}

// TestActionsStatusAnswer: one status and every status encode as JSORC's
// "action_status" and decode back to the same form, whatever the modules
// are called.
func TestActionsStatusAnswer(t *testing.T) {
	mode := "remote"
	one := types.ActionStatus{Mode: &mode, Serving: "remote", Actions: []string{"encode"}, Source: "builtin"}
	cases := []struct {
		name string
		in   types.ActionsStatusAnswer
	}{
		{"one", types.ActionsStatusAnswer{One: &one}},
		{"all", types.ActionsStatusAnswer{All: map[string]types.ActionStatus{"textenc": one, "echo": {Actions: []string{}}}}},
		{"modules named like fields", types.ActionsStatusAnswer{All: map[string]types.ActionStatus{"serving": one, "mode": one}}},
		{"none", types.ActionsStatusAnswer{All: map[string]types.ActionStatus{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := types.WithSuccess(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"action_status":`) {
				t.Errorf("%s has no action_status", b)
			}
			var out types.ActionsStatusAnswer
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatalf("decoding %s: %v", b, err)
			}
			if !reflect.DeepEqual(out, tc.in) {
				t.Errorf("round trip of %s = %+v, want %+v", b, out, tc.in)
			}
		})
	}
}

// TestTopLevelAnswers: a benchmark report's request types and a load
// test's apps are the answer's only keys, as in JSORC (no "success": a
// script iterates over them), and an older engine's "success" beside them
// is skipped when decoding.
func TestTopLevelAnswers(t *testing.T) {
	rep := types.BenchmarkAnswer{Report: types.Report{"walker_run": {"all": {Throughput: 2}}}}
	b, err := types.Encode(rep)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"walker_run":{"all":{"throughput":2,"average_latency":0,"50th_latency":0,"90th_latency":0,"95th_latency":0,"99th_latency":0}}}` {
		t.Errorf("benchmark answer %s", b)
	}
	var back types.BenchmarkAnswer
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, rep) {
		t.Errorf("benchmark round trip = %+v, %v", back, err)
	}
	old, _ := types.WithSuccess(rep)
	if err := json.Unmarshal(old, &back); err != nil || !reflect.DeepEqual(back, rep) {
		t.Errorf("benchmark with success %s = %+v, %v", old, back, err)
	}
	if b, _ := types.Encode(types.BenchmarkAnswer{}); string(b) != `{}` {
		t.Errorf("no report: %s", b)
	}
	lt := types.LoadTestAnswer{Result: types.LoadTestResult{"app": {"all_local": {Requests: 3}}}}
	b, err = types.Encode(lt)
	if err != nil {
		t.Fatal(err)
	}
	var ltBack types.LoadTestAnswer
	if err := json.Unmarshal(b, &ltBack); err != nil || ltBack.Result["app"]["all_local"].Requests != 3 || len(ltBack.Result) != 1 {
		t.Errorf("load test round trip of %s = %+v, %v", b, ltBack, err)
	}
	if _, err := types.WithSuccess([]int{1}); err == nil {
		t.Error("WithSuccess took a list")
	}
}
