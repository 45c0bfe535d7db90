package ui

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/local"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/themes"
)

// The attached console: an engine served over HTTP, as `jsorc serve` does,
// and a console on api/client, as `jsorc console --attach` does.

const attachToken = "attach-test-token-0123456789"

// serveAPI serves engine e's API on addr ("127.0.0.1:0" for any port)
// until the returned stop is called; it returns the address it listens on.
func serveAPI(t testing.TB, e *engine.Engine, addr string) (string, func()) {
	t.Helper()
	h, err := api.NewServer(e, api.Options{Token: attachToken})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.NewHTTPServer(h, api.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // the old listener's port, freed
	}
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			<-done
		})
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// lockedBuffer is a log the console writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// attachConsole starts a console attached to the engine at addr, logging
// to log.
func attachConsole(t *testing.T, addr string, log *lockedBuffer) *console {
	t.Helper()
	base := "http://" + addr
	cl := client.New(base, client.WithToken(attachToken), client.WithCause(types.CauseConsole))
	theme, _ := themes.Builtin("dark")
	scr := &screen{}
	ctx, cancel := context.WithCancel(context.Background())
	m := newModel(ctx, cl, Options{Theme: theme, Width: 160, Height: 50, Environ: []string{}, Engine: base,
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 50),
		teatest.WithProgramOptions(tea.WithFilter(scr.capture), tea.WithColorProfile(colorprofile.ANSI256)))
	c := &console{t: t, tm: tm, scr: scr}
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		m.close()
		cancel()
	})
	c.waitFor("the module table", func(s string) bool { return strings.Contains(s, "textenc") })
	return c
}

// TestFlowAttachedSeesOtherClients: a second client (the CLI) loads a
// module; the attached console shows the event, with its cause, within a
// second of the load's answer — from the event stream, not a poll.
func TestFlowAttachedSeesOtherClients(t *testing.T) {
	if testing.Short() {
		t.Skip("an engine over HTTP; skipped with -short")
	}
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: local.Options{Executable: "/bin/false"}}).Engine
	addr, _ := serveAPI(t, e, "127.0.0.1:0")
	c := attachConsole(t, addr, &lockedBuffer{})
	c.waitText("Events [") // the stream is up and the kept events read
	time.Sleep(1500 * time.Millisecond)

	cli := client.New("http://"+addr, client.WithToken(attachToken), client.WithCause(types.CauseCLI))
	for _, step := range []struct {
		do   func() error
		want []string
	}{
		{func() error {
			_, err := types.Call(context.Background(), cli, types.ActionsLoad, types.ActionsLoadParams{Name: "echo", Mode: "module"})
			return err
		}, []string{"load echo", "load in module mode", "CLI"}},
		{func() error {
			_, err := types.Call(context.Background(), cli, types.PolicySet, types.PolicySetParams{PolicyName: "evaluation"})
			return err
		}, []string{"policy evaluation", "policy set to evaluation"}},
		{func() error {
			_, err := types.Call(context.Background(), cli, types.BenchmarkStart, types.NoParams{})
			return err
		}, []string{"measure benchmark", "started"}},
	} {
		if err := step.do(); err != nil {
			t.Fatal(err)
		}
		answered := time.Now()
		deadline := answered.Add(time.Second)
		for {
			c.tm.Send(nudge{})
			time.Sleep(10 * time.Millisecond)
			s := c.scr.String()
			if containsAll(s, step.want) {
				t.Logf("%q shown %v after the answer", step.want[0], time.Since(answered).Round(time.Millisecond))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("1 s after the answer the attached console does not show %q:\n%s", step.want, s)
			}
		}
	}
}

func containsAll(s string, texts []string) bool {
	for _, t := range texts {
		if !strings.Contains(s, t) {
			return false
		}
	}
	return true
}

// TestFlowAttachedEngineDies: when the attached engine goes away, the rows
// stop claiming READY, the header says since when, the status line names
// --attach, the log gets a few lines (not seven a second), and when the
// engine is back the console resumes, its graph history intact.
func TestFlowAttachedEngineDies(t *testing.T) {
	if testing.Short() {
		t.Skip("an engine over HTTP; skipped with -short")
	}
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: local.Options{Executable: "/bin/false"}}).Engine
	if _, err := e.Load(context.Background(), "echo", "module", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	addr, stop := serveAPI(t, e, "127.0.0.1:0")
	log := &lockedBuffer{}
	c := attachConsole(t, addr, log)
	c.waitFor("echo READY", func(s string) bool { return strings.Contains(row(s, "echo"), "READY") })
	time.Sleep(3 * time.Second) // some graph history
	before := c.scr.graphPoints()

	stop()
	s := c.waitText("engine unreachable since", "--attach")
	if r := row(s, "echo"); strings.Contains(r, "READY") || !strings.Contains(r, "UNKNOWN") {
		t.Errorf("with the engine gone, echo's row claims a state: %q", r)
	}
	lines := strings.Count(log.String(), "\n")
	time.Sleep(3 * time.Second)
	if grew := strings.Count(log.String(), "\n") - lines; grew > 2 {
		t.Errorf("the console logged %d lines in 3 s with the engine gone; want at most 2:\n%s", grew, log.String())
	}

	t.Logf("console log while the engine was away:\n%s", log.String())
	_, stop2 := serveAPI(t, e, addr)
	defer stop2()
	s = c.waitFor("echo READY again", func(s string) bool { return strings.Contains(row(s, "echo"), "READY") })
	if strings.Contains(s, "engine unreachable") {
		t.Errorf("the header still says the engine is unreachable:\n%s", s)
	}
	c.tm.Send(nudge{})
	time.Sleep(100 * time.Millisecond)
	after := c.scr.graphPoints()
	if after < before {
		t.Errorf("graph history shrank from %d to %d points over the reconnection", before, after)
	}
}

// TestFlowAttachedEngineRestarts: an engine that restarts under an
// attached console (a new run: its history starts again) leaves the
// console's graphs with what they showed before, and the new points after.
func TestFlowAttachedEngineRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("engines over HTTP; skipped with -short")
	}
	dir := t.TempDir()
	first := enginetest.Start(t, engine.Options{DataDir: dir, Backend: local.Options{Executable: "/bin/false"}})
	addr, stop := serveAPI(t, first.Engine, "127.0.0.1:0")
	c := attachConsole(t, addr, &lockedBuffer{})
	time.Sleep(4 * time.Second) // some graph history of the first run
	c.tm.Send(nudge{})
	time.Sleep(100 * time.Millisecond)
	before := c.scr.graphPoints()
	stop()
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	c.waitText("engine unreachable since")
	second := enginetest.Start(t, engine.Options{DataDir: dir, Backend: local.Options{Executable: "/bin/false"}})
	_, stop2 := serveAPI(t, second.Engine, addr)
	defer stop2()
	c.waitFor("the engine back", func(s string) bool { return !strings.Contains(s, "engine unreachable") })
	time.Sleep(2 * time.Second)
	c.tm.Send(nudge{})
	time.Sleep(100 * time.Millisecond)
	if after := c.scr.graphPoints(); after <= before {
		t.Errorf("the console held %d points of the first run and %d after the restart; want more", before, after)
	}
}

// TestFlowAttachedSeesCrashAndRestart: an action server killed by its PID
// shows on the attached console's event feed as a crash (caused by the
// engine) and a restart (by the keep-alive), without a key pressed.
func TestFlowAttachedSeesCrashAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("an engine over HTTP with a real action server; skipped with -short")
	}
	bin, err := jsorcBinary()
	if err != nil {
		t.Fatal(err)
	}
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: local.Options{Executable: bin}}).Engine
	st, err := e.Load(context.Background(), "textenc", "remote", engine.LoadOptions{Wait: true})
	if err != nil || st.Remote.PID == 0 {
		t.Fatalf("remote load: %+v, %v", st, err)
	}
	addr, _ := serveAPI(t, e, "127.0.0.1:0")
	c := attachConsole(t, addr, &lockedBuffer{})
	c.waitText("Events [", "load textenc")
	if err := syscall.Kill(st.Remote.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.waitText("crash textenc", "restart textenc", "keep-alive")
}
