package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMDuringLoadTest: SIGTERM while a load test drives the engine
// ends the engine cleanly within 5 s; the load-test client is answered
// that its test was interrupted; and the placement and the policy from
// before the test are what the next start brings back.
func TestSIGTERMDuringLoadTest(t *testing.T) {
	slow(t)
	t.Parallel()
	dir := t.TempDir()
	e := startEngine(t, dir)
	e.mustCLI(t, "app", "config", writeFile(t, t.TempDir(), "apps.yaml", greetApps))
	e.load(t, "textenc", "remote", "-wait")
	e.load(t, "echo", "module")
	e.mustCLI(t, "actionpolicy", "set", "costmodel", "-params", `{"min_gain_ms": 50}`)
	var pol struct { // JSORC's "policy" is the name; the state sits beside it
		Name   string         `json:"policy_name"`
		Params map[string]any `json:"policy_params"`
	}
	e.cliJSON(t, &pol, "actionpolicy", "get")
	before := pol

	lt := startProc(t, "loadtest", "-experiment", "greet", "-policy", "all_local", "-experiment_duration", "120",
		"-clients", "4", "-ctx", `{"text": "hello"}`, "--server", e.URL, "--data", dir)
	token := e.token(t)
	client := &http.Client{Timeout: 5 * time.Second}
	waitFor(t, 30*time.Second, func() (bool, string) {
		var st struct {
			Running  bool   `json:"running"`
			Requests uint64 `json:"requests"`
		}
		e.postJSON(t, client, token, "jsorc_loadtest_status", `{}`, &st)
		return st.Running && st.Requests > 0, "the load test is not running requests yet"
	})
	if st := e.statusHTTP(t, client, token, "textenc"); st.mode() != `"module"` {
		t.Fatalf("during the all_local load test textenc mode is %s; want \"module\"", st.mode())
	}

	e.stopAnswering(t, lt, "a load test")

	b := startEngine(t, dir)
	all := b.statusAll(t)
	for name, want := range map[string]string{"textenc": `"remote"`, "echo": `"module"`, "synth": "null"} {
		if got := all[name].requested(); got != want {
			t.Errorf("after the restart %s requested mode %s; want %s as before the load test", name, got, want)
		}
	}
	pol.Name, pol.Params = "", nil
	b.cliJSON(t, &pol, "actionpolicy", "get")
	if pol.Name != before.Name || pol.Params["min_gain_ms"] != before.Params["min_gain_ms"] {
		t.Errorf("after the restart the policy is %s %v; want %s %v as before the load test", pol.Name, pol.Params, before.Name, before.Params)
	}
	b.waitReady(t, "textenc")
}

// postJSON posts params to /js_admin/<endpoint> with the token and decodes the
// answer into out.
func (e *engine) postJSON(t *testing.T, client *http.Client, token, endpoint, params string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/js_admin/"+endpoint, strings.NewReader(params))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d", endpoint, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s: decoding: %v", endpoint, err)
	}
}

// TestLongCallBlocksNothing: an in-process call of an hour neither holds up
// the module's next loads (its placement drains in the background) nor the
// engine's stop (the call is interrupted and answered).
func TestLongCallBlocksNothing(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())
	e.load(t, "echo", "module")
	call := startProc(t, "actions", "call", "echo.sleep", "-ctx", `{"ms": 3600000}`, "--server", e.URL, "--data", e.DataDir)
	token := e.token(t)
	client := &http.Client{Timeout: 5 * time.Second}
	waitFor(t, 10*time.Second, func() (bool, string) {
		var ans struct {
			Status struct {
				InFlight int `json:"in_flight"`
			} `json:"action_status"`
		}
		e.postJSON(t, client, token, "jsorc_actions_status", `{"name": "echo"}`, &ans)
		return ans.Status.InFlight == 1, "the hour-long call is not in flight"
	})
	for _, mode := range []string{"remote", "module", "remote"} {
		start := time.Now()
		e.load(t, "echo", mode, "-wait", "-timeout", "5")
		t.Logf("load -mode %s with the hour-long call in flight: %v", mode, time.Since(start).Round(time.Millisecond))
	}

	e.stopAnswering(t, call, "an hour-long call")
}

// stopAnswering sends the engine SIGTERM while client (a CLI process)
// waits on it for what: the engine must exit 0 within 5 s, and the client
// must fail within 5 s more, saying its request was interrupted.
func (e *engine) stopAnswering(t *testing.T, client *proc, what string) {
	t.Helper()
	start := time.Now()
	e.signal(t, syscall.SIGTERM)
	if !e.wait(5 * time.Second) {
		t.Fatalf("engine still running 5s after SIGTERM during %s", what)
	}
	t.Logf("engine stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if code := e.exitCode(); code != 0 {
		t.Errorf("engine exit code %d; want 0\nstderr:\n%s", code, e.stderr)
	}
	if !client.wait(5 * time.Second) {
		t.Fatalf("the client of %s got no answer within 5s of the engine's stop", what)
	}
	if client.exitCode() == 0 || !strings.Contains(client.stderr.String(), "interrupted") {
		t.Errorf("client of %s: exit %d, stderr %q; want a failure saying it was interrupted", what, client.exitCode(), client.stderr)
	}
}
