package local_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/local"
)

func TestStartStop(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "sleep")
	p := startChild(t, spec)
	waitLine(t, spec.LogPath, "ready", 10*time.Second)
	if !alive(p.PID()) {
		t.Fatalf("pid %d not alive after start", p.PID())
	}
	if pgid, err := syscall.Getpgid(p.PID()); err != nil || pgid != p.PID() {
		t.Fatalf("pgid = %d, %v; want own group %d", pgid, err, p.PID())
	}
	select {
	case <-p.Done():
		t.Fatal("Done closed while running")
	default:
	}
	if err := p.ExitErr(); err != nil {
		t.Fatalf("ExitErr before exit = %v", err)
	}

	start := time.Now()
	if err := p.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	took := time.Since(start)
	if took > 2*time.Second {
		t.Errorf("Stop of a SIGTERM-obeying child took %s", took)
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if sig, ok := exitSignal(p.ExitErr()); !ok || sig != syscall.SIGTERM {
		t.Errorf("ExitErr = %v; want death by SIGTERM", p.ExitErr())
	}
	if alive(p.PID()) {
		t.Errorf("pid %d alive after Stop", p.PID())
	}
	t.Logf("stop took %s", took)
}

func TestStopEscalatesToSIGKILL(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "ignoreterm")
	spec.StopGrace = 300 * time.Millisecond
	p := startChild(t, spec)
	waitLine(t, spec.LogPath, "ready", 10*time.Second)

	start := time.Now()
	if err := p.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	took := time.Since(start)
	if took < spec.StopGrace {
		t.Errorf("Stop returned after %s, before the %s grace", took, spec.StopGrace)
	}
	if took > spec.StopGrace+2*time.Second {
		t.Errorf("Stop took %s; grace was %s", took, spec.StopGrace)
	}
	if sig, ok := exitSignal(p.ExitErr()); !ok || sig != syscall.SIGKILL {
		t.Errorf("ExitErr = %v; want death by SIGKILL", p.ExitErr())
	}
	t.Logf("stop took %s (grace %s)", took, spec.StopGrace)
}

func TestStopContextEndsGraceEarly(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "ignoreterm")
	spec.StopGrace = time.Minute
	p := startChild(t, spec)
	waitLine(t, spec.LogPath, "ready", 10*time.Second)

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Stop(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v; want nil or DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Stop with a 200ms context took %s", took)
	}
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("process not dead 5s after Stop's context ended")
	}
	if sig, ok := exitSignal(p.ExitErr()); !ok || sig != syscall.SIGKILL {
		t.Errorf("ExitErr = %v; want death by SIGKILL", p.ExitErr())
	}
}

func TestStopAfterExit(t *testing.T) {
	t.Parallel()
	p := startChild(t, childSpec(t, "exit", "3"))
	if err := p.Wait(t.Context()); err == nil {
		t.Fatal("Wait = nil; want exit status 3")
	}
	var ee *exec.ExitError
	if !errors.As(p.ExitErr(), &ee) || ee.ExitCode() != 3 {
		t.Fatalf("ExitErr = %v; want exit status 3", p.ExitErr())
	}
	for i := range 2 {
		if err := p.Stop(t.Context()); err != nil {
			t.Fatalf("Stop #%d after exit = %v", i+1, err)
		}
	}
}

func TestStopConcurrent(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "sleep")
	p := startChild(t, spec)
	waitLine(t, spec.LogPath, "ready", 10*time.Second)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = p.Stop(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Stop #%d = %v", i, err)
		}
	}
}

func TestStopKillsWholeGroup(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "spawn")
	p := startChild(t, spec)
	sub, err := strconv.Atoi(waitLine(t, spec.LogPath, "child ", 10*time.Second))
	if err != nil {
		t.Fatalf("bad child pid: %v", err)
	}
	if !alive(sub) {
		t.Fatalf("helper %d not alive", sub)
	}
	if pgid, err := syscall.Getpgid(sub); err != nil || pgid != p.PID() {
		t.Fatalf("helper pgid = %d, %v; want %d", pgid, err, p.PID())
	}
	if err := p.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("helper gone %s after Stop", waitGone(t, sub, 2*time.Second))
}

func TestLeaderExitKillsLeftovers(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "spawn", "then-exit")
	p := startChild(t, spec)
	if err := p.Wait(t.Context()); err != nil {
		t.Fatalf("leader exit: %v", err)
	}
	sub, err := strconv.Atoi(waitLine(t, spec.LogPath, "child ", time.Second))
	if err != nil {
		t.Fatalf("bad child pid: %v", err)
	}
	t.Logf("helper gone %s after its leader exited", waitGone(t, sub, 2*time.Second))
}

func TestStartNotInstalled(t *testing.T) {
	t.Parallel()
	for _, argv0 := range []string{"/nonexistent/jsorc-test-program", "jsorc-no-such-program-on-path"} {
		_, err := local.Start(t.Context(), local.Spec{Name: "ghost", Argv: []string{argv0, "x"}})
		if !errors.Is(err, local.ErrNotInstalled) {
			t.Errorf("Start(%s) = %v; want ErrNotInstalled", argv0, err)
			continue
		}
		if want := "not installed: " + argv0; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.txt")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	bin := testBinary(t)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		spec local.Spec
		want string
	}{
		{"empty argv", t.Context(), local.Spec{}, "empty argv"},
		{"not executable", t.Context(), local.Spec{Argv: []string{plain}}, "not an executable"},
		{"missing dir", t.Context(), local.Spec{Argv: []string{bin}, Dir: filepath.Join(dir, "nope")}, "working directory"},
		{"cancelled", cancelled, local.Spec{Argv: []string{bin}}, "context canceled"},
	} {
		p, err := local.Start(tc.ctx, tc.spec)
		if err == nil {
			_ = p.Stop(t.Context())
			t.Errorf("%s: Start succeeded", tc.name)
			continue
		}
		if errors.Is(err, local.ErrNotInstalled) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q; want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestEnvDirAndLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testBinary(t), filepath.Join(dir, "bin", "child")); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "deep", "er", "env.log")
	spec := local.Spec{
		Name:    "env",
		Argv:    []string{"./bin/child", "env"}, // relative to Dir
		Env:     append(childEnvVars(), "JSORC_TEST_VAR=hello world"),
		Dir:     dir,
		LogPath: logPath,
	}
	for range 2 {
		p := startChild(t, spec)
		if err := p.Wait(t.Context()); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	if got := waitLine(t, logPath, "var ", time.Second); got != "hello world" {
		t.Errorf("JSORC_TEST_VAR = %q", got)
	}
	if got := waitLine(t, logPath, "wd ", time.Second); got != dir {
		t.Errorf("working directory = %q; want %q", got, dir)
	}
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "var hello world\n"); n != 2 {
		t.Errorf("log has %d runs; want 2 (appended):\n%s", n, data)
	}
	if fi, err := os.Stat(logPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Dir(logPath)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("log dir mode = %v, %v; want 0700", fi.Mode(), err)
	}
}

// TestPdeathsigKillsChildWhenEngineDies plays the engine in a helper
// process, lets it Start a child, kills the helper with SIGKILL and expects
// the kernel to take the child down with it.
func TestPdeathsigKillsChildWhenEngineDies(t *testing.T) {
	t.Parallel()
	helper := exec.Command(testBinary(t), "pdeath-parent")
	helper.Env = append(os.Environ(), childEnvVars()...)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	reaped := false
	t.Cleanup(func() {
		if !reaped {
			_ = helper.Process.Kill()
			_ = helper.Wait()
		}
	})

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(10 * time.Second):
		t.Fatal("helper printed nothing in 10s")
	}
	grandchild, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	if err != nil {
		t.Fatalf("helper said %q", line)
	}
	if !alive(grandchild) {
		t.Fatalf("grandchild %d not alive before the kill", grandchild)
	}

	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	reaped = true
	t.Logf("grandchild gone %s after its parent was SIGKILLed", waitGone(t, grandchild, 2*time.Second))
}

// TestStartSurvivesCallerThreadExit checks the Pdeathsig mitigation: Start
// is called on a thread that the runtime terminates right afterwards (see
// onDyingThread). Start's child must not care, because it was forked from
// Start's own locked thread.
func TestStartSurvivesCallerThreadExit(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "sleep")
	type result struct {
		p   *local.Process
		err error
	}
	var r result
	onDyingThread(func() {
		p, err := local.Start(t.Context(), spec)
		r = result{p, err}
	})
	if r.err != nil {
		t.Fatalf("Start: %v", r.err)
	}
	t.Cleanup(func() { _ = r.p.Stop(context.Background()) })
	waitLine(t, spec.LogPath, "ready", 10*time.Second)
	select {
	case <-r.p.Done():
		t.Fatalf("child died when its caller's thread exited: %v", r.p.ExitErr())
	case <-time.After(500 * time.Millisecond):
	}
}

// TestPdeathsigThreadCaveat is the control for the test above: forking
// with Pdeathsig directly on a thread that then ends does kill the child,
// showing the caveat is real here and the test above meaningful.
func TestPdeathsigThreadCaveat(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(testBinary(t), "sleep")
	cmd.Env = append(os.Environ(), childEnvVars()...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var err error
	onDyingThread(func() { err = cmd.Start() })
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if sig, ok := exitSignal(err); !ok || sig != syscall.SIGKILL {
			t.Errorf("naive child ended with %v; want SIGKILL from Pdeathsig", err)
		}
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		t.Error("naive child survived its forking thread; the Pdeathsig caveat did not show here")
	}
}

func TestFreePort(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"", "localhost", "127.0.0.1"} {
		port, err := local.FreePort(host)
		if err != nil {
			t.Fatalf("FreePort(%q): %v", host, err)
		}
		if port <= 0 || port > 65535 {
			t.Fatalf("FreePort(%q) = %d", host, port)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("port %d from FreePort(%q) not bindable: %v", port, host, err)
		}
		_ = ln.Close()
	}
	for _, host := range []string{"10.1.2.3", "0.0.0.0", "example.com"} {
		if port, err := local.FreePort(host); err == nil {
			t.Errorf("FreePort(%q) = %d; want an error", host, port)
		}
	}
}
