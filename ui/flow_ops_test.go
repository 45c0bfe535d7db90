package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// TestFlowLogsFollow opens the log of echo's action server with l, sees
// what the log gains appear while it is open, searches it with /, and
// goes back with esc.
func TestFlowLogsFollow(t *testing.T) {
	c := startConsole(t)
	ctx := t.Context()
	if _, err := c.e.Load(ctx, "echo", "remote", engine.LoadOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(c.e.DataDir(), "logs", "action-echo.log")
	c.keys("g", "l")
	c.waitText("Logs echo · "+path, "following")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, line := range []string{"growing line one", "growing line two"} {
		start := time.Now()
		if _, err := f.WriteString(line + "\n"); err != nil {
			t.Fatal(err)
		}
		c.waitText(line)
		t.Logf("%q on screen after %v", line, time.Since(start))
	}
	c.keys("/", "line t", "enter")
	c.waitText("/line t: 1 (n/N)")
	c.keys("esc")
	s := c.waitFor("the module table again", func(s string) bool { return row(s, "echo") != "" })
	if strings.Contains(s, "Logs echo") {
		t.Fatalf("esc left the logs open:\n%s", s)
	}
}

// TestFlowOutput: a call's result and a refusal's full text stay in the
// output history (o), which scrolls.
func TestFlowOutput(t *testing.T) {
	c := startConsole(t)
	c.keys(":", "actions load echo -mode module", "enter")
	c.waitText("echo READY in module mode")
	c.keys(":", `actions call echo.echo -ctx '{"value": {"a": [1, 2]}}'`, "enter")
	c.waitText(`✓ echo.echo → {"a":[1,2]}`)
	c.keys(":", "actionpolicy set nosuch", "enter")
	c.waitText("✗ setting policy nosuch:")
	c.keys("o")
	s := c.waitText("Output [", `"a": [`, "✗ setting policy nosuch:", "following")
	if !strings.Contains(s, "✓ echo READY in module mode") {
		t.Fatalf("the output lacks the load:\n%s", s)
	}
	c.keys("esc")
	c.waitFor("the module table again", func(s string) bool { return row(s, "echo") != "" })
}

// TestFlowCancelSlowLoad: unloading a module whose action server is
// still STARTING cancels the load, says so, and stops the server (bug 5).
func TestFlowCancelSlowLoad(t *testing.T) {
	c := startConsole(t)
	cfg := "slow:\n  local:\n    command: [\"sh\", \"-c\", \"exec sleep 600\"]\n"
	if _, err := c.e.ConfigureActions(t.Context(), "slow", "slow.yaml", []byte(cfg)); err != nil {
		t.Fatal(err)
	}
	c.keys(":", "actions load slow -mode remote", "enter")
	c.waitText("loading slow in remote mode, waiting for READY")
	var pid int
	deadline := time.Now().Add(flowTimeout)
	for pid == 0 {
		st, err := c.e.Status("slow")
		if err != nil {
			t.Fatal(err)
		}
		pid = st.Remote.PID
		if time.Now().After(deadline) {
			t.Fatalf("slow's server never started: %s", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.keys(":", "actions status slow", "enter")
	c.waitText("Module slow")
	c.keys("u")
	c.waitText("Unload slow", "not serving in remote mode yet", "cancels the load")
	c.keys("y")
	c.waitText("cancelled the load of slow in remote mode: its action server was starting and is stopped")
	for processExists(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("slow's server (pid %d) still runs after the load was cancelled", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
