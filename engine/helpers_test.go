package engine_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// newEngine opens an engine on a fresh data directory whose local backend
// runs this test binary as jsorc. It is stopped when the test ends.
func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	return openEngine(t, t.TempDir()).Engine
}

// openEngine runs an engine on dir until the test ends or closeEngine.
func openEngine(t testing.TB, dir string) *enginetest.Engine {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return enginetest.Start(t, engine.Options{DataDir: dir, Executable: exe})
}

// closeEngine stops an engine's loops and closes it.
func closeEngine(t testing.TB, e *enginetest.Engine) {
	t.Helper()
	if err := e.Stop(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func load(t testing.TB, e *engine.Engine, name, mode string) engine.ActionStatus {
	t.Helper()
	st, err := e.Load(ctxT(t), name, mode, engine.LoadOptions{Wait: true})
	if err != nil {
		t.Fatalf("load %s -mode %s: %v", name, mode, err)
	}
	return st
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
