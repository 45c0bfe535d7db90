package api_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine"
)

// adminCase is one call of an admin endpoint on a fresh engine.
type adminCase struct {
	name     string
	setup    func(t *testing.T, f *fixture)
	endpoint string
	body     string
	code     int
	// want are substrings of the errors (on failure) or of the raw answer
	// (on success).
	want  []string
	check func(t *testing.T, f *fixture, a answer)
}

func runAdminCases(t *testing.T, cases []adminCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			a := f.admin(t, tc.endpoint, tc.body)
			if a.code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", a.code, tc.code, a.raw)
			}
			text := a.raw
			if a.code/100 != 2 {
				text = a.errorsText()
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("answer %q does not mention %q", text, w)
				}
			}
			if tc.check != nil {
				tc.check(t, f, a)
			}
		})
	}
}

func loaded(names ...string) func(t *testing.T, f *fixture) {
	return func(t *testing.T, f *fixture) {
		for _, n := range names {
			f.loadModule(t, n)
		}
	}
}

func TestActionsConfig(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "builtin one", endpoint: "jsorc_actions_config", body: `{"name":"echo","config":"builtin"}`, code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				if got := a.body["configured"]; !equalJSON(got, []any{"echo"}) {
					t.Errorf("configured = %v, want [echo]", got)
				}
			}},
		{name: "builtin all", endpoint: "jsorc_actions_config", body: `{"name":"all","config":" builtin\n"}`, code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				if got := a.body["configured"]; !equalJSON(got, []any{"echo", "synth", "textenc"}) {
					t.Errorf("configured = %v, want [echo synth textenc]", got)
				}
			}},
		{name: "yaml text with source", endpoint: "jsorc_actions_config",
			body: mustJSON(t, map[string]any{"name": "enc2", "config": "enc2:\n  builtin: textenc\n  local_mem_requirement: 12\n", "source": "/tmp/acts.yaml"}), code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				st, err := f.e.Status("enc2")
				if err != nil {
					t.Fatalf("Status(enc2): %v", err)
				}
				if st.Source != "/tmp/acts.yaml" || st.Module.LocalMemRequirement != 12 || st.Module.Builtin != "textenc" {
					t.Errorf("status of enc2 = %+v", st)
				}
			}},
		{name: "text without source says api", endpoint: "jsorc_actions_config",
			body: mustJSON(t, map[string]any{"name": "e2", "config": `{"e2": {"builtin": "echo"}}`}), code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				st, err := f.e.Status("e2")
				if err != nil || st.Source != "api" {
					t.Errorf("Status(e2) = %+v, %v; want source api", st, err)
				}
			}},
		{name: "unknown field named", endpoint: "jsorc_actions_config",
			body: mustJSON(t, map[string]any{"name": "echo", "config": "echo:\n  builtin: echo\n  bogus_field: 1\n"}), code: 400,
			want: []string{"bogus_field"}},
		{name: "module missing from source", endpoint: "jsorc_actions_config",
			body: mustJSON(t, map[string]any{"name": "nosuch", "config": "echo:\n  builtin: echo\n"}), code: 404,
			want: []string{"nosuch"}},
		{name: "unknown builtin", endpoint: "jsorc_actions_config",
			body: mustJSON(t, map[string]any{"name": "x", "config": "x:\n  builtin: no_such_builtin\n"}), code: 400,
			want: []string{"no_such_builtin"}},
		{name: "malformed yaml", endpoint: "jsorc_actions_config",
			body: mustJSON(t, map[string]any{"name": "x", "config": "x: [unclosed\n"}), code: 400},
		{name: "missing name", endpoint: "jsorc_actions_config", body: `{"config":"builtin"}`, code: 400, want: []string{`"name"`}},
		{name: "missing config", endpoint: "jsorc_actions_config", body: `{"name":"echo"}`, code: 400, want: []string{`"config"`}},
	})
}

func TestActionsLoad(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "module mode", endpoint: "jsorc_actions_load", body: `{"name":"echo","mode":"module"}`, code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				st, _ := a.body["action_status"].(map[string]any)
				if st["mode"] != "module" || st["serving"] != "module" {
					t.Errorf("action_status = %v, want mode and serving module", st)
				}
				if m, _ := st["module"].(map[string]any); m["loaded"] != true {
					t.Errorf("action_status.module = %v, want loaded true", m)
				}
			}},
		{name: "local is module", endpoint: "jsorc_actions_load", body: `{"name":"textenc","mode":"local"}`, code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				st, _ := a.body["action_status"].(map[string]any)
				if st["mode"] != "module" || st["serving"] != "module" {
					t.Errorf("action_status = %v, want mode and serving module", st)
				}
			}},
		{name: "bad mode", endpoint: "jsorc_actions_load", body: `{"name":"echo","mode":"sideways"}`, code: 400, want: []string{"sideways"}},
		{name: "unknown module", endpoint: "jsorc_actions_load", body: `{"name":"nosuch","mode":"module"}`, code: 404, want: []string{"nosuch"}},
		{name: "missing name", endpoint: "jsorc_actions_load", body: `{"mode":"module"}`, code: 400, want: []string{`"name"`}},
		{name: "missing mode", endpoint: "jsorc_actions_load", body: `{"name":"echo"}`, code: 400, want: []string{`"mode"`}},
		{name: "huge timeout is refused naming the limit", endpoint: "jsorc_actions_load", body: `{"name":"echo","mode":"module","timeout":1e300}`, code: 400, want: []string{"timeout", "3600"}},
		{name: "negative timeout", endpoint: "jsorc_actions_load", body: `{"name":"echo","mode":"module","timeout":-1}`, code: 400, want: []string{"negative"}},
		{name: "remote-only config in module mode", endpoint: "jsorc_actions_load", body: `{"name":"far","mode":"module"}`, code: 409,
			setup: func(t *testing.T, f *fixture) {
				if a := f.admin(t, "jsorc_actions_config", mustJSON(t, map[string]any{"name": "far", "config": "far:\n  url: http://127.0.0.1:1\n"})); a.code != 200 {
					t.Fatalf("configuring far: %s", a.raw)
				}
			}},
	})
}

func TestActionsStatus(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "one", endpoint: "jsorc_actions_status", body: `{"name":"echo"}`, code: 200, setup: loaded("echo"),
			check: func(t *testing.T, f *fixture, a answer) {
				st, _ := a.body["action_status"].(map[string]any)
				if st["mode"] != "module" {
					t.Errorf("mode = %v, want module", st["mode"])
				}
				acts, _ := st["actions"].([]any)
				if !slices.Contains(acts, any("echo")) {
					t.Errorf("actions = %v, want echo among them", acts)
				}
			}},
		{name: "scale outside the range", endpoint: "jsorc_actions_scale", body: `{"name":"synth","replicas":2}`, code: 400},
		{name: "scale an unknown module", endpoint: "jsorc_actions_scale", body: `{"name":"nosuch","replicas":1}`, code: 404},
		{name: "one unloaded has null mode", endpoint: "jsorc_actions_status", body: `{"name":"synth"}`, code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				st, _ := a.body["action_status"].(map[string]any)
				if v, ok := st["mode"]; !ok || v != nil {
					t.Errorf("mode = %v (present %v), want null", v, ok)
				}
			}},
		{name: "all by empty name", endpoint: "jsorc_actions_status", body: `{"name":""}`, code: 200,
			check: func(t *testing.T, f *fixture, a answer) { wantAllModules(t, a) }},
		{name: "all by empty body", endpoint: "jsorc_actions_status", body: ``, code: 200,
			check: func(t *testing.T, f *fixture, a answer) { wantAllModules(t, a) }},
		// JSORC: a module it never loaded has no status, which is no error.
		{name: "unknown", endpoint: "jsorc_actions_status", body: `{"name":"nosuch"}`, code: 200, want: []string{`"action_status":null`}},
	})
}

func wantAllModules(t *testing.T, a answer) {
	t.Helper()
	all, _ := a.body["action_status"].(map[string]any)
	for _, m := range []string{"echo", "synth", "textenc"} {
		if _, ok := all[m]; !ok {
			t.Errorf("action_status has no %s: %v", m, all)
		}
	}
}

func TestActionsUnload(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "auto", endpoint: "jsorc_actions_unload", body: `{"name":"echo","mode":"auto"}`, code: 200, setup: loaded("echo"),
			want: []string{"unloaded echo"},
			check: func(t *testing.T, f *fixture, a answer) {
				st, err := f.e.Status("echo")
				if err != nil || st.Mode != nil || st.RequestedMode != nil || st.Serving != "" {
					t.Errorf("after unload: %+v, %v", st, err)
				}
			}},
		{name: "default mode and retire_svc false", endpoint: "jsorc_actions_unload", body: `{"name":"echo","retire_svc":false}`, code: 200,
			setup: loaded("echo"), want: []string{"unloaded echo"}},
		{name: "not loaded", endpoint: "jsorc_actions_unload", body: `{"name":"echo"}`, code: 409, want: []string{"not loaded"}},
		{name: "wrong mode", endpoint: "jsorc_actions_unload", body: `{"name":"echo","mode":"remote"}`, code: 409, setup: loaded("echo"),
			want: []string{"module mode"}},
		{name: "bad mode", endpoint: "jsorc_actions_unload", body: `{"name":"echo","mode":"sideways"}`, code: 400, want: []string{"sideways"}},
		{name: "unknown module", endpoint: "jsorc_actions_unload", body: `{"name":"nosuch"}`, code: 404},
		{name: "missing name", endpoint: "jsorc_actions_unload", body: `{}`, code: 400, want: []string{`"name"`}},
	})
}

func TestActionsCall(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "ok", endpoint: "actions_call", body: `{"name":"echo.echo","ctx":{"value":{"a":[1,2]}}}`, code: 200, setup: loaded("echo"),
			check: func(t *testing.T, f *fixture, a answer) {
				if !equalJSON(a.body["result"], map[string]any{"a": []any{1.0, 2.0}}) {
					t.Errorf("result = %v", a.body["result"])
				}
			}},
		{name: "textenc cos_sim", endpoint: "actions_call", body: `{"name":"textenc.cos_sim","ctx":{"text1":"a cat","text2":"a cat"}}`, code: 200,
			setup: loaded("textenc"),
			check: func(t *testing.T, f *fixture, a answer) {
				if v, ok := a.body["result"].(float64); !ok || v < 0.99 {
					t.Errorf("cos_sim of equal texts = %v, want about 1", a.body["result"])
				}
			}},
		{name: "missing required param", endpoint: "actions_call", body: `{"name":"echo.echo","ctx":{}}`, code: 400, setup: loaded("echo"),
			want: []string{"value"}},
		// bogus is dropped, as Jaseci's client dropped a key the action does not take.
		{name: "every bad field listed", endpoint: "actions_call", body: `{"name":"textenc.cos_sim","ctx":{"bogus":1}}`, code: 400,
			setup: loaded("textenc"), want: []string{"text1", "text2"}},
		{name: "action failure", endpoint: "actions_call", body: `{"name":"echo.fail","ctx":{"message":"boom-7"}}`, code: 500,
			setup: loaded("echo"), want: []string{"boom-7"}},
		{name: "unknown action", endpoint: "actions_call", body: `{"name":"echo.nosuch"}`, code: 404, setup: loaded("echo"), want: []string{"nosuch"}},
		{name: "unknown module", endpoint: "actions_call", body: `{"name":"nosuch.echo"}`, code: 404, want: []string{"nosuch"}},
		{name: "not loaded", endpoint: "actions_call", body: `{"name":"echo.echo","ctx":{"value":1}}`, code: 409, want: []string{"not loaded"}},
		{name: "bad action name", endpoint: "actions_call", body: `{"name":"echo"}`, code: 400, want: []string{"MODULE.ACTION"}},
		{name: "missing name", endpoint: "actions_call", body: `{"ctx":{}}`, code: 400, want: []string{`"name"`}},
		{name: "ctx not an object", endpoint: "actions_call", body: `{"name":"echo.echo","ctx":[1]}`, code: 400},
	})
}

func TestActionPolicy(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "set default", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"default"}`, code: 200, want: []string{"default"},
			check: func(t *testing.T, f *fixture, a answer) {
				if msg, _ := a.body["message"].(string); msg == "" {
					t.Errorf("no message: %s", a.raw)
				}
			}},
		{name: "set default with empty params", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"default","policy_params":{}}`, code: 200},
		{name: "set evaluation", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"evaluation","policy_params":{"eval_phase":5}}`, code: 200, want: []string{"policy set to evaluation"}},
		{name: "set costmodel bad param", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"costmodel","policy_params":{"bogus":1}}`, code: 400, want: []string{"bogus"}},
		{name: "set unknown", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"whim"}`, code: 400, want: []string{"whim"}},
		{name: "default takes no params", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"default","policy_params":{"x":1}}`, code: 400},
		{name: "set without name", endpoint: "jsorc_actionpolicy_set", body: `{}`, code: 400, want: []string{"policy_name"}},
		{name: "get", endpoint: "jsorc_actionpolicy_get", body: `{}`, code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				// JSORC's "policy" is the name as set; jsorc's state beside it.
				if a.body["policy"] != "default" || a.body["policy_name"] != "default" {
					t.Errorf("policy = %v, want policy and policy_name default", a.raw)
				}
			}},
		{name: "get takes no params", endpoint: "jsorc_actionpolicy_get", body: `{"x":1}`, code: 400, want: []string{"x"}},
	})
}

func TestConfig(t *testing.T) {
	t.Parallel()
	getMeta := func(t *testing.T, f *fixture) map[string]any {
		t.Helper()
		a := f.admin(t, "config_get", `{"name":"META_CONFIG"}`)
		if a.code != 200 {
			t.Fatalf("config_get: %s", a.raw)
		}
		s, ok := a.value.(string) // JSORC's bare JSON string
		if !ok {
			t.Fatalf("config_get answered %T, want a JSON string", a.value)
		}
		var m map[string]any
		if err := jsonUnmarshal(s, &m); err != nil {
			t.Fatalf("config_get value %q: %v", s, err)
		}
		return m
	}
	wantBackoff := func(n float64) func(t *testing.T, f *fixture, a answer) {
		return func(t *testing.T, f *fixture, a answer) {
			if m := getMeta(t, f); m["backoff_interval"] != n {
				t.Errorf("backoff_interval = %v, want %v", m["backoff_interval"], n)
			}
		}
	}
	runAdminCases(t, []adminCase{
		{name: "get default", endpoint: "config_get", body: `{"name":"META_CONFIG"}`, code: 200,
			check: func(t *testing.T, f *fixture, a answer) {
				m := getMeta(t, f)
				want := map[string]any{"automation": false, "backoff_interval": 10.0, "namespace": "default",
					"keep_alive": []any{"promon", "redis", "task", "mail"}}
				for k, v := range want {
					if !equalJSON(m[k], v) {
						t.Errorf("META_CONFIG.%s = %v, want %v", k, m[k], v)
					}
				}
			}},
		{name: "set JSON string as JSORC sent it", endpoint: "config_set",
			body: mustJSON(t, map[string]any{"name": "META_CONFIG", "value": `{"backoff_interval": 7, "namespace": "ops"}`}), code: 200,
			check: wantBackoff(7)},
		{name: "set JSON object", endpoint: "config_set", body: `{"name":"META_CONFIG","value":{"backoff_interval":8}}`, code: 200,
			check: wantBackoff(8)},
		{name: "backoff below floor", endpoint: "config_set", body: `{"name":"META_CONFIG","value":{"backoff_interval":2}}`, code: 400,
			want: []string{"floor"}, check: wantBackoff(10)},
		{name: "unknown field in value", endpoint: "config_set", body: `{"name":"META_CONFIG","value":"{\"bogus_key\":1}"}`, code: 400,
			want: []string{"bogus_key"}, check: wantBackoff(10)},
		{name: "unknown parameter", endpoint: "config_set", body: `{"name":"META_CONFIG","value":"{}","extra_param":1}`, code: 400,
			want: []string{"extra_param"}},
		{name: "value missing", endpoint: "config_set", body: `{"name":"META_CONFIG"}`, code: 400, want: []string{`"value"`}},
		{name: "value null", endpoint: "config_set", body: `{"name":"META_CONFIG","value":null}`, code: 400},
		{name: "set unknown config", endpoint: "config_set", body: `{"name":"OTHER","value":"{}"}`, code: 404, want: []string{"OTHER"}},
		{name: "get unknown config", endpoint: "config_get", body: `{"name":"OTHER"}`, code: 404, want: []string{"OTHER"}},
		{name: "get without name", endpoint: "config_get", body: `{}`, code: 400, want: []string{`"name"`}},
	})
}

func TestServiceRefresh(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "meta", endpoint: "service_refresh", body: `{"name":"meta"}`, code: 200},
		{name: "meta rereads the stored config", endpoint: "service_refresh", body: `{"name":"meta"}`, code: 200,
			setup: func(t *testing.T, f *fixture) {
				if a := f.admin(t, "config_set", `{"name":"META_CONFIG","value":{"backoff_interval":9}}`); a.code != 200 {
					t.Fatalf("config_set: %s", a.raw)
				}
			},
			check: func(t *testing.T, f *fixture, a answer) {
				if got := f.e.Meta().BackoffInterval; got != 9 {
					t.Errorf("backoff_interval after refresh = %d, want 9", got)
				}
			}},
		{name: "unknown service", endpoint: "service_refresh", body: `{"name":"nosuch"}`, code: 404, want: []string{"nosuch"}},
		// task is the engine's own now; elastic (JSORC's) has no definition.
		{name: "service without definition", endpoint: "service_refresh", body: `{"name":"elastic"}`, code: 404, want: []string{"elastic"}},
		{name: "missing name", endpoint: "service_refresh", body: `{}`, code: 400},
	})
}

const appsYAML = `
pipe:
  doc: echoes the request through two steps
  steps:
    - action: echo.echo
      args:
        value: {x: "$ctx.x", all: "$ctx", lit: "plain"}
    - action: echo.echo
      args:
        value: ["$prev", "$ctx.missing"]
one:
  steps:
    - action: echo.echo
      args: {value: "$ctx.x"}
`

func TestApps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.admin(t, "app_config", mustJSON(t, map[string]any{"config": appsYAML, "source": "apps.yaml"}))
	if a.code != 200 || !equalJSON(a.body["apps"], []any{"one", "pipe"}) {
		t.Fatalf("app_config: HTTP %d %s", a.code, a.raw)
	}
	a = f.admin(t, "app_list", ``)
	apps, _ := a.body["apps"].(map[string]any)
	pipe, _ := apps["pipe"].(map[string]any)
	if a.code != 200 || len(apps) != 2 || pipe["doc"] != "echoes the request through two steps" {
		t.Fatalf("app_list: HTTP %d %s", a.code, a.raw)
	}
	if steps, _ := pipe["steps"].([]any); len(steps) != 2 {
		t.Errorf("pipe has %d steps, want 2", len(steps))
	}

	// Not loaded yet: the step's failure is the answer.
	a = f.do(t, http.MethodPost, "/js/app_run", `{"name":"pipe","ctx":{"x":5}}`)
	if a.code != http.StatusConflict || !strings.Contains(a.errorsText(), "step 1") {
		t.Errorf("app_run before load: HTTP %d %s, want 409 naming step 1", a.code, a.raw)
	}

	f.loadModule(t, "echo")
	cases := []struct {
		name, body string
		code       int
		result     any
		want       string
	}{
		{name: "ctx and prev", body: `{"name":"pipe","ctx":{"x":5}}`, code: 200,
			result: []any{map[string]any{"x": 5.0, "all": map[string]any{"x": 5.0}, "lit": "plain"}, nil}},
		{name: "one step", body: `{"name":"one","ctx":{"x":"hi"}}`, code: 200, result: "hi"},
		{name: "missing ctx field fails the step", body: `{"name":"one"}`, code: 400, want: "value"},
		{name: "unknown app", body: `{"name":"nosuch"}`, code: 404, want: "nosuch"},
		{name: "missing name", body: `{}`, code: 400, want: `"name"`},
		{name: "unknown parameter", body: `{"name":"one","bogus":1}`, code: 400, want: "bogus"},
		{name: "malformed", body: `{"name":`, code: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := f.do(t, http.MethodPost, "/js/app_run", tc.body)
			if a.code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", a.code, tc.code, a.raw)
			}
			if tc.code == 200 {
				if !equalJSON(a.body["result"], tc.result) {
					t.Errorf("result = %#v, want %#v", a.body["result"], tc.result)
				}
				if _, ok := a.body["latency_ms"].(float64); !ok {
					t.Errorf("no latency_ms: %s", a.raw)
				}
				if steps, _ := a.body["steps_ms"].([]any); len(steps) == 0 {
					t.Errorf("no steps_ms: %s", a.raw)
				}
			}
			if tc.want != "" && !strings.Contains(a.errorsText(), tc.want) {
				t.Errorf("errors %q do not mention %q", a.errorsText(), tc.want)
			}
		})
	}
}

func TestAppConfigErrors(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "missing config", endpoint: "app_config", body: `{}`, code: 400, want: []string{`"config"`}},
		{name: "unknown field", endpoint: "app_config", body: mustJSON(t, map[string]any{"config": "a:\n  steps: [{action: echo.echo}]\n  color: red\n"}),
			code: 400, want: []string{"color"}},
		{name: "no steps", endpoint: "app_config", body: mustJSON(t, map[string]any{"config": "a:\n  steps: []\n"}), code: 400},
		{name: "bad action name", endpoint: "app_config", body: mustJSON(t, map[string]any{"config": "a:\n  steps: [{action: echo}]\n"}), code: 400},
		{name: "list takes no params", endpoint: "app_list", body: `{"x":1}`, code: 400},
	})
}

func TestRequestErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name, method, path, body string
		code                     int
		want                     string
	}{
		{name: "malformed JSON", method: "POST", path: "/js_admin/jsorc_actions_status", body: `{"name":`, code: 400},
		{name: "not an object", method: "POST", path: "/js_admin/jsorc_actions_status", body: `[1,2]`, code: 400},
		{name: "trailing data", method: "POST", path: "/js_admin/jsorc_actions_status", body: `{} {}`, code: 400, want: "trailing"},
		{name: "wrong type", method: "POST", path: "/js_admin/jsorc_actions_status", body: `{"name":3}`, code: 400},
		{name: "unknown parameter", method: "POST", path: "/js_admin/jsorc_actions_status", body: `{"nam":"echo"}`, code: 400, want: "nam"},
		{name: "trailing slash accepted", method: "POST", path: "/js_admin/jsorc_actions_status/", body: `{"name":"echo"}`, code: 200},
		{name: "unknown admin endpoint", method: "POST", path: "/js_admin/jsorc_nothing", body: `{}`, code: 404, want: "jsorc_nothing"},
		{name: "unknown path", method: "GET", path: "/nowhere", code: 404, want: "/nowhere"},
		{name: "GET on app_run", method: "GET", path: "/js/app_run", code: 404},
		{name: "DELETE on admin", method: "DELETE", path: "/js_admin/jsorc_actions_status", code: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := f.do(t, tc.method, tc.path, tc.body)
			if a.code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", a.code, tc.code, a.raw)
			}
			if tc.want != "" && !strings.Contains(a.errorsText(), tc.want) {
				t.Errorf("errors %q do not mention %q", a.errorsText(), tc.want)
			}
		})
	}
}

func TestHealthzAndList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.do(t, http.MethodGet, "/healthz", "")
	if a.code != 200 || a.body["status"] != "ok" {
		t.Errorf("healthz: HTTP %d %s", a.code, a.raw)
	}
	a = f.do(t, http.MethodGet, "/js_admin/", "")
	if a.code != 200 {
		t.Fatalf("list: HTTP %d %s", a.code, a.raw)
	}
	var got []string
	list, _ := a.body["endpoints"].([]any)
	for _, x := range list {
		s, _ := x.(string)
		got = append(got, s)
	}
	want := []string{
		"actions_call", "actions_list", "actions_module_list", "app_config", "app_list",
		"config_delete", "config_exists", "config_get", "config_list", "config_set",
		"jsorc_actionpolicy_get", "jsorc_actionpolicy_set",
		"jsorc_actions_config", "jsorc_actions_delete", "jsorc_actions_describe", "jsorc_actions_load", "jsorc_actions_scale", "jsorc_actions_status", "jsorc_actions_unload",
		"jsorc_benchmark_report", "jsorc_benchmark_start", "jsorc_benchmark_stop", "jsorc_engine_info",
		"jsorc_events", "jsorc_history",
		"jsorc_loadtest", "jsorc_loadtest_status", "jsorc_logs", "jsorc_refresh", "jsorc_reports", "jsorc_stats",
		"jsorc_trackact_start", "jsorc_trackact_stop",
		"jsorc_tracksys_report", "jsorc_tracksys_start", "jsorc_tracksys_stop",
		"service_config", "service_info", "service_refresh",
	}
	if !slices.Equal(got, want) {
		t.Errorf("endpoints = %v\nwant %v", got, want)
	}
}

// TestLoadCallUnloadCycle walks one module through its life on one engine.
func TestLoadCallUnloadCycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	steps := []struct {
		endpoint, body string
		code           int
	}{
		{"actions_call", `{"name":"echo.echo","ctx":{"value":1}}`, 409},
		{"jsorc_actions_load", `{"name":"echo","mode":"module"}`, 200},
		{"jsorc_actions_load", `{"name":"echo","mode":"module"}`, 200},
		{"actions_call", `{"name":"echo.echo","ctx":{"value":1}}`, 200},
		{"jsorc_actions_unload", `{"name":"echo","mode":"auto"}`, 200},
		{"actions_call", `{"name":"echo.echo","ctx":{"value":1}}`, 409},
		{"jsorc_actions_unload", `{"name":"echo","mode":"auto"}`, 409},
		{"jsorc_actions_load", `{"name":"echo","mode":"module"}`, 200},
		{"actions_call", `{"name":"echo.echo","ctx":{"value":2}}`, 200},
	}
	for i, s := range steps {
		if a := f.admin(t, s.endpoint, s.body); a.code != s.code {
			t.Fatalf("step %d %s %s: HTTP %d, want %d: %s", i+1, s.endpoint, s.body, a.code, s.code, a.raw)
		}
	}
}

func TestOversizedBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// A JSON string one byte over the 32 MiB bound.
	big := `{"name":"` + strings.Repeat("x", 32<<20) + `"}`
	for _, path := range []string{"/js_admin/jsorc_actions_status", "/js/app_run"} {
		if a := f.do(t, http.MethodPost, path, big); a.code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: HTTP %d, want 413: %.200s", path, a.code, a.raw)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	f := newFixture(t)
	e := f.e
	if _, err := e.Load(context.Background(), "echo", "module", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := e.Call(context.Background(), "echo.echo", map[string]any{"value": 1.0}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Get(f.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`jsorc_action_call_duration_seconds_count{action="echo",mode="module",module="echo"} 3`,
		`jsorc_module_serving{mode="module",module="echo"} 1`,
		`jsorc_placement_changes_total{module="echo"} 1`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
