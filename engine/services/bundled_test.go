package services_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/services"
)

// pgBin is where Debian's postgresql package installs its programs.
const pgBin = "/usr/lib/postgresql/*/bin"

// TestBundled runs each bundled service under a Manager with the real
// server from Debian's packages: its probe passes, a kill -9 of its PID
// brings it back within the back-off, and Refresh re-creates it. promon
// also scrapes a target given to SetScrapeTargets.
func TestBundled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		program string
		search  []string
		startup time.Duration // first start, including initdb
		extra   func(t *testing.T, m *services.Manager, in services.Info)
	}{
		{name: services.Redis, program: "redis-server", startup: 20 * time.Second, extra: checkRedis},
		{name: services.Promon, program: "prometheus", startup: 30 * time.Second, extra: checkScrape},
		{name: services.DB, program: "postgres", search: []string{pgBin}, startup: 60 * time.Second, extra: checkDB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			needProgram(t, tt.program, tt.search...)
			opts := fastOptions(reachableDir(t))
			opts.StartTimeout = tt.startup
			m := newManager(t, opts)
			if err := m.Set([]string{tt.name}, services.Bundled(), true); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			in := waitInfo(t, m, tt.name, tt.startup, "ready", isReady)
			t.Logf("%s ready in %s at %s (pid %d)", tt.name, time.Since(start).Round(time.Millisecond), in.URL, in.PID)

			// The probe, independently of the Manager.
			def := services.Bundled()[tt.name]
			if err := def.Probe.CheckWithPassword(t.Context(), in.Endpoint, passwordOf(t, in)); err != nil {
				t.Fatalf("probe of a ready %s: %v", tt.name, err)
			}
			if tt.extra != nil {
				tt.extra(t, m, in)
			}

			t.Run("kill -9", func(t *testing.T) {
				old := in
				kill(t, old.PID)
				start := time.Now()
				in = waitInfo(t, m, tt.name, 20*time.Second, "back", func(in services.Info) bool { return isReady(in) && in.PID != old.PID })
				t.Logf("%s back in %s (pid %d, restarts %d)", tt.name, time.Since(start).Round(time.Millisecond), in.PID, in.Restarts)
				if in.Restarts < 1 || in.LastError == "" {
					t.Errorf("after kill: restarts %d, last error %q", in.Restarts, in.LastError)
				}
				if !strings.Contains(in.LastError, "killed") {
					// A restart attempt failed after the kill, and a later one
					// succeeded: PostgreSQL refuses to start while a helper of
					// the killed postmaster still holds its shared memory.
					b, _ := os.ReadFile(in.LogPath)
					t.Logf("restarts %d, last error %q; log tail:\n%s", in.Restarts, in.LastError, b[max(0, len(b)-1500):])
				}
				if err := def.Probe.CheckWithPassword(t.Context(), in.Endpoint, passwordOf(t, in)); err != nil {
					t.Errorf("probe after restart: %v", err)
				}
			})

			t.Run("refresh", func(t *testing.T) {
				old := in
				if err := m.Refresh(tt.name); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				in = waitInfo(t, m, tt.name, 20*time.Second, "re-created", func(in services.Info) bool { return isReady(in) && in.PID != old.PID })
				t.Logf("%s re-created in %s", tt.name, time.Since(start).Round(time.Millisecond))
				waitGone(t, old.PID, 5*time.Second)
			})

			t.Run("removal", func(t *testing.T) {
				old := in
				if err := m.Set(nil, services.Bundled(), true); err != nil {
					t.Fatal(err)
				}
				waitGone(t, old.PID, 15*time.Second)
				waitInfo(t, m, tt.name, 5*time.Second, "stopped", func(in services.Info) bool { return in.State == services.StateStopped })
			})
		})
	}
}

// reachableDir returns a fresh data directory that another user (the
// postgres account, when the tests run as root) may search its way into.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// passwordOf reads the password of the service in names, "" if it has
// none.
func passwordOf(t *testing.T, in services.Info) string {
	t.Helper()
	if in.Credentials == "" {
		return ""
	}
	b, err := os.ReadFile(in.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// checkRedis authenticates, then sets and reads a key over RESP.
func checkRedis(t *testing.T, _ *services.Manager, in services.Info) {
	c, err := net.DialTimeout("tcp", in.Endpoint, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	pw := passwordOf(t, in)
	fmt.Fprintf(c, "*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n", len(pw), pw)
	fmt.Fprint(c, "*3\r\n$3\r\nSET\r\n$5\r\njsorc\r\n$2\r\nok\r\n*2\r\n$3\r\nGET\r\n$5\r\njsorc\r\n")
	buf := make([]byte, 64)
	var got string
	for !strings.Contains(got, "ok\r\n") {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("redis SET/GET: read %q then %v", got, err)
		}
		got += string(buf[:n])
	}
	if got != "+OK\r\n+OK\r\n$2\r\nok\r\n" {
		t.Errorf("redis AUTH/SET/GET answered %q", got)
	}
}

// checkDB checks where the cluster lives and who owns it.
func checkDB(t *testing.T, _ *services.Manager, in services.Info) {
	if _, err := os.Stat(filepath.Join(in.DataDir, "PG_VERSION")); err != nil {
		t.Errorf("no cluster in the data directory: %v", err)
	}
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(in.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; strconv.Itoa(int(uid)) != u.Uid {
		t.Errorf("data directory owned by uid %d, want postgres (%s)", uid, u.Uid)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.PID))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "\nUid:\t"+u.Uid+"\t") {
		t.Errorf("postgres does not run as the postgres user:\n%s", status)
	}
}

// checkScrape serves a metric, hands its address to SetScrapeTargets and
// waits for Prometheus to report the target up.
func checkScrape(t *testing.T, m *services.Manager, in services.Info) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# TYPE jsorc_test_answer gauge\njsorc_test_answer 42\n")
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	job := "jsorc-test"
	if err := m.SetScrapeTargets(map[string][]string{job: {ln.Addr().String()}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	deadline := start.Add(15 * time.Second)
	query := in.URL + "api/v1/query?query=" + url.QueryEscape(`up{job="`+job+`"}`)
	var last string
	for time.Now().Before(deadline) {
		if v, err := promValue(query); err == nil && v == "1" {
			t.Logf("target scraped, up=1 after %s", time.Since(start).Round(time.Millisecond))
			q := in.URL + "api/v1/query?query=" + url.QueryEscape(`jsorc_test_answer{job="`+job+`"}`)
			if v, err := promValue(q); err != nil || v != "42" {
				t.Errorf("jsorc_test_answer = %q, %v; want 42", v, err)
			}
			return
		} else {
			last = fmt.Sprintf("%q, %v", v, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("Prometheus did not report up{job=%q} == 1 within 15s; last: %s", job, last)
}

// promValue runs an instant query and returns the value of its only
// sample.
func promValue(query string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, query, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", err
	}
	if body.Status != "success" || len(body.Data.Result) != 1 {
		return "", fmt.Errorf("status %s, %d samples", body.Status, len(body.Data.Result))
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	return s, nil
}

// TestDBUnreachableDataDir: when the engine is root, a data directory the
// postgres user cannot reach is a clear error, not a crash loop of
// mysterious permission errors.
func TestDBUnreachableDataDir(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root switches to the postgres user")
	}
	needProgram(t, "postgres", pgBin)
	parent := t.TempDir()
	if err := os.Chmod(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, fastOptions(filepath.Join(parent, "data")))
	if err := m.Set([]string{services.DB}, services.Bundled(), true); err != nil {
		t.Fatal(err)
	}
	in := waitInfo(t, m, services.DB, 10*time.Second, "crashed", func(in services.Info) bool { return in.State == services.StateCrashed })
	for _, want := range []string{"(mode -rwx------) has no search permission for user postgres", "chmod o+x /tmp/"} {
		if !strings.Contains(in.LastError, want) {
			t.Errorf("last error %q; want it to contain %q", in.LastError, want)
		}
	}
	if _, err := os.Stat(filepath.Join(in.DataDir, "PG_VERSION")); err == nil {
		t.Error("initdb ran although postgres cannot reach its data")
	}
}

// TestNoOrphanWhenEngineDies plays the engine in a child process that
// keeps db alive, kills that process with SIGKILL and expects PostgreSQL
// and its helper processes to die with it: when the engine is root
// this checks that setpriv restored the parent-death signal that the
// change of user clears.
func TestNoOrphanWhenEngineDies(t *testing.T) {
	t.Parallel()
	needProgram(t, "postgres", pgBin)
	engine := exec.Command(testBinary(t), "engine", reachableDir(t), services.DB)
	engine.Env = append(os.Environ(), childEnv+"=1")
	out, err := engine.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.Start(); err != nil {
		t.Fatal(err)
	}
	reaped := false
	t.Cleanup(func() {
		if !reaped {
			_ = engine.Process.Kill()
			_ = engine.Wait()
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(60 * time.Second):
		t.Fatal("the engine child reported nothing in 60s")
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	if err != nil {
		t.Fatalf("engine child said %q", line)
	}
	helpers := children(pid)
	if len(helpers) == 0 {
		t.Fatalf("postmaster %d has no helper processes", pid)
	}
	if err := engine.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = engine.Wait()
	reaped = true
	// The postmaster goes by its parent-death signal; its helpers (each in
	// a session of its own) notice that the postmaster died and exit.
	waitGone(t, pid, 5*time.Second)
	for _, h := range helpers {
		waitGone(t, h, 10*time.Second)
	}
}

// children lists the live (not zombie) processes whose parent is ppid.
func children(ppid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		// After "comm)": state ppid ...
		f := strings.Fields(string(b[i+1:]))
		if len(f) >= 2 && f[0] != "Z" && f[1] == strconv.Itoa(ppid) {
			pids = append(pids, pid)
		}
	}
	return pids
}
