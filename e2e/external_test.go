package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var servingRE = regexp.MustCompile(`serving echo on (http://\S+)`)

// startExternalEcho runs `jsorc serve-action echo --addr 127.0.0.1:0` the way
// someone other than the engine would, and returns it with its URL.
func startExternalEcho(t *testing.T) (*proc, string) {
	t.Helper()
	p := startProc(t, "serve-action", "echo", "--addr", "127.0.0.1:0")
	var url string
	waitFor(t, 10*time.Second, func() (bool, string) {
		if p.exited() {
			t.Fatalf("serve-action echo exited: %v\nstdout:\n%s\nstderr:\n%s", p.err, p.stdout, p.stderr)
		}
		if m := servingRE.FindStringSubmatch(p.stdout.String()); m != nil {
			url = strings.TrimRight(m[1], "/.")
			return true, ""
		}
		return false, fmt.Sprintf("serve-action echo printed no address; stdout %q", p.stdout)
	})
	return p, url
}

// TestExternalURLModule: a module configured with only a URL runs remotely
// on a server the engine did not start, and the engine never ends it.
func TestExternalURLModule(t *testing.T) {
	slow(t)
	t.Parallel()
	ext, url := startExternalEcho(t)
	if code, body := httpGet(t, url+"/jaseci_actions_spec/"); code != 200 || !strings.Contains(body, `"echo.echo"`) {
		t.Fatalf("external server %s spec: %d %s", url, code, body)
	}

	dir := t.TempDir()
	e := startEngine(t, dir)
	cfg := writeFile(t, t.TempDir(), "ext.json", fmt.Sprintf(`{"ext_echo": {"url": %q}}`, url))
	e.mustCLI(t, "actions", "config", "ext_echo", cfg)
	if st := e.status(t, "ext_echo"); st.mode() != "null" || st.Module.Builtin != "" {
		t.Errorf("configured ext_echo: mode %s builtin %q; want null, none", st.mode(), st.Module.Builtin)
	}

	// Module mode is a clear error: there is no in-process implementation.
	r := e.cli(t, "actions", "load", "ext_echo", "-mode", "module")
	if r.Code == 0 {
		t.Fatalf("load ext_echo -mode module: want a failure, got %v", r)
	}
	if !strings.Contains(r.Stderr, "ext_echo") || !strings.Contains(r.Stderr, "in-process") {
		t.Errorf("load ext_echo -mode module: stderr %q; want it to name ext_echo and say it has no in-process implementation", r.Stderr)
	}
	if st := e.status(t, "ext_echo"); st.mode() != "null" {
		t.Errorf("after the failed module load: mode %s; want null", st.mode())
	}

	st := e.load(t, "ext_echo", "remote", "-wait")
	if st.Remote.Status != "READY" || st.Serving != "remote" {
		t.Fatalf("load ext_echo -mode remote -wait: status %q serving %q; want READY, remote", st.Remote.Status, st.Serving)
	}
	if strings.TrimRight(st.Remote.URL, "/") != url {
		t.Errorf("ext_echo remote.url %q; want the configured %q", st.Remote.URL, url)
	}
	if st.Remote.PID != 0 && st.Remote.PID != ext.PID {
		t.Errorf("ext_echo remote.pid %d: the engine claims a server it did not start", st.Remote.PID)
	}

	for _, tc := range []struct {
		ctx  string
		want string // JSON
	}{
		{`{"value": [1, {"a": null}]}`, `[1, {"a": null}]`},
		{`{"value": {"deep": [null, {"x": [null]}]}}`, `{"deep": [null, {"x": [null]}]}`},
		{`{"value": "plain"}`, `"plain"`},
		{`{"value": 0}`, `0`},
	} {
		got := e.call(t, "ext_echo.echo", tc.ctx)
		var want any
		if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ext_echo.echo %s = %#v; want %s", tc.ctx, got, tc.want)
		}
	}

	// Unload with retire: the server is not the engine's to end.
	e.cliJSON(t, nil, "actions", "unload", "ext_echo", "-mode", "auto", "-retire_svc", "true")
	if st := e.status(t, "ext_echo"); st.mode() != "null" {
		t.Errorf("after unload: mode %s; want null", st.mode())
	}
	time.Sleep(300 * time.Millisecond) // give a wrongful SIGTERM time to land
	if ext.exited() {
		t.Fatalf("unload -retire_svc true ended the external server (exit %v)", ext.err)
	}
	if code, body := httpGet(t, url+"/jaseci_actions_spec/"); code != 200 || !strings.Contains(body, `"echo.echo"`) {
		t.Errorf("external server after unload: %d %s; want it still serving", code, body)
	}
}
