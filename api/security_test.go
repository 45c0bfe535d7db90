package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// rawReq is one hand-made request, headers and all, as an attacker (or a
// web page) would send it.
type rawReq struct {
	method, path, body string
	contentType        string // "" sends none
	token              string // "" sends no Authorization
	host, origin       string
	header             map[string]string
}

// send makes the request against base and returns its status, the
// response's headers and its body.
func send(t *testing.T, base string, q rawReq) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if q.body != "" {
		rd = strings.NewReader(q.body)
	}
	req, err := http.NewRequest(q.method, base+q.path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if q.contentType != "" {
		req.Header.Set("Content-Type", q.contentType)
	}
	if q.token != "" {
		req.Header.Set("Authorization", "Bearer "+q.token)
	}
	if q.host != "" {
		req.Host = q.host
	}
	if q.origin != "" {
		req.Header.Set("Origin", q.origin)
	}
	for k, v := range q.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", q.method, q.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// newGuardedFixture serves an engine with extra server options.
func newGuardedFixture(t *testing.T, o api.Options) string {
	t.Helper()
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir()}).Engine
	o.Token = testToken
	h, err := api.NewServer(e, o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSecurityChecks: each layer of the API's defence answers with its
// status and a message saying what to do, in the order a request meets
// them (Host, Origin, token, content type).
func TestSecurityChecks(t *testing.T) {
	t.Parallel()
	base := newGuardedFixture(t, api.Options{
		AllowOrigins: []string{"https://dash.example:8443"},
		AllowHosts:   []string{"jsorc.internal"},
	})
	status := "/js_admin/jsorc_actions_status"
	cases := []struct {
		name string
		q    rawReq
		code int
		want []string
	}{
		{"no token", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json"}, 401,
			[]string{"missing API token", "Authorization: Bearer", "api-token", "JSORC_TOKEN"}},
		{"wrong token", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: "guess"}, 401,
			[]string{"wrong API token"}},
		{"basic auth is not a token", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json",
			header: map[string]string{"Authorization": "Basic " + testToken}}, 401, []string{"not a bearer token"}},
		{"token on a GET too", rawReq{method: "GET", path: "/js_admin/"}, 401, []string{"missing API token"}},
		{"the Prometheus proxy needs it", rawReq{method: "GET", path: "/prometheus/api/v1/query"}, 401, []string{"missing API token"}},
		{"unknown paths need it", rawReq{method: "GET", path: "/nowhere"}, 401, nil},
		{"good", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken}, 200, nil},
		{"bearer is case-insensitive", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json",
			header: map[string]string{"Authorization": "bearer " + testToken}}, 200, nil},
		{"JSON with a charset", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json; charset=utf-8", token: testToken}, 200, nil},
		{"healthz is open", rawReq{method: "GET", path: "/healthz"}, 200, nil},
		{"metrics open to loopback", rawReq{method: "GET", path: "/metrics"}, 200, nil},
		{"text/plain", rawReq{method: "POST", path: status, body: "{}", contentType: "text/plain", token: testToken}, 415,
			[]string{"application/json", `"text/plain"`}},
		{"form", rawReq{method: "POST", path: status, body: "a=b", contentType: "application/x-www-form-urlencoded", token: testToken}, 415,
			[]string{"application/x-www-form-urlencoded"}},
		{"no content type", rawReq{method: "POST", path: status, body: "{}", token: testToken}, 415, []string{"no Content-Type"}},
		// JSORC's scripts post bodiless calls with no type: nothing to misread.
		{"no body, no content type", rawReq{method: "POST", path: "/js_admin/jsorc_trackact_stop", token: testToken}, 200, nil},
		{"JSORC's token scheme", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json",
			header: map[string]string{"Authorization": "token " + testToken}}, 200, nil},
		{"foreign host", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken, host: "evil.example:8799"}, 403,
			[]string{`"evil.example:8799"`, "DNS-rebinding", "--allow-host"}},
		{"foreign host, even for healthz", rawReq{method: "GET", path: "/healthz", host: "rebind.evil.example"}, 403, nil},
		{"localhost", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken, host: "localhost:1"}, 200, nil},
		{"an IP address", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken, host: "10.9.8.7:8799"}, 200, nil},
		{"an IPv6 address", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken, host: "[::1]:8799"}, 200, nil},
		{"an allowed name", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken, host: "JSORC.internal.:80"}, 200, nil},
		{"foreign origin", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken, origin: "http://evil.example"}, 403,
			[]string{`"http://evil.example"`, "--allow-origin"}},
		{"null origin", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken, origin: "null"}, 403, nil},
		{"cross-site fetch without origin", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken,
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403, []string{"cross-site"}},
		{"allowed origin", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", token: testToken, origin: "https://dash.example:8443"}, 200, nil},
		{"allowed origin still needs the token", rawReq{method: "POST", path: status, body: "{}", contentType: "application/json", origin: "https://dash.example:8443"}, 401, nil},
		{"allowed origin's preflight", rawReq{method: "OPTIONS", path: status, origin: "https://dash.example:8443",
			header: map[string]string{"Access-Control-Request-Method": "POST"}}, 204, nil},
		{"foreign origin's preflight", rawReq{method: "OPTIONS", path: status, origin: "https://evil.example",
			header: map[string]string{"Access-Control-Request-Method": "POST"}}, 403, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, hdr, body := send(t, base, tc.q)
			if code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", code, tc.code, body)
			}
			var ans struct {
				Errors []string `json:"errors"`
			}
			if len(tc.want) > 0 && json.Unmarshal([]byte(body), &ans) != nil {
				t.Fatalf("answer %q is not JSON", body)
			}
			text := strings.Join(ans.Errors, "; ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("errors %q do not mention %q", text, w)
				}
			}
			if code == 401 && hdr.Get("WWW-Authenticate") == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
			if tc.q.origin == "https://dash.example:8443" && code/100 == 2 && hdr.Get("Access-Control-Allow-Origin") != tc.q.origin {
				t.Errorf("allowed origin answered without Access-Control-Allow-Origin: %v", hdr)
			}
			if strings.Contains(tc.q.origin, "evil") && hdr.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("a foreign origin got Access-Control-Allow-Origin %q", hdr.Get("Access-Control-Allow-Origin"))
			}
		})
	}
}

// TestMetricsNeedTokenFromAnotherMachine: /metrics is open to a loopback
// peer only; from elsewhere it needs the token like everything else.
func TestMetricsNeedTokenFromAnotherMachine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.srv.Config.Handler
	for _, tc := range []struct {
		peer, token string
		code        int
	}{
		{"127.0.0.1:4000", "", 200},
		{"[::1]:4000", "", 200},
		{"10.0.0.9:4000", "", 401},
		{"10.0.0.9:4000", testToken, 200},
	} {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8799/metrics", nil)
		req.RemoteAddr = tc.peer
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.code {
			t.Errorf("GET /metrics from %s (token %v): HTTP %d, want %d", tc.peer, tc.token != "", rec.Code, tc.code)
		}
	}
}

// TestCrossSiteRequestsRunNoCommand: the attack of issue 9. A web page can
// POST text/plain to the engine's address: it sends an action config whose
// local.command touches a file and loads it in remote mode, or defines a
// service with such a command, keeps it alive and refreshes it. None of
// these variants may run the command. A control with the token and JSON
// proves the same requests would run it.
func TestCrossSiteRequestsRunNoCommand(t *testing.T) {
	t.Parallel()
	base := newGuardedFixture(t, api.Options{})
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	control := filepath.Join(dir, "control")

	// attack returns the requests of one attack whose command touches file.
	// The action's command touches file-action, the service's file-service.
	attack := func(file, svc string) []rawReq {
		touch := func(suffix string) []byte {
			cmd, _ := json.Marshal([]string{"sh", "-c", "touch " + file + suffix + "; exec sleep 30"})
			return cmd
		}
		mod := svc + "_mod"
		actionCfg, _ := json.Marshal(map[string]any{"name": mod, "config": fmt.Sprintf("%s:\n  local:\n    command: %s\n", mod, touch("-action"))})
		serviceCfg, _ := json.Marshal(map[string]any{"config": fmt.Sprintf("services:\n  %s:\n    command: %s\n    probe: {kind: tcp}\n", svc, touch("-service"))})
		meta, _ := json.Marshal(map[string]any{"name": "META_CONFIG", "value": fmt.Sprintf(`{"automation": true, "keep_alive": [%q]}`, svc)})
		return []rawReq{
			{method: "POST", path: "/js_admin/jsorc_actions_config", body: string(actionCfg)},
			{method: "POST", path: "/js_admin/jsorc_actions_load", body: fmt.Sprintf(`{"name":%q,"mode":"remote"}`, mod)},
			{method: "POST", path: "/js_admin/service_config", body: string(serviceCfg)},
			{method: "POST", path: "/js_admin/config_set", body: string(meta)},
			{method: "POST", path: "/js_admin/service_refresh", body: `{"name":"meta"}`},
			{method: "POST", path: "/js_admin/service_refresh", body: fmt.Sprintf(`{"name":%q}`, svc)},
		}
	}
	variants := []struct {
		name string
		set  func(q *rawReq)
		code int
	}{
		{"text/plain from a web page", func(q *rawReq) { q.contentType, q.origin = "text/plain", "http://evil.example" }, 403},
		{"text/plain without an Origin", func(q *rawReq) { q.contentType = "text/plain" }, 401},
		{"form from a web page", func(q *rawReq) { q.contentType, q.origin = "application/x-www-form-urlencoded", "https://evil.example" }, 403},
		{"JSON without the token", func(q *rawReq) { q.contentType = "application/json" }, 401},
		{"text/plain with a leaked token", func(q *rawReq) { q.contentType, q.token = "text/plain", testToken }, 415},
		{"JSON with a leaked token from a web page", func(q *rawReq) {
			q.contentType, q.token, q.origin = "application/json", testToken, "http://evil.example"
		}, 403},
		{"JSON with a leaked token through a rebound name", func(q *rawReq) {
			q.contentType, q.token, q.host = "application/json", testToken, "attacker.example:8799"
		}, 403},
	}
	for _, v := range variants {
		for _, q := range attack(marker, "evil") {
			v.set(&q)
			if code, _, body := send(t, base, q); code != v.code {
				t.Errorf("%s: %s: HTTP %d, want %d: %s", v.name, q.path, code, v.code, body)
			}
		}
	}

	// The control: the same requests, authenticated JSON, run the command.
	for _, q := range attack(control, "ctl") {
		q.contentType, q.token = "application/json", testToken
		if code, _, body := send(t, base, q); code/100 != 2 {
			t.Fatalf("control %s: HTTP %d: %s", q.path, code, body)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, path := range []string{control + "-action", control + "-service"} {
		for {
			if _, err := os.Stat(path); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the control's command never made %s: the attack requests would prove nothing", path)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, path := range []string{marker + "-action", marker + "-service"} {
		if _, err := os.Stat(path); err == nil {
			t.Errorf("a refused request ran its command: %s exists", path)
		}
	}
}
