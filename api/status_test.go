package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
)

// TestErrorStatuses: the status (and Retry-After) of the errors a client
// must tell apart — a load that ran out of time (504: waiting longer may
// help), a server that cannot start (503, nothing to retry soon), an
// action server gone under a module without a fallback (503 with
// Retry-After: it is coming back).
func TestErrorStatuses(t *testing.T) {
	f := newFixture(t)
	inst, err := actions.NewRegistry().Lookup("echo")
	if err != nil {
		t.Fatal(err)
	}
	echo, err := inst.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	ext := httptest.NewServer(protocol.NewHandler("ext", echo, protocol.HandlerOptions{}))
	t.Cleanup(ext.Close)
	cfg := "crasher:\n  local: {command: [\"/bin/false\"]}\nmute:\n  local: {command: [\"sleep\", \"300\"]}\next:\n  url: " + ext.URL + "\n"
	if a := f.admin(t, "jsorc_actions_config", mustJSON(t, map[string]string{"name": "all", "config": cfg})); a.code != http.StatusOK {
		t.Fatalf("config: %d %s", a.code, a.raw)
	}
	if a := f.admin(t, "jsorc_actions_load", `{"name": "ext", "mode": "remote", "wait": true}`); a.code != http.StatusOK {
		t.Fatalf("load ext: %d %s", a.code, a.raw)
	}
	if a := f.admin(t, "actions_call", `{"name": "ext.echo", "ctx": {"value": 1}}`); a.code != http.StatusOK {
		t.Fatalf("call ext.echo while its server runs: %d %s", a.code, a.raw)
	}
	ext.Close() // the external server goes away; ext has no in-process fallback

	tests := []struct {
		name, endpoint, params string
		code                   int
		retryAfter             bool
		says                   string
	}{
		{"load -wait out of time", "jsorc_actions_load", `{"name": "mute", "mode": "remote", "wait": true, "timeout": 0.05}`, http.StatusGatewayTimeout, false, "did not reach remote mode in time"},
		{"load -wait of a server that cannot start", "jsorc_actions_load", `{"name": "crasher", "mode": "remote", "wait": true, "timeout": 60}`, http.StatusServiceUnavailable, false, "cannot start"},
		{"call to a server gone, no fallback", "actions_call", `{"name": "ext.echo", "ctx": {"value": 1}}`, http.StatusServiceUnavailable, true, "no fallback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, hdr, body := postRaw(t, f, tt.endpoint, tt.params)
			if code != tt.code {
				t.Fatalf("%s: HTTP %d, want %d: %s", tt.endpoint, code, tt.code, body)
			}
			if got := hdr.Get("Retry-After") != ""; got != tt.retryAfter {
				t.Errorf("Retry-After %q, want one: %v", hdr.Get("Retry-After"), tt.retryAfter)
			}
			if !strings.Contains(body, tt.says) {
				t.Errorf("answer %s, want it to say %q", body, tt.says)
			}
		})
	}
}

// postRaw posts params to /js_admin/<endpoint> and returns the status, the
// headers and the body.
func postRaw(t *testing.T, f *fixture, endpoint, params string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/js_admin/"+endpoint, strings.NewReader(params))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s: %v", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the answer: %v", endpoint, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}
