package services_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/services"
)

// childEnv, when set, turns the test binary into a small service instead
// of running tests (see childMain).
const childEnv = "JSORC_SERVICES_TEST_CHILD"

// childMaxLife bounds every child, so a failed test cannot leave one
// behind for long.
const childMaxLife = 2 * time.Minute

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// childMain is the test binary acting as a service:
//
//	http ADDR SICKFILE     serve GET /healthz on ADDR: 200, or 500 while
//	                       SICKFILE exists
//	engine DATADIR SERVICE play the engine: keep the bundled SERVICE alive,
//	                       print "pid N" once it is ready, wait to be killed
func childMain(args []string) int {
	if len(args) == 3 && args[0] == "engine" {
		return childEngine(args[1], args[2])
	}
	if len(args) != 3 || args[0] != "http" {
		fmt.Fprintln(os.Stderr, "child: usage: http ADDR SICKFILE | engine DATADIR SERVICE")
		return 2
	}
	addr, sick := args[1], args[2]
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := os.Stat(sick); err == nil {
			http.Error(w, "sick", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: time.Second}
	time.AfterFunc(childMaxLife, func() { os.Exit(0) })
	fmt.Println("serving on", addr)
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// testBinary is the path of the running test binary.
func testBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// childDef is a user-defined service played by the test binary; it turns
// sick (500 on /healthz) while the file sick exists.
func childDef(t *testing.T, name, sick string) services.Definition {
	return services.Definition{
		Name:    name,
		Doc:     "test child",
		Command: []string{testBinary(t), "http", "{addr}", sick},
		Env:     map[string]string{childEnv: "1"},
		Probe:   services.Probe{Kind: services.ProbeHTTP, Path: "/healthz"},
	}
}

// fastOptions are Manager options with short periods for tests.
func fastOptions(dataDir string) services.Options {
	return services.Options{
		DataDir:      dataDir,
		BackoffMin:   100 * time.Millisecond,
		BackoffMax:   time.Second,
		Interval:     200 * time.Millisecond,
		MinInterval:  100 * time.Millisecond,
		ProbeTimeout: time.Second,
		StartTimeout: 30 * time.Second,
	}
}

// runManager starts m.Run and arranges for it to be stopped, and its
// processes with it, when the test ends.
func runManager(t *testing.T, m *services.Manager) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Run did not return within 30s of its context ending")
		}
	})
}

// newManager returns a running Manager over a fresh data directory.
func newManager(t *testing.T, opts services.Options) *services.Manager {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	m, err := services.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	runManager(t, m)
	return m
}

// waitInfo polls m.Info until cond holds for name's Info, or fails the
// test after timeout.
func waitInfo(t *testing.T, m *services.Manager, name string, timeout time.Duration, what string, cond func(services.Info) bool) services.Info {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		in := m.Info()[name]
		if cond(in) {
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not %s within %s; last info: %+v", name, what, timeout, in)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// isReady is a waitInfo condition.
func isReady(in services.Info) bool { return in.State == services.StateReady && in.PID > 0 }

// kill sends SIGKILL to pid, a process this test's Manager started (its
// PID comes from Info).
func kill(t *testing.T, pid int) {
	t.Helper()
	if pid <= 0 {
		t.Fatalf("kill: bad pid %d", pid)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", pid, err)
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) STATE ...; comm may contain spaces, so find the last ')'.
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' {
			return i+2 < len(b) && b[i+2] != 'Z'
		}
	}
	return false
}

// waitGone fails the test unless pid is gone within timeout.
func waitGone(t *testing.T, pid int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still alive after %s", pid, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// needProgram skips the test, loudly, when prog is not installed (found on
// PATH or in one of the glob patterns), or fails it when CI=true.
func needProgram(t *testing.T, prog string, patterns ...string) {
	t.Helper()
	if _, err := exec.LookPath(prog); err == nil {
		return
	}
	for _, p := range patterns {
		if m, _ := filepath.Glob(filepath.Join(p, prog)); len(m) > 0 {
			return
		}
	}
	msg := fmt.Sprintf("%s is not installed (Debian: apt-get install -y redis-server prometheus postgresql)", prog)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %s", msg)
	}
	fmt.Fprintf(os.Stderr, "\n*** SKIPPED %s: %s ***\n\n", t.Name(), msg)
	t.Skip(msg)
}

// childEngine keeps one bundled service alive and prints its PID once it
// is ready; the test then kills this process with SIGKILL.
func childEngine(dataDir, name string) int {
	m, err := services.NewManager(services.Options{DataDir: dataDir, BackoffMin: 100 * time.Millisecond})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	if err := m.Set([]string{name}, services.Bundled(), true); err != nil {
		fmt.Println("error", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), childMaxLife)
	defer cancel()
	go func() { _ = m.Run(ctx) }()
	for ctx.Err() == nil {
		if in := m.Info()[name]; in.State == services.StateReady && in.PID > 0 {
			fmt.Println("pid", in.PID)
			<-ctx.Done()
			return 0
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Println("error: not ready")
	return 1
}
