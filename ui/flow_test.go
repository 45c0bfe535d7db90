package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/local"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/themes"
)

// The flows drive the console from the keyboard on a real in-process
// engine. Remote mode needs a jsorc binary for the engine's action servers;
// it is built once, on first use.
var jsorcBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "jsorc-ui-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "jsorc")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/jsorc/jsorc").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building jsorc: %v\n%s", err, out)
	}
	return bin, nil
})

// screen holds the text of the console's last drawn screen. The program
// calls capture (a tea filter) on its own goroutine before each message,
// so the text trails the model by at most one message.
type screen struct {
	mu   sync.Mutex
	text string
	// points is how many points of the engine's graph history the
	// console holds.
	points int
}

func (s *screen) capture(m tea.Model, msg tea.Msg) tea.Msg {
	text := ansi.Strip(m.(*model).render())
	s.mu.Lock()
	s.text = text
	s.points = len(m.(*model).graphs.engine)
	s.mu.Unlock()
	return msg
}

func (s *screen) graphPoints() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.points
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.text
}

// console is a console under test on a real engine.
type console struct {
	t   *testing.T
	tm  *teatest.TestModel
	e   *engine.Engine
	scr *screen
}

// flowTimeout bounds every wait of a flow; a remote server starts in well
// under a second here.
const flowTimeout = 20 * time.Second

func startConsole(t *testing.T) *console {
	t.Helper()
	if testing.Short() {
		t.Skip("console flows on a real engine; skipped with -short")
	}
	bin, err := jsorcBinary()
	if err != nil {
		t.Fatal(err)
	}
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: local.Options{Executable: bin}}).Engine
	theme, _ := themes.Builtin("dark")
	scr := &screen{}
	ctx, cancel := context.WithCancel(context.Background())
	m := newModel(ctx, api.Local(e, types.CauseConsole), Options{Theme: theme, Width: 120, Height: 40, Environ: []string{}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithFilter(scr.capture), tea.WithColorProfile(colorprofile.ANSI256)))
	c := &console{t: t, tm: tm, e: e, scr: scr}
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		m.close()
		cancel()
	})
	c.waitFor("the module table", func(s string) bool { return strings.Contains(s, "textenc") })
	return c
}

// keys sends key presses: names such as "enter" and "esc", or text.
func (c *console) keys(keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			c.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			c.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "tab":
			c.tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
		case "up":
			c.tm.Send(tea.KeyPressMsg{Code: tea.KeyUp})
		case "down":
			c.tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
		case "ctrl+u":
			c.tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
		default:
			c.tm.Type(k)
		}
	}
}

// nudge is a message the console ignores; sending it makes the screen
// capture catch up with the messages before it.
type nudge struct{}

// waitFor waits until the screen satisfies cond.
func (c *console) waitFor(what string, cond func(screen string) bool) string {
	c.t.Helper()
	deadline := time.Now().Add(flowTimeout)
	for {
		c.tm.Send(nudge{})
		time.Sleep(5 * time.Millisecond)
		s := c.scr.String()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("after %v the screen does not show %s:\n%s", flowTimeout, what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitText waits until the screen shows every one of texts.
func (c *console) waitText(texts ...string) string {
	c.t.Helper()
	return c.waitFor(fmt.Sprintf("%q", texts), func(s string) bool {
		for _, t := range texts {
			if !strings.Contains(s, t) {
				return false
			}
		}
		return true
	})
}

// row is the table line of module name on screen s, "" when absent.
func row(s, name string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "│ "), name+" ") {
			return l
		}
	}
	return ""
}

// TestFlowRemoteLoadAndUnload loads textenc in remote mode from the
// keyboard (L, r), follows it to READY, then unloads it (u, y) and checks
// that its action server is gone.
func TestFlowRemoteLoadAndUnload(t *testing.T) {
	c := startConsole(t)
	c.keys("G", "L")
	c.waitText("Load textenc", "remote — its own action server")
	start := time.Now()
	c.keys("r")
	s := c.waitText("textenc READY in remote mode")
	t.Logf("READY after %v", time.Since(start))
	c.waitFor("textenc READY and serving remote in its row", func(s string) bool {
		r := row(s, "textenc")
		return strings.Contains(r, "● READY") && strings.Count(r, "remote") == 2
	})
	st, err := c.e.Status("textenc")
	if err != nil {
		t.Fatal(err)
	}
	if st.Serving != "remote" || st.Remote.Status != "READY" || st.Remote.PID <= 0 {
		t.Fatalf("the engine says %s; want serving remote, READY, a pid\nscreen:\n%s", st, s)
	}
	pid := st.Remote.PID

	c.keys("u")
	c.waitText("Unload textenc", "unload and stop its action server")
	start = time.Now()
	c.keys("y")
	c.waitText("unloaded textenc from remote mode and retired its action server")
	t.Logf("unloaded after %v", time.Since(start))
	c.waitFor("textenc UNLOADED in its row", func(s string) bool { return strings.Contains(row(s, "textenc"), "○ UNLOADED") })
	deadline := time.Now().Add(flowTimeout)
	for processExists(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("action server pid %d still runs after unload", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func processExists(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// TestFlowModuleLoadFromCommandLine loads a module in-process with the
// CLI's syntax, then switches it to remote mode with m (confirmed with y).
func TestFlowModuleLoadFromCommandLine(t *testing.T) {
	c := startConsole(t)
	c.keys(":", "actions load echo -mode module", "enter")
	c.waitText("echo READY in module mode")
	c.waitFor("echo READY in module mode in its row", func(s string) bool {
		r := row(s, "echo")
		return strings.Contains(r, "● READY") && strings.Count(r, "module") == 2
	})
	c.keys("g", "m")
	c.waitText("Switch echo to remote mode?")
	c.keys("y")
	c.waitText("echo READY in remote mode")
	if st, _ := c.e.Status("echo"); st.Serving != "remote" {
		t.Fatalf("echo serves %q after m; want remote", st.Serving)
	}
}

// TestFlowPolicyFromCommandLine sets the policy with `:actionpolicy set`,
// sees an unknown one refused on the status line, and finds the command
// in the history.
func TestFlowPolicyFromCommandLine(t *testing.T) {
	c := startConsole(t)
	c.keys(":", "actionpolicy set default", "enter")
	c.waitText("✓ policy set to default")
	c.keys(":", "actionpolicy set nosuch", "enter")
	c.waitText("✗ setting policy nosuch:", "unknown policy")
	c.keys(":", "up")
	c.waitText(":actionpolicy set nosuch")
	c.keys("up")
	c.waitText(":actionpolicy set default")
	c.keys("esc")
	if p := c.e.PolicyGet(); p.Name != "default" {
		t.Fatalf("policy %q; want default", p.Name)
	}
	c.keys("tab", "tab")
	c.waitText("DECISIONS", "none — policy default changes nothing")
}

// TestFlowFilter filters the module table with a regex, inverts it with
// !, and clears it with esc.
func TestFlowFilter(t *testing.T) {
	c := startConsole(t)
	c.keys("/", "^tex", "enter")
	s := c.waitText("Actions [1/3] /^tex")
	if row(s, "textenc") == "" || row(s, "echo") != "" || row(s, "synth") != "" {
		t.Fatalf("/^tex should show textenc alone:\n%s", s)
	}
	c.keys("/", "ctrl+u", "!^tex", "enter")
	s = c.waitText("Actions [2/3] /!^tex")
	if row(s, "textenc") != "" || row(s, "echo") == "" || row(s, "synth") == "" {
		t.Fatalf("/!^tex should hide textenc alone:\n%s", s)
	}
	c.keys("esc")
	c.waitFor("all three modules", func(s string) bool {
		return strings.Contains(s, "Actions [3]") && row(s, "textenc") != "" && row(s, "echo") != ""
	})
}

// TestFlowHelp shows the keys that work in each pane, and only those.
func TestFlowHelp(t *testing.T) {
	c := startConsole(t)
	c.keys("?")
	s := c.waitText("Help — keys that work here", "load (asks the mode)", "filter (regex, ! inverts)")
	if strings.Contains(s, "longer time window") {
		t.Fatalf("the Actions pane's help lists a Graphs key:\n%s", s)
	}
	c.keys("esc", "tab", "tab", "tab")
	c.waitText("Graphs · the engine · last 2m")
	c.keys("?")
	s = c.waitText("Help — keys that work here", "longer time window")
	if strings.Contains(s, "load (asks the mode)") || strings.Contains(s, "describe") {
		t.Fatalf("the Graphs pane's help lists Actions keys:\n%s", s)
	}
	c.keys("esc", "+")
	c.waitText("Graphs · the engine · last 5m")
}

// TestFlowCLIVerbs: every CLI verb works from the command line or says
// why it runs in a shell: `config get` answers on the status line, a
// verb's -h gives its usage, `serve` says it runs an engine of its own;
// `service info` is the Services pane.
func TestFlowCLIVerbs(t *testing.T) {
	c := startConsole(t)
	c.keys(":", "config get META_CONFIG", "enter")
	c.waitText("✓ META_CONFIG = {", `"backoff_interval":10`)
	c.keys(":", "reports benchmark -h", "enter")
	c.waitText("reports KIND [-limit N] — stored reports")
	c.keys(":", "serve", "enter")
	c.waitText("`serve` runs an engine of its own")
	c.keys(":", "service info", "enter")
	c.waitText("Services [", "backend local", "kept alive")
}

// TestFlowBenchmark starts a benchmark with b on a real engine, runs app
// requests, sees their figures in the Benchmark pane's live report, and
// stops it with b again: the last report stays.
func TestFlowBenchmark(t *testing.T) {
	c := startConsole(t)
	ctx, cancel := context.WithTimeout(context.Background(), flowTimeout)
	defer cancel()
	if _, err := c.e.ConfigureApps(context.Background(), "flow", []byte("echoes:\n  steps:\n    - {action: echo.echo, args: {value: \"$ctx.v\"}}\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.e.Load(ctx, "echo", "module", engine.LoadOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	c.keys(":", "benchmark", "enter")
	c.waitText("Benchmark", "○ no benchmark runs")
	c.keys("b")
	c.waitText("✓ benchmark started", "● running since", "no request measured yet")
	for i := range 40 {
		if _, err := c.e.RunApp(ctx, "echoes", map[string]any{"v": i}); err != nil {
			t.Fatal(err)
		}
	}
	s := c.waitFor("the app's figures in the live report", func(s string) bool {
		return benchFigures(row(s, "echoes")) && strings.Contains(row(s, types.ReqTypeApp), "all")
	})
	t.Logf("live report:\n%s", row(s, types.ReqTypeApp)+"\n"+row(s, "echoes"))

	c.keys("b")
	s = c.waitText("✓ benchmark stopped at", "■ stopped at")
	if !benchFigures(row(s, "echoes")) {
		t.Fatalf("the stopped benchmark's report is gone:\n%s", s)
	}
	if _, err := c.e.BenchmarkReport(); !errors.Is(err, types.ErrNotStarted) {
		t.Fatalf("the engine's benchmark still runs after b: %v", err)
	}
	c.keys(":", "benchmark stop", "enter")
	c.waitText("✗ benchmark stop: benchmark is not running")
}

// benchFigures reports whether a benchmark row shows requests per second
// above zero and latencies.
func benchFigures(r string) bool {
	f := strings.Fields(strings.Trim(r, "│ "))
	if len(f) != 7 {
		return false
	}
	rate, err := strconv.ParseFloat(f[1], 64)
	return err == nil && rate > 0 && f[2] != dash && f[3] != dash && f[6] != dash
}

// TestFlowTrackers toggles trackact with t and tracksys with s, whose
// source shows in the Graphs pane.
func TestFlowTrackers(t *testing.T) {
	c := startConsole(t)
	c.keys("t")
	c.waitText("✓ trackact started", "measuring trackact")
	c.keys("t")
	c.waitText("✓ trackact stopped with")
	c.keys(":", "graphs", "enter", "s")
	c.waitText("✓ tracksys started")
	c.waitFor("tracksys's source in the Graphs pane", func(s string) bool {
		return strings.Contains(s, "tracksys proc · ") || strings.Contains(s, "tracksys prometheus · ")
	})
	c.keys("s")
	c.waitText("✓ tracksys stopped with")
	if r := c.e.TrackSysReport(); r.Active {
		t.Fatal("tracksys still runs after s")
	}
}
