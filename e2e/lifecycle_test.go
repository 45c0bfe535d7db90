package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKill9Persistence: after kill -9 of the engine its action server dies
// with it, and a new engine on the same data directory restores the modes
// and brings the remote server back.
func TestKill9Persistence(t *testing.T) {
	slow(t)
	t.Parallel()
	dir := t.TempDir()

	a := startEngine(t, dir)
	remote := a.load(t, "textenc", "remote", "-wait")
	if remote.Remote.Status != "READY" {
		t.Fatalf("engine A: textenc remote.status %q; want READY", remote.Remote.Status)
	}
	oldPID := remote.Remote.PID
	requireProcAlive(t, oldPID)
	if st := a.load(t, "echo", "module"); st.mode() != `"module"` {
		t.Fatalf("engine A: echo mode %s; want \"module\"", st.mode())
	}
	before := a.call(t, "textenc.cos_sim", cosSimCtx(textCat, textFar))

	a.signal(t, syscall.SIGKILL)
	if !a.wait(5 * time.Second) {
		t.Fatalf("engine A (pid %d) survived SIGKILL", a.PID)
	}
	// Pdeathsig: the kernel ends the child with its parent.
	waitProcGone(t, oldPID, 3*time.Second)

	b := startEngine(t, dir)
	pidFile, err := os.ReadFile(filepath.Join(dir, "jsorc.pid"))
	if err != nil {
		t.Errorf("engine B: reading jsorc.pid: %v", err)
	} else if got := strings.TrimSpace(string(pidFile)); got != strconv.Itoa(b.PID) {
		t.Errorf("engine B: jsorc.pid holds %q; want %d", got, b.PID)
	}

	all := b.statusAll(t)
	for name, want := range map[string]string{"textenc": `"remote"`, "echo": `"module"`, "synth": "null"} {
		st, ok := all[name]
		if !ok {
			t.Errorf("engine B: status lacks %s", name)
			continue
		}
		if st.requested() != want {
			t.Errorf("engine B: %s requested mode %s; want %s", name, st.requested(), want)
		}
	}

	st := b.waitReady(t, "textenc")
	if st.Remote.PID == oldPID || st.Remote.PID <= 0 {
		t.Errorf("engine B: textenc remote pid %d; want a new server (old pid %d)", st.Remote.PID, oldPID)
	}
	requireProcAlive(t, st.Remote.PID)
	if after := b.call(t, "textenc.cos_sim", cosSimCtx(textCat, textFar)); !reflect.DeepEqual(after, before) {
		t.Errorf("engine B: cos_sim = %v; engine A said %v", after, before)
	}
	if got := b.call(t, "echo.echo", `{"value": "back"}`); got != "back" {
		t.Errorf("engine B: echo.echo = %v; want \"back\"", got)
	}
}

// TestDataDirLock: a second engine on the same data directory fails fast
// and leaves the first one alone.
func TestDataDirLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startEngine(t, dir)

	start := time.Now()
	r := runCLI(t, "serve", "--data", dir, "--addr", freeAddr(t))
	took := time.Since(start)
	t.Logf("second engine gave up after %v", took.Round(time.Millisecond))
	if r.Code == 0 {
		t.Fatalf("second engine on the same data dir: want a failure, got %v", r)
	}
	if took > 4*time.Second {
		t.Errorf("second engine took %v to fail; want about 3s at most", took)
	}
	if !strings.Contains(r.Stderr, "in use by another jsorc engine") {
		t.Errorf("second engine: stderr %q; want it to say the data directory is in use by another jsorc engine", r.Stderr)
	}
	if !strings.Contains(r.Stderr, strconv.Itoa(a.PID)) {
		t.Logf("note: the message does not name engine A's pid %d: %q", a.PID, r.Stderr)
	}

	// Engine A is untouched: alive, healthy, its pid file intact.
	if a.exited() {
		t.Fatalf("engine A exited after the second engine's attempt")
	}
	if code, _ := httpGet(t, a.URL+"/healthz"); code != 200 {
		t.Errorf("engine A /healthz: %d after the second engine's attempt", code)
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "jsorc.pid"))
	if err != nil {
		t.Errorf("engine A's jsorc.pid: %v", err)
	} else if got := strings.TrimSpace(string(pidFile)); got != strconv.Itoa(a.PID) {
		t.Errorf("jsorc.pid holds %q after the second engine's attempt; want engine A's %d", got, a.PID)
	}
	a.mustCLI(t, "actions", "status")
}

// TestGracefulStop: SIGTERM or SIGINT ends an engine with a remote module
// cleanly: exit 0, no action server left, no pid file.
func TestGracefulStop(t *testing.T) {
	slow(t)
	t.Parallel()
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
	}{
		{"SIGTERM", syscall.SIGTERM},
		{"SIGINT", syscall.SIGINT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			e := startEngine(t, dir)
			pidPath := filepath.Join(dir, "jsorc.pid")
			if _, err := os.Stat(pidPath); err != nil {
				t.Fatalf("running engine: %v", err)
			}
			st := e.load(t, "textenc", "remote", "-wait")
			child := st.Remote.PID
			requireProcAlive(t, child)

			start := time.Now()
			e.signal(t, tc.sig)
			if !e.wait(10 * time.Second) {
				t.Fatalf("engine still running 10s after %s", tc.name)
			}
			t.Logf("engine stopped %v after %s", time.Since(start).Round(time.Millisecond), tc.name)
			if code := e.exitCode(); code != 0 {
				t.Errorf("engine exit code %d after %s; want 0\nstderr:\n%s", code, tc.name, e.stderr)
			}
			waitProcGone(t, child, 3*time.Second)
			if _, err := os.Stat(pidPath); !os.IsNotExist(err) {
				t.Errorf("jsorc.pid after a clean stop: %v; want it removed", err)
			}
		})
	}
}
