package local_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/local"
)

// childEnv, when set in the environment, turns the test binary into one of
// the child programs below instead of running tests.
const childEnv = "JSORC_LOCAL_TEST_CHILD"

// childMaxLife bounds every child, so a failed test cannot leave one
// behind for long.
const childMaxLife = 2 * time.Minute

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// childMain is the test binary acting as a child process. Lines it prints go
// to the Spec's LogPath, where the tests read them.
func childMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "child: no mode")
		return 2
	}
	switch mode, rest := args[0], args[1:]; mode {
	case "sleep": // run until signalled
		fmt.Println("ready")
		time.Sleep(childMaxLife)
		return 0

	case "ignoreterm": // survive SIGTERM; only SIGKILL ends it
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		time.Sleep(childMaxLife)
		return 0

	case "exit": // exit CODE [AFTER]
		code, _ := strconv.Atoi(rest[0])
		if len(rest) > 1 {
			d, _ := time.ParseDuration(rest[1])
			time.Sleep(d)
		}
		return code

	case "spawn": // spawn [then-exit]: fork a helper in our group, print its pid
		sub := exec.Command(os.Args[0], "sleep")
		sub.Stdout, sub.Stderr = os.Stdout, os.Stderr
		if err := sub.Start(); err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("child", sub.Process.Pid)
		if len(rest) > 0 && rest[0] == "then-exit" {
			return 0
		}
		time.Sleep(childMaxLife)
		return 0

	case "env": // print a variable and the working directory
		wd, _ := os.Getwd()
		fmt.Printf("var %s\n", os.Getenv("JSORC_TEST_VAR"))
		fmt.Printf("wd %s\n", wd)
		return 0

	case "spew": // spew N: print N numbered lines of 101 bytes
		n, _ := strconv.Atoi(rest[0])
		w := bufio.NewWriterSize(os.Stdout, 4096)
		for i := range n {
			fmt.Fprintf(w, "line %06d %s\n", i, strings.Repeat("x", 88))
		}
		_ = w.Flush()
		return 0

	case "cat": // copy stdin to stdout
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Printf("stdin %q\n", b)
		return 0

	case "http": // http ADDR READY_AFTER [UNHEALTHY_AFTER]
		return childHTTP(rest)

	case "pdeath-parent": // play the engine: Start a child, print its pid, wait to be killed
		p, err := local.Start(context.Background(), local.Spec{
			Name: "grandchild",
			Argv: []string{os.Args[0], "sleep"},
			Env:  childEnvVars(),
		})
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("pid", p.PID())
		select {
		case <-p.Done():
		case <-time.After(childMaxLife):
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, "child: unknown mode", args[0])
	return 2
}

// childHTTP serves /ready on addr: 503 before READY_AFTER, 200 after, and
// 503 again from UNHEALTHY_AFTER on if given.
func childHTTP(args []string) int {
	addr := args[0]
	readyAfter, _ := time.ParseDuration(args[1])
	var unhealthyAfter time.Duration
	if len(args) > 2 {
		unhealthyAfter, _ = time.ParseDuration(args[2])
	}
	start := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) {
		up := time.Since(start)
		if up < readyAfter || (unhealthyAfter > 0 && up >= unhealthyAfter) {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("listening", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	time.Sleep(childMaxLife)
	return 0
}

// testBinary is the path of the running test binary, used as every child.
func testBinary(t *testing.T) string {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatalf("os.Executable: %v", err)
	}
	return bin
}

// childSpec returns a Spec running the test binary in the given child mode,
// logging to a file in a fresh temporary directory.
func childSpec(t *testing.T, args ...string) local.Spec {
	t.Helper()
	return local.Spec{
		Name:    "child-" + args[0],
		Argv:    append([]string{testBinary(t)}, args...),
		Env:     childEnvVars(),
		LogPath: filepath.Join(t.TempDir(), "child.log"),
	}
}

// childEnvVars is the environment added for a child. Under -race, a
// program exiting with status 0 sleeps for GORACE's atexit_sleep_ms (1s by
// default); children skip that.
func childEnvVars() []string {
	return []string{childEnv + "=1", "GORACE=atexit_sleep_ms=0"}
}

// startChild starts spec and arranges for it to be stopped at the end of
// the test.
func startChild(t *testing.T, spec local.Spec) *local.Process {
	t.Helper()
	p, err := local.Start(t.Context(), spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("cleanup Stop: %v", err)
		}
	})
	return p
}

// waitLine polls the log at path until a line starting with prefix appears
// and returns the rest of that line.
func waitLine(t *testing.T, path, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if data, err := os.ReadFile(path); err == nil {
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
					return strings.TrimSpace(rest)
				}
			}
		}
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(path)
			t.Fatalf("no line %q in %s after %s; log:\n%s", prefix, path, timeout, data)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether pid names a live (not zombie) process. A killed
// process reparented to an init that does not reap stays a zombie, which
// counts as gone.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	state := s[i+2]
	return state != 'Z' && state != 'X'
}

// waitGone fails the test unless pid is gone within timeout.
func waitGone(t *testing.T, pid int, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for alive(pid) {
		if time.Since(start) > timeout {
			t.Fatalf("pid %d still alive after %s", pid, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// waitFor polls cond every 5ms until it holds, failing the test after
// timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// onDyingThread runs f on an OS thread that the runtime terminates once f
// has returned, because the goroutine locked to it exits without unlocking.
// The main thread is the exception — the runtime parks it rather than
// letting it exit — so a goroutine that lands there keeps it locked and runs
// f from a nested locked goroutine, which necessarily gets another thread.
// onDyingThread returns when f has; the thread ends moments later.
func onDyingThread(f func()) {
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked on the thread that runs f
		if syscall.Gettid() != syscall.Getpid() {
			defer close(done)
			f()
			return
		}
		inner := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			defer close(inner)
			f()
		}()
		<-inner
		runtime.UnlockOSThread()
		close(done)
	}()
	<-done
}

// exitSignal returns the signal that ended a process, per its ExitErr.
func exitSignal(err error) (syscall.Signal, bool) {
	ee, ok := err.(*exec.ExitError)
	if !ok {
		return 0, false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return ws.Signal(), true
}
