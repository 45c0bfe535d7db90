package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// consoleTimeout bounds each wait of the console test.
const consoleTimeout = 30 * time.Second

// tmuxSession is a private tmux server (its own socket) running one
// session, so the test never touches the user's tmux.
type tmuxSession struct {
	t      *testing.T
	bin    string
	socket string
	name   string
}

func (s *tmuxSession) run(args ...string) (string, error) {
	cmd := exec.Command(s.bin, append([]string{"-S", s.socket}, args...)...)
	cmd.Env = append(childEnv(), "TERM=xterm-256color")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (s *tmuxSession) must(args ...string) string {
	s.t.Helper()
	out, err := s.run(args...)
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// screen is what the pane shows now.
func (s *tmuxSession) screen() string { return s.must("capture-pane", "-p", "-t", s.name) }

// keys types keys (tmux key names or text), pausing between them as a
// person would, so that a lone Escape is not read as Alt.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		s.must("send-keys", "-t", s.name, k)
		time.Sleep(150 * time.Millisecond)
	}
}

// waitScreen waits until the pane satisfies cond.
func (s *tmuxSession) waitScreen(what string, cond func(string) bool) string {
	s.t.Helper()
	var screen string
	waitFor(s.t, consoleTimeout, func() (bool, string) {
		screen = s.screen()
		return cond(screen), fmt.Sprintf("the screen does not show %s:\n%s", what, screen)
	})
	return screen
}

// startTmux runs the shell command of format and args in a 120×40 session
// of a private tmux server, followed by a line with its exit status; the
// server is killed at the end, and the console's log of dataDir shown if
// the test failed. Without tmux the test fails under CI and is skipped,
// loudly, elsewhere.
func startTmux(t *testing.T, dataDir, format string, args ...any) *tmuxSession {
	t.Helper()
	tmuxBin, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed; CI must install it (.ci/run does)")
		}
		t.Skip("!!! tmux is not installed: the console's real-terminal test DID NOT RUN (apt-get install tmux) !!!")
	}
	s := &tmuxSession{t: t, bin: tmuxBin, socket: filepath.Join(t.TempDir(), "tmux.sock"), name: "console"}
	script := fmt.Sprintf(format, args...) + "; echo \"console exited with status $?\"; sleep 60"
	s.must("new-session", "-d", "-s", s.name, "-x", "120", "-y", "40", "sh", "-c", script)
	t.Cleanup(func() {
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(dataDir, "console.log")); err == nil {
				t.Logf("console.log:\n%s", log)
			}
		}
		_, _ = s.run("kill-server")
	})
	return s
}

// moduleRow is the table line of module name, "" when absent.
func moduleRow(screen, name string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "│ "), name+" ") {
			return l
		}
	}
	return ""
}

// childPIDs lists the children of pid.
func childPIDs(pid int) []int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// TestConsoleInTmux runs `jsorc console` in a real terminal (tmux, 120×40),
// loads textenc in remote mode from the keyboard, finds READY on the
// screen, uses the CLI beside it, quits with q, and checks that the engine
// and its action server are gone.
func TestConsoleInTmux(t *testing.T) {
	slow(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	s := startTmux(t, dir, "JSORC_DATA=%s %s console --addr %s", dir, jsorcBin, addr)

	s.waitScreen("the three built-in modules", func(sc string) bool {
		return strings.Contains(sc, "Actions [3]") && moduleRow(sc, "textenc") != ""
	})
	shPID, err := strconv.Atoi(strings.TrimSpace(s.must("display-message", "-p", "-t", s.name, "#{pane_pid}")))
	if err != nil {
		t.Fatal(err)
	}
	var consolePID int
	waitFor(t, consoleTimeout, func() (bool, string) {
		if kids := childPIDs(shPID); len(kids) > 0 {
			consolePID = kids[0]
		}
		return consolePID > 0, fmt.Sprintf("no jsorc process under the shell %d", shPID)
	})

	// textenc is the last module by name: G selects it, L asks the mode,
	// r picks remote.
	s.keys("G", "L")
	s.waitScreen("the load dialog", func(sc string) bool { return strings.Contains(sc, "Load textenc") })
	s.keys("r")
	sc := s.waitScreen("textenc READY in remote mode", func(sc string) bool {
		r := moduleRow(sc, "textenc")
		return strings.Contains(r, "● READY") && strings.Count(r, "remote") == 2
	})
	if !strings.Contains(sc, "textenc READY in remote mode") && !strings.Contains(sc, "READY") {
		t.Fatalf("no READY on the screen:\n%s", sc)
	}

	// The CLI works beside the console, on the API it serves.
	var ans struct {
		ActionStatus struct {
			Serving string `json:"serving"`
			Remote  struct {
				Status string `json:"status"`
				PID    int    `json:"pid"`
			} `json:"remote"`
		} `json:"action_status"`
	}
	r := runCLI(t, "actions", "status", "textenc", "-o", "json", "--server", "http://"+addr, "--data", dir)
	if r.Code != 0 {
		t.Fatalf("the CLI beside the console: %v", r)
	}
	if err := json.Unmarshal([]byte(r.Stdout), &ans); err != nil {
		t.Fatalf("actions status -o json: %v\n%s", err, r.Stdout)
	}
	st := ans.ActionStatus
	if st.Serving != "remote" || st.Remote.Status != "READY" || st.Remote.PID <= 0 {
		t.Fatalf("the engine says textenc serves %q, remote %q, pid %d; want remote, READY, a pid", st.Serving, st.Remote.Status, st.Remote.PID)
	}
	serverPID := st.Remote.PID
	requireProcAlive(t, serverPID)

	// l follows the log of textenc's action server as it grows.
	s.keys("l")
	s.waitScreen("the logs of textenc", func(sc string) bool { return strings.Contains(sc, "Logs textenc") })
	logPath := filepath.Join(dir, "logs", "action-textenc.log")
	for _, line := range []string{"e2e: first appended line", "e2e: second appended line"} {
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteString(line + "\n")
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		s.waitScreen(line, func(sc string) bool { return strings.Contains(sc, line) })
	}
	s.keys("Escape")
	s.waitScreen("the module table again", func(sc string) bool { return moduleRow(sc, "textenc") != "" })

	// q asks first: the engine in the console serves an action server.
	s.keys("q")
	s.waitScreen("the quit confirmation", func(sc string) bool { return strings.Contains(sc, "Quit and stop 1 action server?") })
	s.keys("y")
	s.waitScreen("the console's exit", func(sc string) bool { return strings.Contains(sc, "console exited with status") })
	if sc := s.screen(); !strings.Contains(sc, "console exited with status 0") {
		t.Fatalf("the console did not exit cleanly:\n%s", sc)
	}
	waitProcGone(t, consolePID, engineStopTimeout)
	waitProcGone(t, serverPID, engineStopTimeout)
	if _, err := os.Stat(filepath.Join(dir, "console.log")); err != nil {
		t.Errorf("the console's log: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jsorc.db")); err != nil {
		t.Errorf("the engine's state: %v", err)
	}
}
