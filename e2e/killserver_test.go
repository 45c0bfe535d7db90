package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestKillActionServerUnderLoad kills a module's remote action server (by
// its PID) while clients call it without pause, and counts the answers
// until the server is READY again. With an in-process implementation the
// module falls back to it and back: no call fails. Without one, the calls
// caught in the gap answer 503 with Retry-After, never 500.
func TestKillActionServerUnderLoad(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())
	cfg := writeFile(t, t.TempDir(), "remote-only.yaml", `
echo_srv:
  local: {command: ["{jsorc}", "serve-action", "echo", "--name", "echo_srv", "--addr", "{addr}"]}
`)
	e.mustCLI(t, "actions", "config", "all", cfg)
	for _, tc := range []struct {
		module   string
		fallback bool
	}{
		{"echo", true},
		{"echo_srv", false},
	} {
		t.Run(tc.module, func(t *testing.T) {
			st := e.load(t, tc.module, "remote", "-wait")
			counts, retryAfter := e.killUnderLoad(t, tc.module, st.Remote.PID)
			total := 0
			for _, n := range counts {
				total += n
			}
			t.Logf("%s (fallback %v): %d calls, by status %v", tc.module, tc.fallback, total, counts)
			if counts[http.StatusOK] == 0 {
				t.Fatalf("no call succeeded: %v", counts)
			}
			for code, n := range counts {
				switch {
				case code == http.StatusOK:
				case code == http.StatusServiceUnavailable && !tc.fallback:
				default:
					t.Errorf("%d calls answered %d", n, code)
				}
			}
			if !tc.fallback && counts[http.StatusServiceUnavailable] == 0 {
				t.Errorf("no call landed in the gap while the server restarted: the test proves nothing")
			}
			if retryAfter != counts[http.StatusServiceUnavailable] {
				t.Errorf("%d of %d 503s carry Retry-After", retryAfter, counts[http.StatusServiceUnavailable])
			}
			if tc.fallback {
				var pol struct {
					Decisions []struct {
						Module, From, To, Reason string
					} `json:"decisions"`
				}
				e.cliJSON(t, &pol, "actionpolicy", "get")
				var moves []string
				for _, d := range pol.Decisions {
					if d.Module == tc.module {
						moves = append(moves, d.From+"→"+d.To+": "+d.Reason)
					}
				}
				if len(moves) != 2 || !strings.HasPrefix(moves[0], "remote→module: fallback") || !strings.HasPrefix(moves[1], "module→remote: fallback over") {
					t.Errorf("decisions of %s: %q, want the fallback and its end with their reasons", tc.module, moves)
				}
			}
		})
	}
}

// killUnderLoad runs 8 clients calling MODULE.echo through the API, kills
// the action server pid, waits until the module serves remotely from a new
// server, calls on for a moment, and returns the answers' statuses (-1 for
// a transport error) and how many 503s carried Retry-After.
func (e *engine) killUnderLoad(t *testing.T, module string, pid int) (map[int]int, int) {
	t.Helper()
	requireProcAlive(t, pid)
	token := e.token(t)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var (
		mu         sync.Mutex
		counts     = map[int]int{}
		retryAfter int
		firstBad   string
		wg         sync.WaitGroup
	)
	body := fmt.Sprintf(`{"name": %q, "ctx": {"value": "x"}}`, module+".echo")
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, err := http.NewRequest(http.MethodPost, e.URL+"/js_admin/actions_call", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				code, ra, text := -1, false, ""
				resp, err := client.Do(req)
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					code, ra, text = resp.StatusCode, resp.Header.Get("Retry-After") != "", string(b)
				} else {
					text = err.Error()
				}
				mu.Lock()
				counts[code]++
				if ra {
					retryAfter++
				}
				if code != http.StatusOK && firstBad == "" {
					firstBad = fmt.Sprintf("%d %s", code, text)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond) // calls flow before the kill
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	waitFor(t, readyTimeout, func() (bool, string) {
		st := e.statusHTTP(t, client, token, module)
		return st.Serving == "remote" && st.Remote.Status == "READY" && st.Remote.PID != pid && st.Remote.PID > 0,
			fmt.Sprintf("%s after the kill: serving %q, remote %s pid %d", module, st.Serving, st.Remote.Status, st.Remote.PID)
	})
	time.Sleep(300 * time.Millisecond) // and on the new server
	stop()
	wg.Wait()
	if firstBad != "" {
		t.Logf("first failed call: %s", firstBad)
	}
	return counts, retryAfter
}

// statusHTTP reads one module's status through the API directly (the CLI
// would start a process per poll).
func (e *engine) statusHTTP(t *testing.T, client *http.Client, token, module string) actionStatus {
	t.Helper()
	var ans struct {
		ActionStatus actionStatus `json:"action_status"`
	}
	e.postJSON(t, client, token, "jsorc_actions_status", fmt.Sprintf(`{"name": %q}`, module), &ans)
	return ans.ActionStatus
}
