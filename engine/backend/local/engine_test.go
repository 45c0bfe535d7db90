package local_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/local"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// The engine's tests that need the local backend's real child processes:
// restarts, crashes, process ids, commands. The engine's other tests run on
// the fake backend (package engine_test).

// newEngine runs an engine on a fresh data directory whose local backend
// runs this test binary as jsorc. It is stopped when the test ends.
func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	return openEngine(t, t.TempDir()).Engine
}

// openEngine runs an engine on dir until the test ends or closeEngine.
func openEngine(t testing.TB, dir string) *enginetest.Engine {
	t.Helper()
	return enginetest.Start(t, engine.Options{DataDir: dir, Backend: local.Options{Executable: mustExe(t)}})
}

// closeEngine stops an engine's loops and closes it.
func closeEngine(t testing.TB, e *enginetest.Engine) {
	t.Helper()
	if err := e.Stop(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func ctxT(t testing.TB) context.Context { return enginetest.Ctx(t) }

func load(t testing.TB, e *engine.Engine, name, mode string) engine.ActionStatus {
	t.Helper()
	return enginetest.Load(t, e, name, mode)
}

// pidAlive reports whether a process exists and is not a zombie.
func pidAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' && i+2 < len(b) {
			return b[i+2] != 'Z'
		}
	}
	return true
}

// waitGone waits until pid has exited.
func waitGone(t testing.TB, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for pidAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive after %v", pid, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkGoroutines fails if the goroutine count does not return to base.
func checkGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines: %d, want at most %d\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRestoreAfterRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	load(t, e.Engine, "echo", "module")
	st := load(t, e.Engine, "textenc", "remote")
	pid := st.Remote.PID
	if pid == 0 || st.Remote.Status != "READY" {
		t.Fatalf("remote status %+v", st.Remote)
	}
	closeEngine(t, e)
	waitGone(t, pid, 5*time.Second)
	if _, err := os.Stat(filepath.Join(dir, "jsorc.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left after Close: %v", err)
	}

	e2 := openEngine(t, dir)
	ctx := ctxT(t)
	for name, mode := range map[string]string{"echo": "module", "textenc": "remote"} {
		st, err := e2.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.RequestedMode == nil || *st.RequestedMode != mode {
			t.Errorf("%s restored with mode %v, want %s", name, st.RequestedMode, mode)
		}
	}
	st = load(t, e2.Engine, "textenc", "remote") // waits for READY
	if st.Remote.PID == pid || st.Remote.PID == 0 {
		t.Errorf("remote server pid %d after restart (was %d)", st.Remote.PID, pid)
	}
	if _, err := e2.Call(ctx, "textenc.encode", map[string]any{"text": "back again"}); err != nil {
		t.Errorf("call after restart: %v", err)
	}
	if _, err := e2.Call(ctx, "echo.echo", map[string]any{"value": "x"}); err != nil {
		t.Errorf("call after restart: %v", err)
	}
}

// TestCrashedServerComesBack: a killed action server is restarted on a new
// port and socket, and the socket file it could not remove goes with it.
func TestCrashedServerComesBack(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir).Engine
	st := load(t, e, "textenc", "remote")
	old := st.Remote.PID
	oldSock := socketOf(dir, st.Remote.URL)
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _ = e.Status("textenc")
		if st.Remote.Status == "READY" && st.Remote.PID != old && st.Serving == "remote" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not back: %+v", st.Remote)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.Remote.Restarts < 1 {
		t.Errorf("restarts = %d, want ≥ 1", st.Remote.Restarts)
	}
	if newSock := socketOf(dir, st.Remote.URL); newSock != oldSock {
		if _, err := os.Lstat(oldSock); !os.IsNotExist(err) {
			t.Errorf("the killed server's socket %s is still there: %v", oldSock, err)
		}
		if _, err := os.Lstat(newSock); err != nil {
			t.Errorf("the new server's socket: %v", err)
		}
	}
	if _, err := e.Call(ctxT(t), "textenc.encode", map[string]any{"text": "still here"}); err != nil {
		t.Errorf("call after crash: %v", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: local.Options{Executable: mustExe(t)}})
	ctx := context.Background()
	if _, err := e.Load(ctx, "echo", "module", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Load(ctx, "textenc", "remote", engine.LoadOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Call(ctx, "textenc.encode", map[string]any{"text": "x"}); err != nil {
		t.Fatal(err)
	}
	closeEngine(t, e)
	checkGoroutines(t, base)
}

// TestRemoteWithParams loads a parameterised built-in (synth) remotely: its
// JSON params travel on the server's command line through the template.
func TestRemoteWithParams(t *testing.T) {
	e := newEngine(t)
	src := []byte("use_qa:\n  builtin: synth\n  params: {mem_mb: 2, cpu_ms: 1, actions: [qa_score]}\n  local_mem_requirement: 2\n")
	if _, err := e.ConfigureActions(context.Background(), "use_qa", "test", src); err != nil {
		t.Fatal(err)
	}
	st := load(t, e, "use_qa", "remote")
	if st.Remote.Status != "READY" || len(st.Actions) != 1 || st.Actions[0] != "qa_score" {
		t.Fatalf("status %+v", st)
	}
	remote, err := e.Call(ctxT(t), "use_qa.qa_score", map[string]any{"data": "q"})
	if err != nil {
		t.Fatal(err)
	}
	load(t, e, "use_qa", "module")
	local, err := e.Call(ctxT(t), "use_qa.qa_score", map[string]any{"data": "q"})
	if err != nil {
		t.Fatal(err)
	}
	if r, l := remote.(map[string]any), local.(map[string]any); r["digest"] != l["digest"] {
		t.Errorf("remote and module answers differ: %v vs %v", r, l)
	}
}

// TestHopelessServerFailsFast: a waiting remote load of a server that
// cannot run fails with its error instead of waiting out the timeout.
func TestHopelessServerFailsFast(t *testing.T) {
	e := newEngine(t)
	src := []byte("broken:\n  local: {command: [\"/nonexistent/server\", \"{addr}\"]}\n")
	if _, err := e.ConfigureActions(context.Background(), "broken", "test", src); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := e.Load(ctxT(t), "broken", "remote", engine.LoadOptions{Wait: true})
	if !errors.Is(err, engine.ErrUnavailable) {
		t.Fatalf("load: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v to give up", d)
	}
	t.Logf("after %v: %v", time.Since(start).Round(time.Millisecond), err)
}

func mustExe(t testing.TB) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// TestSwitchNeverFailsACall flips a module between module and remote mode
// while 16 callers call it without pause: make-before-break must keep every
// call succeeding, in both directions. Half the callers make slow calls
// (echo.sleep), which a placement closed or stopped under them breaks (an
// echo instance's Close ends its sleeps with an error), and no call may
// need a retry on a fallback (a placement that broke under it).
func TestSwitchNeverFailsACall(t *testing.T) {
	flips := 50
	if testing.Short() {
		flips = 10
	}
	e := newEngine(t)
	load(t, e, "echo", "module")

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var calls, failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				want := any(float64(c*1_000_000 + i))
				got, err := e.Call(context.Background(), "echo.echo", map[string]any{"value": want})
				if c%2 == 1 {
					want = map[string]any{"slept_ms": 3.0}
					got, err = e.Call(context.Background(), "echo.sleep", map[string]any{"ms": 3.0})
				}
				calls.Add(1)
				// Pace the callers a little so that 16 of them leave the
				// switching (and the child processes it starts) some CPU on a
				// 2-core machine; calls still overlap every switch.
				time.Sleep(500 * time.Microsecond)
				// A remote answer decodes its numbers as json.Number.
				if err != nil || !sameJSON(got, want) {
					failures.Add(1)
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}
		}()
	}
	modes := []string{"remote", "module"}
	var servers []int
	start := time.Now()
	for i := range flips {
		t0 := time.Now()
		st := load(t, e, "echo", modes[i%2])
		if testing.Verbose() {
			t.Logf("flip %d to %s: %v", i, modes[i%2], time.Since(t0).Round(time.Millisecond))
		}
		if st.Serving != modes[i%2] {
			t.Fatalf("flip %d: serving %q, want %q", i, st.Serving, modes[i%2])
		}
		if st.Remote.PID != 0 {
			servers = append(servers, st.Remote.PID)
		}
	}
	stop()
	wg.Wait()
	t.Logf("%d flips in %v, %d calls, %d failed", flips, time.Since(start).Round(time.Millisecond), calls.Load(), failures.Load())
	if failures.Load() != 0 {
		t.Fatalf("%d of %d calls failed during switches; first error: %v", failures.Load(), calls.Load(), firstErr.Load())
	}
	if calls.Load() < int64(flips) {
		t.Fatalf("only %d calls made during %d flips: the callers did not run", calls.Load(), flips)
	}
	if n := e.Retried(); n != 0 {
		t.Errorf("%d calls were retried on a fallback: a placement broke under them", n)
	}
	// Every server a switch to module mode left behind is retired.
	for _, pid := range servers {
		waitGone(t, pid, 10*time.Second)
	}
}

// sameJSON reports whether two values encode to the same JSON.
func sameJSON(a, b any) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && string(ja) == string(jb)
}
