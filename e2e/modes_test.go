package e2e

import (
	"encoding/json"
	"fmt"
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

// modeCase is one call TestModesAgree makes in both modes.
type modeCase struct {
	name, action, ctx string
	fails             bool   // the call must fail in both modes
	mention           string // a failure must name this
}

// TestModesAgree: where a module runs must not change what a call answers.
// The same calls are made in module mode and in remote mode and compared,
// results and failures alike.
func TestModesAgree(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())
	cases := []modeCase{
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
		{"sleep ms=-1", "echo.sleep", `{"ms":-1}`, true, "ms"},
		{"sleep ms too long", "echo.sleep", `{"ms":1e12}`, true, "ms"},
		{"topk k=-1", "textenc.topk", `{"query":"cat","candidates":["dog"],"k":-1}`, true, "k"},
		{"topk k=0", "textenc.topk", `{"query":"cat","candidates":["dog"],"k":0}`, true, "k"},
		{"cos_sim wrong dimension", "textenc.cos_sim", `{"text1":[1,2],"text2":"a"}`, true, "text1"},
	}
	// An argument error is the caller's in both modes: HTTP 400, never 500.
	argErrors := map[string]bool{"sleep ms=-1": true, "sleep ms too long": true, "topk k=-1": true, "topk k=0": true, "cos_sim wrong dimension": true, "topk bad candidates": true}
	statusOf := func(c modeCase) int {
		code, _ := e.post(t, "/js_admin/actions_call", fmt.Sprintf(`{"name":%q,"ctx":%s}`, c.action, c.ctx), e.authJSON(t))
		return code
	}

	e.load(t, "textenc", "module")
	e.load(t, "echo", "module")
	inModule := make([]outcome, len(cases))
	moduleCode := make([]int, len(cases))
	for i, c := range cases {
		inModule[i] = callOutcome(t, e, c.action, c.ctx)
		moduleCode[i] = statusOf(c)
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
			if remCode := statusOf(c); remCode != moduleCode[i] || (argErrors[c.name] && remCode != 400) {
				t.Errorf("HTTP %d in module mode, %d in remote mode; want the same (400 for an argument error)", moduleCode[i], remCode)
			}
			if !mod.failed && !rem.failed && !reflect.DeepEqual(mod.result, rem.result) {
				mj, _ := json.Marshal(mod.result)
				rj, _ := json.Marshal(rem.result)
				t.Errorf("%s %s:\n module mode: %s\n remote mode: %s", c.action, c.ctx, mj, rj)
			}
		})
	}
}
