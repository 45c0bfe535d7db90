package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestJSORCEnvelope: the keys every JSORC client sends (op, do_check,
// _req_ctx, _raw_req_ctx) are dropped on every endpoint, dict parameters
// may come as JSON strings, and any other unknown key is still refused.
func TestJSORCEnvelope(t *testing.T) {
	t.Parallel()
	runAdminCases(t, []adminCase{
		{name: "op and do_check on config_get", endpoint: "config_get", body: `{"op":"config_get","name":"META_CONFIG","do_check":false}`, code: 200, want: []string{`backoff_interval`}},
		{name: "do_check on service_refresh", endpoint: "service_refresh", body: `{"op":"service_refresh","name":"meta","do_check":false}`, code: 200},
		{name: "request contexts", endpoint: "jsorc_actions_status", body: `{"name":"echo","_req_ctx":{"headers":{}},"_raw_req_ctx":"x"}`, code: 200},
		{name: "op on a bodiless endpoint", endpoint: "jsorc_benchmark_start", body: `{"op":"jsorc_benchmark_start"}`, code: 200},
		{name: "still strict beside op", endpoint: "config_get", body: `{"op":"config_get","name":"META_CONFIG","bogus":1}`, code: 400, want: []string{"bogus"}},
		{name: "policy_params as a string", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"Evaluation","policy_params":"{\"node_mem\": 4096, \"eval_phase\": 10}"}`, code: 200,
			check: func(t *testing.T, f *fixture, _ answer) {
				if p := f.e.PolicyGet(); p.Name != "Evaluation" || p.Params["node_mem_mb"] != 4096.0 {
					t.Errorf("policy %s %v, want Evaluation with node_mem_mb 4096", p.Name, p.Params)
				}
			}},
		{name: "policy_params empty string", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"Default","policy_params":""}`, code: 200},
		{name: "policy_params not an object", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"Default","policy_params":"[1]"}`, code: 400, want: []string{"policy_params", "not a JSON object"}},
		{name: "ctx as a string", endpoint: "actions_call", body: `{"name":"echo.echo","ctx":"{\"value\": 9007199254740993}"}`, code: 200, setup: loaded("echo"),
			want: []string{`"result":9007199254740993`}},
	})
}

// TestJSORCTokenScheme: JSORC's `Authorization: token TOKEN` is taken as
// well as a bearer token; other schemes are not.
func TestJSORCTokenScheme(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		header string
		code   int
	}{
		{"token " + testToken, http.StatusOK},
		{"Token " + testToken, http.StatusOK},
		{"token wrong", http.StatusUnauthorized},
		{"Basic " + testToken, http.StatusUnauthorized},
	} {
		req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/js_admin/config_list", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", tc.header)
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("Authorization %q: HTTP %d, want %d", tc.header, resp.StatusCode, tc.code)
		}
	}
}

// TestActionsListing: actions_list and actions_module_list answer JSORC's
// bare lists of what serves now; remote modules are not in the module list.
func TestActionsListing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	list := func(endpoint, body string) string {
		t.Helper()
		a := f.admin(t, endpoint, body)
		if a.code != http.StatusOK {
			t.Fatalf("%s %s: %s", endpoint, body, a.raw)
		}
		return strings.TrimSpace(a.raw)
	}
	if got := list("actions_list", `{"op":"actions_list"}`); got != `[]` {
		t.Errorf("actions_list with nothing loaded = %s", got)
	}
	f.loadModule(t, "echo")
	for _, tc := range []struct{ endpoint, body, want string }{
		{"actions_list", `{}`, `["echo.args","echo.echo","echo.fail","echo.sleep"]`},
		{"actions_list", `{"name":"echo.e"}`, `["echo.echo"]`},
		{"actions_list", `{"name":"zz"}`, `[]`},
		{"actions_module_list", `{}`, `["echo"]`},
		{"actions_module_list", `{"detailed":true}`, `{"echo":["echo.args","echo.echo","echo.fail","echo.sleep"]}`},
	} {
		if got := list(tc.endpoint, tc.body); got != tc.want {
			t.Errorf("%s %s = %s, want %s", tc.endpoint, tc.body, got, tc.want)
		}
	}
	if a := f.admin(t, "jsorc_actions_unload", `{"name":"echo","mode":"auto"}`); a.code != http.StatusOK {
		t.Fatalf("unload: %s", a.raw)
	}
	if got := list("actions_list", `{}`); got != `[]` {
		t.Errorf("actions_list after the unload = %s", got)
	}
	if got := list("actions_module_list", `{}`); got != `[]` {
		t.Errorf("actions_module_list after the unload = %s", got)
	}
}

// TestActionStatusShape: JSORC's keys with JSORC's meaning — mode the
// serving mode, module.name and loaded_module while in-process, local and
// remote nulls — and jsorc's requested_mode beside them; name "" answers
// the condensed map, the full records under "modules".
func TestActionStatusShape(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before := f.admin(t, "jsorc_actions_status", `{"name":"echo"}`)
	isNull := func(obj any, key string) bool {
		m, _ := obj.(map[string]any)
		v, ok := m[key]
		return ok && v == nil
	}
	st0 := before.body["action_status"]
	st0m, _ := st0.(map[string]any)
	if !isNull(st0, "mode") || !isNull(st0, "requested_mode") || !isNull(st0m["module"], "name") ||
		!isNull(st0m["module"], "loaded_module") || !isNull(st0m["remote"], "url") || !isNull(st0m["remote"], "status") {
		t.Errorf("status before a load: %s, want mode, requested_mode, module.name, loaded_module, remote.url and remote.status null", before.raw)
	}
	f.loadModule(t, "echo")
	st, _ := f.admin(t, "jsorc_actions_status", `{"name":"echo"}`).body["action_status"].(map[string]any)
	module, _ := st["module"].(map[string]any)
	local, _ := st["local"].(map[string]any)
	if st["mode"] != "module" || st["requested_mode"] != "module" || module["name"] != "echo" || module["loaded_module"] != "echo" {
		t.Errorf("status after a module load: %v", st)
	}
	if p, ok := local["path"]; !ok || p != nil {
		t.Errorf("local = %v, want JSORC's {\"path\": null}", st["local"])
	}
	all := f.admin(t, "jsorc_actions_status", `{"name":""}`)
	modes, _ := all.body["action_status"].(map[string]any)
	full, _ := all.body["modules"].(map[string]any)
	echo, _ := modes["echo"].(map[string]any)
	textenc, _ := modes["textenc"].(map[string]any)
	if len(echo) != 1 || echo["mode"] != "module" || textenc == nil || textenc["mode"] != nil || full["echo"] == nil {
		t.Errorf("status of all: %s", all.raw)
	}
}

// TestConfigsLikeJSORC: config_list, config_exists and config_delete, and
// MAIL_CONFIG's password never shown, yet kept when a config read back
// is set again.
func TestConfigsLikeJSORC(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const secret = "s3cret-pass-xyzzy"
	steps := []struct {
		endpoint, body string
		code           int
		want           string
	}{
		{"config_list", `{}`, 200, `["META_CONFIG"]`},
		{"config_exists", `{"name":"MAIL_CONFIG"}`, 200, `false`},
		{"config_set", `{"name":"MAIL_CONFIG","value":{"host":"127.0.0.1","port":2525,"user":"ops","pass":"` + secret + `","to":["ops@example.com"]}}`, 200, ``},
		{"config_list", `{}`, 200, `["MAIL_CONFIG","META_CONFIG"]`},
		{"config_exists", `{"name":"MAIL_CONFIG","do_check":false}`, 200, `true`},
		{"config_get", `{"name":"MAIL_CONFIG"}`, 200, `\"pass\":\"********\"`},
		{"config_get", `{"name":"META_CONFIG"}`, 200, `\"pass\":\"********\"`},
		{"config_set", `{"name":"META_CONFIG","value":{"backoff_interval":7}}`, 200, ``},
		{"config_delete", `{"name":"META_CONFIG","do_check":true}`, 200, `["META_CONFIG Deleted."]`},
		{"config_get", `{"name":"META_CONFIG"}`, 200, `\"backoff_interval\":10`},
		{"config_delete", `{"name":"MAIL_CONFIG"}`, 200, `["MAIL_CONFIG Deleted."]`},
		{"config_delete", `{"name":"MAIL_CONFIG"}`, 404, `not set`},
		{"config_delete", `{"name":"REDIS_CONFIG"}`, 404, `META_CONFIG`},
	}
	for i, s := range steps {
		a := f.admin(t, s.endpoint, s.body)
		if a.code != s.code || !strings.Contains(a.raw, s.want) || strings.Contains(a.raw, secret) {
			t.Fatalf("step %d %s %s: HTTP %d %s, want %d with %s (and never the password)", i, s.endpoint, s.body, a.code, a.raw, s.code, s.want)
		}
		if i == 6 {
			// What config_get showed, set again: the password is kept.
			value, _ := a.value.(string)
			if b := f.admin(t, "config_set", mustJSON(t, map[string]any{"name": "META_CONFIG", "value": value})); b.code != 200 {
				t.Fatalf("setting back what config_get showed: %s", b.raw)
			}
			if m := f.e.Meta(); m.Mail == nil || m.Mail.Pass != secret {
				t.Fatalf("the password was not kept: %+v", m.Mail)
			}
		}
	}
}

// TestJSORCRefresh: jsorc_refresh answers JSORC's shape, bare.
func TestJSORCRefresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.admin(t, "jsorc_refresh", `{"op":"jsorc_refresh"}`)
	cfg, _ := a.body["config"].(map[string]any)
	if a.code != 200 || a.body["running_interval"] != 0.0 || cfg["backoff_interval"] != 10.0 || cfg["pre_loaded_services"] == nil {
		t.Errorf("jsorc_refresh: %s", a.raw)
	}
}
