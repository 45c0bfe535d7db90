package api_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api"
)

// TestParameterBounds: every numeric parameter out of its range is a 400
// naming the parameter and the limit, before the engine acts on it.
func TestParameterBounds(t *testing.T) {
	t.Parallel()
	const app = "app_config"
	defineApp := func(t *testing.T, f *fixture) {
		body := mustJSON(t, map[string]any{"config": "pipe:\n  steps:\n    - action: echo.echo\n      args: {value: 1}\n"})
		if a := f.admin(t, app, body); a.code != 200 {
			t.Fatalf("app_config: %d %s", a.code, a.raw)
		}
	}
	lt := func(extra string) string {
		return `{"experiment":"pipe","policy":"all_local",` + extra + `}`
	}
	runAdminCases(t, []adminCase{
		{name: "load timeout 1e300", endpoint: "jsorc_actions_load", body: `{"name":"echo","mode":"module","timeout":1e300}`, code: 400, want: []string{"timeout", "3600"}},
		{name: "load timeout 1e-12", endpoint: "jsorc_actions_load", body: `{"name":"echo","mode":"module","timeout":1e-12}`, code: 400, want: []string{"timeout", "0.001"}},
		{name: "stats samples", endpoint: "jsorc_stats", body: `{"samples":1000000000}`, code: 400, want: []string{"samples", "100000"}},
		{name: "stats samples negative", endpoint: "jsorc_stats", body: `{"samples":-1}`, code: 400, want: []string{"samples", "negative"}},
		{name: "reports limit", endpoint: "jsorc_reports", body: `{"kind":"benchmark","limit":5000}`, code: 400, want: []string{"limit", "100"}},
		{name: "loadtest clients", endpoint: "jsorc_loadtest", body: lt(`"clients":2000000`), code: 400, setup: defineApp, want: []string{"clients", "1000"}},
		{name: "loadtest bounds come before the app", endpoint: "jsorc_loadtest", body: `{"experiment":"nope","policy":"all_local","clients":2000000}`, code: 400, want: []string{"clients"}},
		{name: "loadtest rate", endpoint: "jsorc_loadtest", body: lt(`"rate":1e12`), code: 400, setup: defineApp, want: []string{"rate", "100000"}},
		{name: "loadtest duration 1e300", endpoint: "jsorc_loadtest", body: lt(`"experiment_duration":1e300`), code: 400, setup: defineApp, want: []string{"experiment_duration", "86400"}},
		{name: "loadtest duration 1e-12", endpoint: "jsorc_loadtest", body: lt(`"experiment_duration":1e-12`), code: 400, setup: defineApp, want: []string{"experiment_duration", "0.1"}},
		{name: "loadtest eval phase", endpoint: "jsorc_loadtest", body: lt(`"eval_phase":1e300`), code: 400, setup: defineApp, want: []string{"eval_phase"}},
		{name: "loadtest perf phase", endpoint: "jsorc_loadtest", body: lt(`"perf_phase":-5`), code: 400, setup: defineApp, want: []string{"perf_phase"}},
		{name: "loadtest node memory", endpoint: "jsorc_loadtest", body: lt(`"mem":1e300`), code: 400, setup: defineApp, want: []string{"mem", "16384"}},
		{name: "loadtest mem scale", endpoint: "jsorc_loadtest", body: lt(`"mem_scale":1e9`), code: 400, setup: defineApp, want: []string{"mem_scale"}},
		{name: "loadtest policies", endpoint: "jsorc_loadtest", body: `{"experiment":"pipe","policy":"` + strings.Repeat("all_local,", 20) + `all_local"}`, code: 400, setup: defineApp, want: []string{"policies", "8"}},
		{name: "policy eval phase", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"evaluation","policy_params":{"eval_phase":1e300}}`, code: 400, want: []string{"eval_phase", "86400"}},
		{name: "policy perf phase tiny", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"evaluation","policy_params":{"perf_phase":1e-12}}`, code: 400, want: []string{"perf_phase", "0.001"}},
		{name: "policy node memory", endpoint: "jsorc_actionpolicy_set", body: `{"policy_name":"costmodel","policy_params":{"node_mem_mb":1e300}}`, code: 400, want: []string{"node_mem_mb"}},
		{name: "backoff interval", endpoint: "config_set", body: `{"name":"META_CONFIG","value":"{\"backoff_interval\":100000000000}"}`, code: 400, want: []string{"backoff_interval", "86400"}},
		{name: "synth mem_mb", endpoint: "jsorc_actions_load", body: `{"name":"big","mode":"module"}`, code: 400, want: []string{"mem_mb", "16777216"},
			setup: func(t *testing.T, f *fixture) {
				cfg := mustJSON(t, map[string]any{"name": "big", "config": "big:\n  builtin: synth\n  params: {mem_mb: 1000000000000}\n"})
				if a := f.admin(t, "jsorc_actions_config", cfg); a.code != 200 {
					t.Fatalf("config: %s", a.raw)
				}
			}},
		{name: "echo.sleep ms=-1", endpoint: "actions_call", body: `{"name":"echo.sleep","ctx":{"ms":-1}}`, code: 400, setup: loaded("echo"), want: []string{"ms", "3600000"}},
		{name: "echo.sleep ms=1e300", endpoint: "actions_call", body: `{"name":"echo.sleep","ctx":{"ms":1e300}}`, code: 400, setup: loaded("echo"), want: []string{"ms"}},
		{name: "textenc.topk k=-1", endpoint: "actions_call", body: `{"name":"textenc.topk","ctx":{"query":"q","candidates":["a"],"k":-1}}`, code: 400, setup: loaded("textenc"), want: []string{"k"}},
	})
}

// TestLoadTestBoundsLoadNothing: a refused load test leaves every module
// as it was.
func TestLoadTestBoundsLoadNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if a := f.admin(t, "app_config", mustJSON(t, map[string]any{"config": "pipe:\n  steps:\n    - action: echo.echo\n"})); a.code != 200 {
		t.Fatalf("app_config: %s", a.raw)
	}
	if a := f.admin(t, "jsorc_loadtest", `{"experiment":"pipe","policy":"all_local","clients":2000000}`); a.code != 400 {
		t.Fatalf("loadtest: HTTP %d %s", a.code, a.raw)
	}
	for name, st := range f.e.StatusAll() {
		if st.Mode != nil || st.RequestedMode != nil {
			t.Errorf("%s is loaded (%s) after a refused load test", name, st)
		}
	}
}

// TestBodyChecks: size, encoding, nesting and number of values are
// checked before decoding.
func TestBodyChecks(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	many := "[" + strings.Repeat("1,", 2000) + "1]"
	base := newGuardedFixture(t, api.Options{Limits: api.Limits{MaxValues: 1000}})
	cases := []struct {
		name, path, body string
		code             int
		want             string
	}{
		{"small endpoint, 100 KB", "/js_admin/jsorc_actions_status", `{"name":"` + strings.Repeat("a", 100<<10) + `"}`, 413, "65536"},
		{"large endpoint, 9 MB", "/js_admin/actions_call", `{"name":"echo.echo","ctx":{"value":"` + strings.Repeat("a", 9<<20) + `"}}`, 413, "8388608"},
		{"invalid UTF-8", "/js_admin/actions_call", "{\"name\":\"echo.echo\",\"ctx\":{\"value\":\"\xff\xfe\"}}", 400, "UTF-8"},
		{"absurd nesting", "/js_admin/actions_call", `{"name":"echo.echo","ctx":{"value":` + deep + `}}`, 400, "deeper than 64"},
		{"too many values", "/js_admin/actions_call", `{"name":"echo.echo","ctx":{"value":` + many + `}}`, 400, "more than 1000"},
		{"nesting in app_run", "/js/app_run", `{"name":"x","ctx":{"v":` + deep + `}}`, 400, "deeper"},
		{"escaped quotes do not hide nesting", "/js_admin/actions_call", `{"name":"echo.echo","ctx":{"value":"\"[[[[","v":` + deep + `}}`, 400, "deeper"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := send(t, base, rawReq{method: "POST", path: tc.path, body: tc.body, contentType: "application/json", token: testToken})
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("HTTP %d %.300s; want %d mentioning %q", code, body, tc.code, tc.want)
			}
		})
	}
}

// TestHeavyRequestsAreBounded: with every heavy slot taken, another heavy
// request is answered 429 with Retry-After at once; light requests still
// pass; once the slot is free the heavy request passes.
func TestHeavyRequestsAreBounded(t *testing.T) {
	t.Parallel()
	base := newGuardedFixture(t, api.Options{Limits: api.Limits{Heavy: 1}})
	host := strings.TrimPrefix(base, "http://")

	// A heavy request (a 300 KB body) that sends half its body and waits.
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	value := strings.Repeat("a", 300<<10)
	body := `{"name":"echo.echo","ctx":{"value":"` + value + `"}}`
	fmt.Fprintf(conn, "POST /js_admin/actions_call HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", host, testToken, len(body))
	fmt.Fprint(conn, body[:len(body)/2])

	reports := rawReq{method: "POST", path: "/js_admin/jsorc_reports", body: `{"kind":"benchmark"}`, contentType: "application/json", token: testToken}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, hdr, answer := send(t, base, reports)
		if code == http.StatusTooManyRequests {
			if hdr.Get("Retry-After") == "" || !strings.Contains(answer, "heavy") {
				t.Errorf("429 without Retry-After or reason: %v %s", hdr, answer)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a heavy request while the slot is taken: HTTP %d %s; want 429", code, answer)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _, answer := send(t, base, rawReq{method: "POST", path: "/js_admin/jsorc_actions_status", body: "{}", contentType: "application/json", token: testToken}); code != 200 {
		t.Errorf("a light request while the heavy slot is taken: HTTP %d %s", code, answer)
	}

	fmt.Fprint(conn, body[len(body)/2:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict { // echo is not loaded: the body was read and decoded
		t.Errorf("the held heavy request: HTTP %d, want 409", resp.StatusCode)
	}
	if code, _, answer := send(t, base, reports); code != 200 {
		t.Errorf("a heavy request after the slot is free: HTTP %d %s", code, answer)
	}
}
