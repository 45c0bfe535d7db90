package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// jsorcBin is the binary under test and repoRoot the repository it was
// built from, both set by TestMain.
var jsorcBin, repoRoot string

// Budgets of the suite: generous for a loaded machine, short enough that a
// hung engine fails a test instead of the run.
const (
	startTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
	callTimeout  = 90 * time.Second
	readyWithin  = 60 * time.Second
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "jsorc-compat-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if repoRoot, err = filepath.Abs(".."); err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		return 1
	}
	jsorcBin = filepath.Join(dir, "jsorc")
	build := exec.Command("go", "build", "-o", jsorcBin, "github.com/jsorc/jsorc")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "compat: building jsorc: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// server is a running `jsorc serve` and a JSORC client of it.
type server struct {
	url, token string
	cmd        *exec.Cmd
	out        *syncBuffer
	http       *http.Client
}

// startServer runs `jsorc serve` with args on a free loopback port in a
// fresh data directory, reads its token from there as a JSORC user would
// be given it, and stops it (SIGTERM, by PID) when the test ends.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	data := t.TempDir()
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn"}, args...)
	cmd := exec.Command(jsorcBin, args...)
	cmd.Dir = repoRoot
	cmd.Env = cleanEnv()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting jsorc serve: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("jsorc serve's output:\n%s", out)
		}
	})
	s := &server{cmd: cmd, out: out, http: &http.Client{Timeout: callTimeout}}
	deadline := time.Now().Add(startTimeout)
	for {
		if _, rest, ok := strings.Cut(out.String(), "serving on "); ok {
			s.url = strings.Fields(rest)[0]
			break
		}
		select {
		case <-done:
			t.Fatalf("jsorc serve exited:\n%s", out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("jsorc serve did not serve within %v:\n%s", startTimeout, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tok, err := os.ReadFile(filepath.Join(data, "api-token"))
	if err != nil {
		t.Fatalf("the engine's token: %v", err)
	}
	s.token = strings.TrimSpace(string(tok))
	return s
}

// skipShort skips a replay under -short: each runs engines of its own.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("replays JSORC's tests on real engines; skipped with -short")
	}
}

// cleanEnv is the test's environment without what would point jsorc
// elsewhere.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "JSORC_") {
			env = append(env, kv)
		}
	}
	return env
}

// res is one answer as JSORC's tests read it: the HTTP status and the
// decoded body (Django's res.data, Python requests' res.json()).
type res struct {
	status int
	data   any
	raw    string
}

// obj is the answer as an object (nil when it is not one).
func (r res) obj() map[string]any { m, _ := r.data.(map[string]any); return m }

// post is what JSORC's clients did: POST /js_admin/<name> (or a /js/ path)
// with the token as `Authorization: token ...` and, when body is not nil,
// the JSON body; a nil body sends no body and no Content-Type, as Python
// requests' post(url, headers=...) does.
func (s *server) post(t *testing.T, name string, body any) res {
	t.Helper()
	path := name
	if !strings.HasPrefix(path, "/") {
		path = "/js_admin/" + name
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encoding the body of %s: %v", name, err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+s.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer of %s: %v", path, err)
	}
	r := res{status: resp.StatusCode, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.data); err != nil {
		t.Fatalf("POST %s: the answer is not JSON: %v\n%s", path, err, raw)
	}
	return r
}

// ok is post that fails the test unless the answer is a 200.
func (s *server) ok(t *testing.T, name string, body any) res {
	t.Helper()
	r := s.post(t, name, body)
	if r.status != http.StatusOK {
		t.Fatalf("POST %s %v: HTTP %d %s", name, body, r.status, r.raw)
	}
	return r
}

// syncBuffer is a bytes.Buffer the process's writers may share.
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
