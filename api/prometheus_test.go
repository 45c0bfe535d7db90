package api_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/engine/services"
)

// promFixture is an engine in a data directory Prometheus's user can reach,
// with promon kept alive, behind an httptest server.
func promFixture(t *testing.T, definitions string) (*engine.Engine, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	e := enginetest.Start(t, engine.Options{DataDir: dir}).Engine
	if definitions != "" {
		if _, err := e.ConfigureServices(context.Background(), "promon.yaml", []byte(definitions)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.ConfigSet(context.Background(), engine.MetaConfigName, `{"automation": true, "keep_alive": ["promon"]}`); err != nil {
		t.Fatal(err)
	}
	if err := e.ServiceRefresh(context.Background(), "meta"); err != nil {
		t.Fatal(err)
	}
	h, err := api.NewServer(e, api.Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return e, srv
}

// waitPromon waits until promon is ready, and returns its Info.
func waitPromon(t *testing.T, e *engine.Engine) services.Info {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		in := e.ServiceInfo()["promon"]
		if in.State == services.StateReady {
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("promon not ready: %+v", in)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPrometheusProxy: the proxy reaches the Prometheus the engine started,
// for its read paths only.
func TestPrometheusProxy(t *testing.T) {
	needProm(t)
	e, srv := promFixture(t, "")
	in := waitPromon(t, e)
	if !in.Verified {
		t.Fatalf("the started promon is not verified: %+v", in)
	}
	tests := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/prometheus/-/ready", "", 200, "Ready"},
		{"GET", "/prometheus/api/v1/query?query=up", "", 200, `"status":"success"`},
		{"POST", "/prometheus/api/v1/query", "query=" + url.QueryEscape("1+1"), 200, `"status":"success"`},
		{"POST", "/prometheus/-/quit", "", 405, "only Prometheus's API takes POST"},
		{"PUT", "/prometheus/-/reload", "", 405, "takes GET, HEAD and POST"},
		{"POST", "/prometheus/api/v1/admin/tsdb/snapshot", "", 403, "not a Prometheus read path"},
		{"GET", "/prometheus/debug/pprof/cmdline", "", 403, "not a Prometheus read path"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			code, body := get(t, tt.method, srv.URL+tt.path, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%s %s = %d %.200s; want %d with %q", tt.method, tt.path, code, body, tt.code, tt.want)
			}
		})
	}
}

// TestPrometheusProxyRefusesImpostor: promon redefined with a fixed port
// on which another loopback service listens (its own command listens
// nowhere) probes well, but the proxy does not forward to it.
func TestPrometheusProxyRefusesImpostor(t *testing.T) {
	var proxied atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("via") == "proxy" {
			proxied.Add(1)
		}
		fmt.Fprintln(w, "a secret loopback service")
	}))
	defer other.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(other.URL, "http://"))
	e, srv := promFixture(t, fmt.Sprintf(`services:
  promon:
    command: [sleep, "600"]
    port: %s
    probe: {kind: http, path: /-/ready}
`, port))
	in := waitPromon(t, e)
	if in.Verified {
		t.Fatalf("an impostor promon is verified: %+v", in)
	}
	code, body := get(t, "GET", srv.URL+"/prometheus/-/ready?via=proxy", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "not as the Prometheus jsorc started") {
		t.Errorf("proxy to an impostor: %d %s", code, body)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the other service received %d proxied requests", n)
	}
}

// needProm skips a test without Debian's prometheus, loudly, and fails it
// under CI, which installs it.
func needProm(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("prometheus"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus is not installed, and CI must install it (.ci/run)")
		}
		t.Skip("*** SKIPPED: prometheus is not installed (apt-get install prometheus) ***")
	}
}
