package api_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// fuzzPaths are the calls FuzzAPIParams sends bodies to: every decoder of
// parameters that starts no process (loads, configurations that could
// name a command, policies that move modules and load tests are fuzzed
// where they are parsed instead).
var fuzzPaths = []string{
	"/js_admin/jsorc_actions_status",
	"/js_admin/jsorc_actions_unload",
	"/js_admin/actions_call",
	"/js/app_run",
	"/js_admin/app_config",
	"/js_admin/app_list",
	"/js_admin/jsorc_stats",
	"/js_admin/jsorc_reports",
	"/js_admin/jsorc_actionpolicy_get",
	"/js_admin/config_get",
	"/js_admin/service_info",
	"/js_admin/jsorc_benchmark_report",
	"/js_admin/jsorc_loadtest_status",
}

// FuzzAPIParams sends arbitrary bodies to the API's calls on a real engine
// (textenc loaded in-process): whatever the body, the answer is never a
// 5xx, always a JSON object whose "success" matches its status, with a
// non-empty "errors" list on failure.
func FuzzAPIParams(f *testing.F) {
	e := enginetest.Start(f, engine.Options{DataDir: f.TempDir()}).Engine
	if _, err := e.Load(f.Context(), "textenc", "module", engine.LoadOptions{}); err != nil {
		f.Fatal(err)
	}
	h, err := api.NewServer(e, api.Options{Token: testToken})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), []byte(`{"name":"textenc"}`))
	f.Add(uint8(2), []byte(`{"name":"textenc.topk","ctx":{"query":"q","candidates":["a","b"],"k":1}}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := fuzzPaths[int(which)%len(fuzzPaths)]
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8799"+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: HTTP %d %s", path, body, rec.Code, rec.Body)
		}
		if rec.Code/100 == 2 && bareEndpoint(path) {
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("POST %s %q: bare answer %q is not JSON", path, body, rec.Body)
			}
			return
		}
		var ans struct {
			Success *bool `json:"success"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil || ans.Success == nil {
			t.Fatalf("POST %s %q: answer %q is not a JSON object with success (%v)", path, body, rec.Body, err)
		}
		if *ans.Success != (rec.Code/100 == 2) {
			t.Fatalf("POST %s %q: HTTP %d with success %v", path, body, rec.Code, *ans.Success)
		}
		if *ans.Success {
			return
		}
		var fail struct {
			Errors []string `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &fail); err != nil || len(fail.Errors) == 0 || strings.TrimSpace(fail.Errors[0]) == "" {
			t.Fatalf("POST %s %q: HTTP %d without errors: %s", path, body, rec.Code, rec.Body)
		}
	})
}

// fuzzGuardPaths are the paths FuzzRequestHeaders sends requests to.
var fuzzGuardPaths = []string{"/js_admin/jsorc_actions_status", "/healthz", "/metrics", "/js_admin/", "/prometheus/api/v1/query", "/nowhere"}

// FuzzRequestHeaders sends requests with arbitrary Host, Origin,
// Content-Type and Authorization headers: none is ever a 5xx, and one that
// succeeds had a Host naming this engine, no foreign Origin, the token
// (but for /healthz, and /metrics from loopback) and, for a POST, JSON.
func FuzzRequestHeaders(f *testing.F) {
	e := enginetest.Start(f, engine.Options{DataDir: f.TempDir()}).Engine
	h, err := api.NewServer(e, api.Options{Token: testToken, AllowHosts: []string{"jsorc.internal"}, AllowOrigins: []string{"https://dash.example"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), true, "127.0.0.1:8799", "", "application/json", "Bearer "+testToken)
	f.Add(uint8(1), false, "evil.example", "http://evil.example", "text/plain", "")
	f.Fuzz(func(t *testing.T, which uint8, post bool, host, origin, ctype, auth string) {
		path := fuzzGuardPaths[int(which)%len(fuzzGuardPaths)]
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "http://127.0.0.1:8799"+path, strings.NewReader("{}"))
		req.Host = host
		for k, v := range map[string]string{"Origin": origin, "Content-Type": ctype, "Authorization": auth} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && path != "/prometheus/api/v1/query" { // the proxy answers 503 without Prometheus
			t.Fatalf("%s %s Host %q Origin %q: HTTP %d %s", method, path, host, origin, rec.Code, rec.Body)
		}
		if rec.Code/100 != 2 {
			return
		}
		if !hostNamesEngine(host) {
			t.Fatalf("served Host %q", host)
		}
		if origin != "" && !strings.EqualFold(strings.TrimRight(origin, "/"), "https://dash.example") {
			t.Fatalf("served Origin %q", origin)
		}
		open := method == http.MethodGet && (path == "/healthz" || path == "/metrics")
		if !open {
			scheme, tok, _ := strings.Cut(auth, " ")
			if !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(tok) != testToken {
				t.Fatalf("served %s %s with Authorization %q", method, path, auth)
			}
		}
		if post && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ctype)), "application/json") {
			t.Fatalf("served a POST with Content-Type %q", ctype)
		}
	})
}

// hostNamesEngine is the test's own reading of which Host headers name the
// engine: loopback names, IP addresses, the allowed name.
func hostNamesEngine(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	switch {
	case host == "localhost", strings.HasSuffix(host, ".localhost"), host == "jsorc.internal":
		return true
	}
	return net.ParseIP(host) != nil
}
