package e2e

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// outcome is what one `actions call` gave: a result, or a failure.
type outcome struct {
	result any
	failed bool
	stderr string
}

func callOutcome(t *testing.T, e *engine, action, ctx string) outcome {
	t.Helper()
	r := e.cli(t, "actions", "call", action, "-ctx", ctx, "-o", "json")
	if r.Code != 0 {
		return outcome{failed: true, stderr: r.Stderr}
	}
	var ans struct {
		Success bool            `json:"success"`
		Result  json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &ans); err != nil || !ans.Success {
		t.Fatalf("actions call %s %s: exit 0 but answer %q (%v)", action, ctx, r.Stdout, err)
	}
	var v any
	if err := json.Unmarshal(ans.Result, &v); err != nil {
		t.Fatalf("actions call %s %s: result: %v", action, ctx, err)
	}
	return outcome{result: v}
}

// TestModesAgree: where a module runs must not change what a call answers.
// The same calls are made in module mode and in remote mode and compared,
// results and failures alike.
func TestModesAgree(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())
	cases := []struct {
		name, action, ctx string
		fails             bool   // the call must fail in both modes
		mention           string // a failure must name this
	}{
		{"encode one", "textenc.encode", `{"text":"hello world"}`, false, ""},
		{"encode list", "textenc.encode", `{"text":["a b c","d e f"]}`, false, ""},
		{"cos_sim", "textenc.cos_sim", cosSimCtx(textCat, textCatToo), false, ""},
		{"topk k=2", "textenc.topk", `{"query":"cat","candidates":["dog","cat sat","car"],"k":2}`, false, ""},
		{"topk default k", "textenc.topk", `{"query":"cat","candidates":["dog","cat sat","car","cab"]}`, false, ""},
		{"topk null k", "textenc.topk", `{"query":"cat","candidates":["dog","cat sat","car","cab"],"k":null}`, false, ""},
		{"topk bad candidates", "textenc.topk", `{"query":"cat","candidates":"dog"}`, true, "candidates"},
		{"encode missing text", "textenc.encode", `{}`, true, "text"},
		{"echo nested nulls", "echo.echo", `{"value":[1,{"a":null},[null]]}`, false, ""},
		{"echo unicode", "echo.echo", `{"value":"é😀\u0000"}`, false, ""},
		{"echo big int", "echo.echo", `{"value":9007199254740993}`, false, ""},
		{"echo top-level null", "echo.echo", `{"value":null}`, true, "value"},
		{"args extra keyword", "echo.args", `{"first":1,"second":2,"third":3}`, false, ""},
		{"args null second", "echo.args", `{"first":1,"second":null}`, false, ""},
		{"args rest and opts by name", "echo.args", `{"first":1,"rest":[3,4],"opts":{"k":1}}`, false, ""},
		{"args wire-form *rest", "echo.args", `{"first":1,"*rest":[3,4]}`, false, ""},
		{"args wire-form **opts", "echo.args", `{"first":1,"**opts":{"k":null}}`, false, ""},
		{"args missing first", "echo.args", `{"second":2}`, true, "first"},
		{"fail", "echo.fail", `{"message":"boom"}`, true, "boom"},
	}

	e.load(t, "textenc", "module")
	e.load(t, "echo", "module")
	inModule := make([]outcome, len(cases))
	for i, c := range cases {
		inModule[i] = callOutcome(t, e, c.action, c.ctx)
	}
	for _, m := range []string{"textenc", "echo"} {
		if st := e.load(t, m, "remote", "-wait"); st.Serving != "remote" {
			t.Fatalf("%s: serving %q after load -wait; want remote", m, st.Serving)
		}
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mod, rem := inModule[i], callOutcome(t, e, c.action, c.ctx)
			for mode, o := range map[string]outcome{"module": mod, "remote": rem} {
				if o.failed != c.fails {
					t.Errorf("%s mode: failed=%v, want %v (stderr %q, result %v)", mode, o.failed, c.fails, o.stderr, o.result)
				}
				if o.failed && c.mention != "" && !strings.Contains(o.stderr, c.mention) {
					t.Errorf("%s mode: error %q does not name %q", mode, o.stderr, c.mention)
				}
			}
			if !mod.failed && !rem.failed && !reflect.DeepEqual(mod.result, rem.result) {
				mj, _ := json.Marshal(mod.result)
				rj, _ := json.Marshal(rem.result)
				t.Errorf("%s %s:\n module mode: %s\n remote mode: %s", c.action, c.ctx, mj, rj)
			}
		})
	}
}
