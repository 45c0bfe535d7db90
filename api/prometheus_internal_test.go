package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestPromPath(t *testing.T) {
	tests := []struct {
		method, path string
		want         string // the path forwarded; "" when refused
		code         int
	}{
		{"GET", "/prometheus/-/ready", "/-/ready", 0},
		{"HEAD", "/prometheus/-/healthy", "/-/healthy", 0},
		{"GET", "/prometheus/", "/", 0},
		{"GET", "/prometheus/graph", "/graph", 0},
		{"GET", "/prometheus/api/v1/query", "/api/v1/query", 0},
		{"POST", "/prometheus/api/v1/query_range", "/api/v1/query_range", 0},
		{"GET", "/prometheus/static/js/main.js", "/static/js/main.js", 0},
		{"GET", "/prometheus/federate", "/federate", 0},
		{"POST", "/prometheus/-/reload", "", http.StatusMethodNotAllowed},
		{"POST", "/prometheus/-/quit", "", http.StatusMethodNotAllowed},
		{"GET", "/prometheus/-/quit", "", http.StatusForbidden},
		{"PUT", "/prometheus/api/v1/query", "", http.StatusMethodNotAllowed},
		{"DELETE", "/prometheus/api/v1/series", "", http.StatusMethodNotAllowed},
		{"POST", "/prometheus/api/v1/admin/tsdb/delete_series", "", http.StatusForbidden},
		{"POST", "/prometheus/api/v1/admin/tsdb/snapshot", "", http.StatusForbidden},
		{"POST", "/prometheus/api/v1/write", "", http.StatusForbidden},
		{"GET", "/prometheus/debug/pprof/", "", http.StatusForbidden},
		{"GET", "/prometheus/metrics", "", http.StatusForbidden},
		{"GET", "/prometheus/api/v1/../../debug/pprof/cmdline", "", http.StatusForbidden},
		{"POST", "/prometheus/api/v1/../v1/admin/tsdb/snapshot", "", http.StatusForbidden},
		{"GET", "/prometheus/api/v1/query/../../../-/quit", "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			got, code, err := promPath(tt.method, tt.path)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Errorf("promPath = %q, %d, %v; want %q", got, code, err, tt.want)
				}
				return
			}
			if err == nil || code != tt.code {
				t.Errorf("promPath = %q, %d, %v; want refused with %d", got, code, err, tt.code)
			}
		})
	}
}

// TestPromProxyDropsCredentials: the caller's token and cookies stay with
// jsorc, and Prometheus's redirects stay under /prometheus/.
func TestPromProxyDropsCredentials(t *testing.T) {
	var seen http.Header
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		http.Redirect(w, r, "/graph", http.StatusFound)
	}))
	defer prom.Close()
	target, _ := url.Parse(prom.URL + "/")
	req := httptest.NewRequest("GET", "/prometheus/", nil)
	req.Header.Set("Authorization", "Bearer secret-token")
	req.Header.Set("Cookie", "session=1")
	req.Header.Set("X-Jsorc-Token", "secret-token")
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	promProxy(target, "/").ServeHTTP(rec, req)
	for _, h := range []string{"Authorization", "Cookie", "X-Jsorc-Token"} {
		if v := seen.Get(h); v != "" {
			t.Errorf("Prometheus received %s: %q", h, v)
		}
	}
	if seen.Get("Accept") != "text/html" {
		t.Errorf("Accept was not forwarded: %v", seen)
	}
	if loc := rec.Header().Get("Location"); loc != "/prometheus/graph" {
		t.Errorf("redirect to %q, want /prometheus/graph", loc)
	}
}
