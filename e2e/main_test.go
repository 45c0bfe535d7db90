package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// jsorcBin is the binary under test, built once by TestMain.
var jsorcBin string

// Timeouts of the suite. Generous enough for a loaded CI machine, small
// enough that a hung engine fails the test instead of the whole run.
const (
	engineStartTimeout = 15 * time.Second
	engineStopTimeout  = 10 * time.Second
	cliTimeout         = 30 * time.Second
	readyTimeout       = 15 * time.Second
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "jsorc-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: finding the module root:", err)
		return 1
	}
	jsorcBin = filepath.Join(dir, "jsorc")
	build := exec.Command("go", "build", "-o", jsorcBin, "github.com/jsorc/jsorc")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building jsorc in %s: %v\n%s", root, err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot finds the directory of go.mod: `go env GOMOD`, else "..".
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod), nil
	}
	root, err := filepath.Abs("..")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", err
	}
	return root, nil
}

// slow skips a test under -short.
func slow(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("slow end-to-end test; skipped with -short")
	}
}

// childEnv is the environment of every process the tests start: the test's
// own, without the variables that would point jsorc elsewhere.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "JSORC_SERVER", "JSORC_ADDR", "JSORC_DATA", "JSORC_TOKEN", "JSORC_TOKEN_FILE", "JSORC_TLS_CA":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// syncBuffer is a bytes.Buffer safe for the writer goroutines of os/exec.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("closing the probe listener: %v", err)
	}
	return addr
}

// proc is a process the test started and waits for in the background.
type proc struct {
	cmd    *exec.Cmd
	PID    int
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan struct{} // closed when the process has been waited for
	err    error         // cmd.Wait's answer; read after done
}

// startProc starts the binary with args. The context's cancel (in cleanup)
// sends SIGTERM, and SIGKILL after engineStopTimeout; the process also gets
// SIGKILL if the test binary dies, so nothing outlives the suite.
func startProc(t testing.TB, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, jsorcBin, args...)
	cmd.Env = childEnv()
	p := &proc{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = engineStopTimeout
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting jsorc %s: %v", strings.Join(args, " "), err)
	}
	p.PID = cmd.Process.Pid
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.stop)
	return p
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitCode is the process's exit code, -1 when a signal ended it. Only
// valid once exited.
func (p *proc) exitCode() int {
	return p.cmd.ProcessState.ExitCode()
}

// signal sends sig to the process by its PID, unless it has been reaped.
func (p *proc) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if p.exited() {
		t.Fatalf("pid %d already exited; cannot send %v", p.PID, sig)
	}
	if err := syscall.Kill(p.PID, sig); err != nil {
		t.Fatalf("kill -%d %d: %v", sig, p.PID, err)
	}
}

// wait waits up to d for the process to end and reports whether it did.
func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// stop ends the process if it still runs: SIGTERM by PID, then SIGKILL.
func (p *proc) stop() {
	if !p.exited() {
		_ = syscall.Kill(p.PID, syscall.SIGTERM)
		if !p.wait(engineStopTimeout) {
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
			<-p.done
		}
	}
	p.cancel()
}

// engine is a running `jsorc serve`.
type engine struct {
	*proc
	URL     string
	Addr    string
	DataDir string
}

var errPortTaken = errors.New("port taken")

// startEngine runs `jsorc serve --data dataDir` on a free loopback port and
// waits until GET /healthz answers. Cleanup stops it with SIGTERM.
func startEngine(t testing.TB, dataDir string) *engine {
	t.Helper()
	for attempt := 0; ; attempt++ {
		e, err := launchEngine(t, dataDir, freeAddr(t))
		if err == nil {
			t.Cleanup(func() {
				e.stop()
				if t.Failed() {
					t.Logf("engine %d (%s) stdout:\n%s\nstderr:\n%s", e.PID, e.URL, e.stdout, e.stderr)
				}
			})
			return e
		}
		if !errors.Is(err, errPortTaken) || attempt == 2 {
			t.Fatal(err)
		}
	}
}

func launchEngine(t testing.TB, dataDir, addr string) (*engine, error) {
	t.Helper()
	p := startProc(t, "serve", "--data", dataDir, "--addr", addr)
	e := &engine{proc: p, URL: "http://" + addr, Addr: addr, DataDir: dataDir}
	deadline := time.Now().Add(engineStartTimeout)
	client := &http.Client{Timeout: time.Second}
	for {
		if p.exited() {
			p.cancel()
			if strings.Contains(p.stderr.String(), "address already in use") {
				return nil, fmt.Errorf("%w: %s", errPortTaken, addr)
			}
			return nil, fmt.Errorf("engine on %s exited before it was ready (%v)\nstdout:\n%s\nstderr:\n%s", addr, p.err, p.stdout, p.stderr)
		}
		// The banner proves that this engine, not another test's, holds
		// the port; /healthz that it serves.
		if strings.Contains(p.stdout.String(), "serving on "+e.URL) {
			resp, err := client.Get(e.URL + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return e, nil
				}
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("engine on %s not ready after %v\nstdout:\n%s\nstderr:\n%s", addr, engineStartTimeout, p.stdout, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cliResult is what one CLI run printed and how it exited.
type cliResult struct {
	Stdout, Stderr string
	Code           int
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// runCLI runs the binary with args and no engine address of its own.
func runCLI(t testing.TB, args ...string) cliResult {
	t.Helper()
	return runCLIEnv(t, nil, args...)
}

// runCLIEnv is runCLI with extra KEY=VALUE environment entries.
func runCLIEnv(t testing.TB, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, jsorcBin, args...)
	cmd.Env = append(childEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		t.Fatalf("jsorc %s: no answer within %v", strings.Join(args, " "), cliTimeout)
	case errors.As(err, &exitErr):
		res.Code = exitErr.ExitCode()
	default:
		t.Fatalf("jsorc %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// cli runs the binary against this engine (--server URL), reading its
// API token from its data directory (--data DIR) as a user's CLI does.
func (e *engine) cli(t testing.TB, args ...string) cliResult {
	t.Helper()
	return runCLI(t, append(args, "--server", e.URL, "--data", e.DataDir)...)
}

// token reads the engine's API token from its data directory.
func (e *engine) token(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.DataDir, "api-token"))
	if err != nil {
		t.Fatalf("the engine's API token: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// mustCLI runs a command that must succeed and returns its stdout.
func (e *engine) mustCLI(t testing.TB, args ...string) string {
	t.Helper()
	r := e.cli(t, args...)
	if r.Code != 0 {
		t.Fatalf("jsorc %s: %v", strings.Join(args, " "), r)
	}
	return r.Stdout
}

// cliJSON runs a command with -o json that must succeed, checks the answer
// is a JSON object with "success": true, and decodes it into out.
func (e *engine) cliJSON(t testing.TB, out any, args ...string) {
	t.Helper()
	stdout := e.mustCLI(t, append(args, "-o", "json")...)
	var head struct {
		Success *bool `json:"success"`
	}
	if err := json.Unmarshal([]byte(stdout), &head); err != nil {
		t.Fatalf("jsorc %s -o json: not a JSON object: %v\n%s", strings.Join(args, " "), err, stdout)
	}
	if head.Success == nil || !*head.Success {
		t.Fatalf("jsorc %s -o json: want \"success\": true, got\n%s", strings.Join(args, " "), stdout)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			t.Fatalf("jsorc %s -o json: decoding: %v\n%s", strings.Join(args, " "), err, stdout)
		}
	}
}

// actionStatus is the status of one module as the API reports it.
type actionStatus struct {
	// Mode is JSORC's: the mode serving calls; RequestedMode the one asked.
	Mode          json.RawMessage `json:"mode"`
	RequestedMode json.RawMessage `json:"requested_mode"`
	Serving       string          `json:"serving"`
	Actions       []string        `json:"actions"`
	Source        string          `json:"source"`
	Module        struct {
		Builtin string `json:"builtin"`
		Loaded  bool   `json:"loaded"`
	} `json:"module"`
	Remote struct {
		URL      string `json:"url"`
		Status   string `json:"status"`
		PID      int    `json:"pid"`
		External bool   `json:"external"`
	} `json:"remote"`
}

// mode is the JSON text of the mode: `"module"`, `"remote"` or `null`.
func (s actionStatus) mode() string { return string(s.Mode) }

// requested is the requested mode as JSON text ("null" when unloaded).
func (s actionStatus) requested() string { return string(s.RequestedMode) }

// status is `actions status NAME -o json`.
func (e *engine) status(t testing.TB, name string) actionStatus {
	t.Helper()
	var ans struct {
		ActionStatus actionStatus `json:"action_status"`
	}
	e.cliJSON(t, &ans, "actions", "status", name)
	return ans.ActionStatus
}

// statusAll is `actions status -o json`.
func (e *engine) statusAll(t testing.TB) map[string]actionStatus {
	t.Helper()
	var ans struct { // every module's full status (action_status is JSORC's {name: {mode}})
		ActionStatus map[string]actionStatus `json:"modules"`
	}
	e.cliJSON(t, &ans, "actions", "status")
	return ans.ActionStatus
}

// load is `actions load NAME -mode MODE [extra...] -o json`.
func (e *engine) load(t testing.TB, name, mode string, extra ...string) actionStatus {
	t.Helper()
	var ans struct {
		ActionStatus actionStatus `json:"action_status"`
	}
	e.cliJSON(t, &ans, append([]string{"actions", "load", name, "-mode", mode}, extra...)...)
	return ans.ActionStatus
}

// call is `actions call ACTION -ctx CTX -o json`; it returns the result.
func (e *engine) call(t testing.TB, action, ctx string) any {
	t.Helper()
	var ans struct {
		Result json.RawMessage `json:"result"`
	}
	e.cliJSON(t, &ans, "actions", "call", action, "-ctx", ctx)
	if len(ans.Result) == 0 {
		t.Fatalf("actions call %s: the answer has no result", action)
	}
	var v any
	if err := json.Unmarshal(ans.Result, &v); err != nil {
		t.Fatalf("actions call %s: result: %v", action, err)
	}
	return v
}

// waitReady polls `actions status NAME` until the remote server is READY
// and serving, and returns that status.
func (e *engine) waitReady(t testing.TB, name string) actionStatus {
	t.Helper()
	var st actionStatus
	waitFor(t, readyTimeout, func() (bool, string) {
		st = e.status(t, name)
		return st.Remote.Status == "READY" && st.Serving == "remote",
			fmt.Sprintf("%s: remote.status %q serving %q", name, st.Remote.Status, st.Serving)
	})
	return st
}

// waitFor polls cond every 25 ms until it holds, failing the test with
// cond's last description after d.
func waitFor(t testing.TB, d time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, desc := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, desc)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// procState is the State line of /proc/PID/status, "" when there is no
// such process.
func procState(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "State:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// waitProcGone waits until /proc/PID is absent.
func waitProcGone(t testing.TB, pid int, d time.Duration) {
	t.Helper()
	if pid <= 0 {
		t.Fatalf("no pid to watch (%d)", pid)
	}
	waitFor(t, d, func() (bool, string) {
		s := procState(pid)
		return s == "", fmt.Sprintf("pid %d still present, state %q", pid, s)
	})
}

// requireProcAlive fails unless PID runs.
func requireProcAlive(t testing.TB, pid int) {
	t.Helper()
	if pid <= 0 {
		t.Fatalf("no pid (%d)", pid)
	}
	if s := procState(pid); s == "" || strings.HasPrefix(s, "Z") {
		t.Fatalf("pid %d is not running (state %q)", pid, s)
	}
}

// httpGet fetches url and returns the status code and body.
func httpGet(t testing.TB, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatalf("GET %s: reading: %v", url, err)
	}
	return resp.StatusCode, b.String()
}

// writeFile writes a file in dir and returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
