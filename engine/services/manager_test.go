package services_test

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/services"
)

func TestNewManagerOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts services.Options
		want string // substring of the error; empty: no error
	}{
		{"ok", services.Options{DataDir: t.TempDir()}, ""},
		{"localhost", services.Options{DataDir: t.TempDir(), Host: "localhost"}, ""},
		{"no data dir", services.Options{}, "no data directory"},
		{"not loopback", services.Options{DataDir: t.TempDir(), Host: "10.1.2.3"}, "not a loopback address"},
		{"not an address", services.Options{DataDir: t.TempDir(), Host: "example.com"}, "not a loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := services.NewManager(tt.opts)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("NewManager: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("NewManager: error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestKeepAlive runs a user-defined service (played by the test binary)
// through its life: start, kill -9 and restart, sickness and restart,
// Refresh, a definition change, removal.
func TestKeepAlive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sick := filepath.Join(dir, "sick")
	m := newManager(t, fastOptions(filepath.Join(dir, "data")))
	def := childDef(t, "echo", sick)
	defs := map[string]services.Definition{"echo": def}
	if err := m.Set([]string{"echo"}, defs, true); err != nil {
		t.Fatal(err)
	}
	in := waitInfo(t, m, "echo", 10*time.Second, "ready", isReady)
	if !in.Enabled || !in.Automation || !in.ProbeOK || in.LastProbe.IsZero() {
		t.Errorf("ready info = %+v", in)
	}
	if want := "http://" + in.Endpoint + "/"; in.URL != want {
		t.Errorf("URL = %q, want %q", in.URL, want)
	}
	if want := filepath.Join(dir, "data", "services", "echo"); in.DataDir != want {
		t.Errorf("DataDir = %q, want %q", in.DataDir, want)
	}
	if want := filepath.Join(dir, "data", "logs", "service-echo.log"); in.LogPath != want {
		t.Errorf("LogPath = %q, want %q", in.LogPath, want)
	}
	if b, err := os.ReadFile(in.LogPath); err != nil || !strings.Contains(string(b), "serving on "+in.Endpoint) {
		t.Errorf("log %s = %q, %v; want the child's output", in.LogPath, b, err)
	}

	t.Run("kill -9", func(t *testing.T) {
		old := in
		kill(t, old.PID)
		in = waitInfo(t, m, "echo", 5*time.Second, "back", func(in services.Info) bool { return isReady(in) && in.PID != old.PID })
		if in.Restarts != old.Restarts+1 || !strings.Contains(in.LastError, "killed") {
			t.Errorf("after kill: restarts %d (was %d), last error %q", in.Restarts, old.Restarts, in.LastError)
		}
		if in.Endpoint != old.Endpoint {
			t.Errorf("endpoint moved from %s to %s; the port should stay while free", old.Endpoint, in.Endpoint)
		}
	})

	t.Run("unhealthy", func(t *testing.T) {
		old := in
		if err := os.WriteFile(sick, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		waitInfo(t, m, "echo", 5*time.Second, "restarted", func(in services.Info) bool { return in.PID != old.PID })
		waitGone(t, old.PID, 5*time.Second)
		if err := os.Remove(sick); err != nil {
			t.Fatal(err)
		}
		in = waitInfo(t, m, "echo", 10*time.Second, "ready again", isReady)
		if !strings.Contains(in.LastError, "consecutive probes failed") {
			t.Errorf("last error %q; want the keep-alive verdict", in.LastError)
		}
	})

	t.Run("refresh", func(t *testing.T) {
		old := in
		if err := m.Refresh("echo"); err != nil {
			t.Fatal(err)
		}
		in = waitInfo(t, m, "echo", 5*time.Second, "re-created", func(in services.Info) bool { return isReady(in) && in.PID != old.PID })
		waitGone(t, old.PID, time.Second)
		if in.Restarts != 0 {
			t.Errorf("restarts = %d after refresh, want 0 (a new incarnation)", in.Restarts)
		}
	})

	t.Run("definition change", func(t *testing.T) {
		old := in
		changed := def
		changed.Env = map[string]string{childEnv: "1", "JSORC_TEST_VERSION": "2"}
		if err := m.Set([]string{"echo"}, map[string]services.Definition{"echo": changed}, true); err != nil {
			t.Fatal(err)
		}
		in = waitInfo(t, m, "echo", 5*time.Second, "re-created", func(in services.Info) bool { return isReady(in) && in.PID != old.PID })
		waitGone(t, old.PID, time.Second)
		b, err := os.ReadFile("/proc/" + strconv.Itoa(in.PID) + "/environ")
		if err != nil || !strings.Contains(string(b), "JSORC_TEST_VERSION=2") {
			t.Errorf("new process environment lacks the new variable (%v)", err)
		}
	})

	t.Run("removal", func(t *testing.T) {
		old := in
		if err := m.Set(nil, map[string]services.Definition{"echo": def}, true); err != nil {
			t.Fatal(err)
		}
		waitGone(t, old.PID, 5*time.Second)
		in = waitInfo(t, m, "echo", 5*time.Second, "stopped", func(in services.Info) bool { return in.State == services.StateStopped })
		if in.Enabled || in.PID != 0 {
			t.Errorf("removed service info = %+v", in)
		}
		if err := m.Refresh("echo"); err == nil || !strings.Contains(err.Error(), "not kept alive") {
			t.Errorf("Refresh of a removed service: %v", err)
		}
	})
}

// TestAutomationOff: with automation off the Manager starts nothing and
// restarts nothing; it only probes and reports.
func TestAutomationOff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := newManager(t, fastOptions(dir))
	defs := map[string]services.Definition{"echo": childDef(t, "echo", filepath.Join(dir, "sick"))}

	t.Run("nothing started", func(t *testing.T) {
		if err := m.Set([]string{"echo"}, defs, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // several probe periods and back-offs
		in := m.Info()["echo"]
		if in.State != services.StateObserving || in.PID != 0 || in.Automation {
			t.Errorf("info = %+v; want observing, no process", in)
		}
		if _, err := os.Stat(in.DataDir); !os.IsNotExist(err) {
			t.Errorf("data directory created with automation off (%v)", err)
		}
	})

	t.Run("killed stays down", func(t *testing.T) {
		if err := m.Set([]string{"echo"}, defs, true); err != nil {
			t.Fatal(err)
		}
		in := waitInfo(t, m, "echo", 10*time.Second, "ready", isReady)
		if err := m.Set([]string{"echo"}, defs, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if got := m.Info()["echo"]; got.PID != in.PID || got.State != services.StateReady {
			t.Fatalf("turning automation off disturbed the service: %+v", got)
		}
		kill(t, in.PID)
		down := waitInfo(t, m, "echo", 5*time.Second, "down", func(in services.Info) bool { return in.State == services.StateDown })
		time.Sleep(1500 * time.Millisecond) // well past BackoffMax and several probe periods
		got := m.Info()["echo"]
		if got.State != services.StateDown || got.PID != 0 || got.Restarts != down.Restarts || got.ProbeOK {
			t.Errorf("after kill with automation off: %+v; want down, no process, no restart", got)
		}
		if got.LastProbe.Equal(down.LastProbe) {
			t.Error("no probe while observing")
		}

		if err := m.Set([]string{"echo"}, defs, true); err != nil {
			t.Fatal(err)
		}
		waitInfo(t, m, "echo", 10*time.Second, "back with automation on", isReady)
	})

	t.Run("refresh starts once", func(t *testing.T) {
		if err := m.Set([]string{"echo"}, defs, false); err != nil {
			t.Fatal(err)
		}
		old := m.Info()["echo"]
		if err := m.Refresh("echo"); err != nil {
			t.Fatal(err)
		}
		in := waitInfo(t, m, "echo", 10*time.Second, "re-created", func(in services.Info) bool { return isReady(in) && in.PID != old.PID })
		kill(t, in.PID)
		waitInfo(t, m, "echo", 5*time.Second, "down", func(in services.Info) bool { return in.State == services.StateDown })
	})
}

func TestNotInstalled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := func(name string, command string) services.Definition {
		return services.Definition{
			Name:    name,
			Command: []string{command, "--port", "{port}"},
			Probe:   services.Probe{Kind: services.ProbeTCP},
			Port:    1, // fixed, so that observe-only mode has an address to probe
		}
	}
	defs := map[string]services.Definition{
		"bare":     missing("bare", "jsorc-test-no-such-server"),
		"absolute": missing("absolute", filepath.Join(dir, "no-such-server")),
		"searched": {
			Name:       "searched",
			Command:    []string{"jsorc-test-no-such-server"},
			SearchPath: []string{filepath.Join(dir, "*", "bin")},
			Probe:      services.Probe{Kind: services.ProbeTCP},
		},
	}
	names := []string{"bare", "absolute", "searched"}
	for _, automation := range []bool{true, false} {
		m := newManager(t, fastOptions(filepath.Join(dir, "data")))
		if err := m.Set(names, defs, automation); err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if name == "searched" && !automation {
				continue // no fixed port: nothing to observe
			}
			in := waitInfo(t, m, name, 5*time.Second, "not installed", func(in services.Info) bool { return in.State == services.StateNotInstalled })
			if in.PID != 0 || in.ProbeOK {
				t.Errorf("automation %v: %s: %+v", automation, name, in)
			}
			if automation && !strings.Contains(in.LastError, "not installed") {
				t.Errorf("automation %v: %s: last error %q", automation, name, in.LastError)
			}
		}
	}
}

// TestSearchPathNewest: among several installed versions, the program of
// the highest version is run (here 15 beats 9).
func TestSearchPathNewest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for v, script := range map[string]string{
		"9":  "#!/bin/sh\nexit 3\n",
		"15": "#!/bin/sh\nexec " + testBinary(t) + " \"$@\"\n",
	} {
		bin := filepath.Join(dir, "versions", v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bin, "jsorc-test-server"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	def := childDef(t, "versioned", filepath.Join(dir, "sick"))
	def.Command[0] = "jsorc-test-server"
	def.SearchPath = []string{filepath.Join(dir, "versions", "*", "bin")}
	m := newManager(t, fastOptions(filepath.Join(dir, "data")))
	if err := m.Set([]string{"versioned"}, map[string]services.Definition{"versioned": def}, true); err != nil {
		t.Fatal(err)
	}
	in := waitInfo(t, m, "versioned", 10*time.Second, "ready", isReady)
	if in.Restarts != 0 {
		t.Errorf("restarts = %d (last error %q): the old version ran first", in.Restarts, in.LastError)
	}
}

func TestUnknownServices(t *testing.T) {
	t.Parallel()
	m := newManager(t, fastOptions(t.TempDir()))
	// JSORC's default keep_alive.
	if err := m.Set([]string{"promon", "redis", "task", "mail", "task"}, nil, true); err != nil {
		t.Fatal(err)
	}
	infos := m.Info()
	if len(infos) != 4 {
		t.Errorf("Info has %d entries, want 4: %v", len(infos), infos)
	}
	for name, in := range infos {
		if in.State != services.StateUnknown || !in.Enabled || in.LastError != "unknown service: no definition" {
			t.Errorf("%s: %+v", name, in)
		}
	}
	if err := m.Refresh("task"); !errors.Is(err, services.ErrUnknownService) {
		t.Errorf("Refresh(task) = %v, want ErrUnknownService", err)
	}
}

func TestSetRejectsInvalid(t *testing.T) {
	t.Parallel()
	m, err := services.NewManager(fastOptions(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	good := services.Bundled()
	if err := m.Set([]string{"redis"}, good, false); err != nil {
		t.Fatal(err)
	}
	bad := services.Bundled()
	r := bad["redis"]
	r.Command = append(r.Command, "{prot}")
	bad["redis"] = r
	err = m.Set([]string{"redis", "db"}, bad, true)
	if !errors.Is(err, services.ErrInvalid) || !strings.Contains(err.Error(), "{prot}") {
		t.Fatalf("Set with a bad definition: %v", err)
	}
	misfiled := map[string]services.Definition{"cache": good["redis"]}
	if err := m.Set([]string{"cache"}, misfiled, true); err == nil {
		t.Fatal("Set accepted a definition filed under another name")
	}
	in := m.Info()
	if in["db"].Enabled || in["redis"].Automation || !in["redis"].Enabled {
		t.Errorf("a rejected Set changed the configuration: %+v", in)
	}
	if err := m.Refresh("redis"); !errors.Is(err, services.ErrNotRunning) {
		t.Errorf("Refresh before Run = %v, want ErrNotRunning", err)
	}
}

func TestSetScrapeTargetsValidation(t *testing.T) {
	t.Parallel()
	m, err := services.NewManager(fastOptions(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		targets map[string][]string
		ok      bool
	}{
		{"none", nil, true},
		{"ok", map[string][]string{"jsorc": {"127.0.0.1:8080"}, "action-x": {"[::1]:9000", "localhost:1"}}, true},
		{"empty job", map[string][]string{"": {"127.0.0.1:1"}}, false},
		{"no port", map[string][]string{"j": {"127.0.0.1"}}, false},
		{"bad port", map[string][]string{"j": {"127.0.0.1:http"}}, false},
		{"no host", map[string][]string{"j": {":80"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := m.SetScrapeTargets(tt.targets); (err == nil) != tt.ok {
				t.Errorf("SetScrapeTargets(%v) = %v, want ok=%v", tt.targets, err, tt.ok)
			}
		})
	}
}

func TestEvery(t *testing.T) {
	t.Parallel()
	m, err := services.NewManager(services.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ in, want time.Duration }{
		{10 * time.Second, 10 * time.Second},
		{time.Second, 5 * time.Second}, // JSORC's floor
		{0, 5 * time.Second},
		{time.Minute, time.Minute},
	} {
		if got := m.Every(tt.in); got != tt.want {
			t.Errorf("Every(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestIPv6Loopback: {addr} joins an IPv6 host and port correctly.
func TestIPv6Loopback(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	_ = ln.Close()
	dir := t.TempDir()
	opts := fastOptions(filepath.Join(dir, "data"))
	opts.Host = "::1"
	m := newManager(t, opts)
	defs := map[string]services.Definition{"echo": childDef(t, "echo", filepath.Join(dir, "sick"))}
	if err := m.Set([]string{"echo"}, defs, true); err != nil {
		t.Fatal(err)
	}
	in := waitInfo(t, m, "echo", 10*time.Second, "ready", isReady)
	if !strings.HasPrefix(in.URL, "http://[::1]:") {
		t.Errorf("URL = %q, want http://[::1]:PORT/", in.URL)
	}
}

// TestVerifiedOnlyForOwnProcess: a service whose probe passes against a
// port someone else listens on (a definition with a fixed port whose own
// process listens elsewhere: the way to pass off any loopback service as
// promon) is ready but never verified; one whose own process answers is.
func TestVerifiedOnlyForOwnProcess(t *testing.T) {
	t.Parallel()
	foreign, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})}
	go func() { _ = srv.Serve(foreign) }()
	t.Cleanup(func() { _ = srv.Close() })

	m := newManager(t, fastOptions(t.TempDir()))
	impostor := childDef(t, "impostor", filepath.Join(t.TempDir(), "never"))
	impostor.Port = foreign.Addr().(*net.TCPAddr).Port
	impostor.Command = []string{testBinary(t), "http", "127.0.0.1:0", filepath.Join(t.TempDir(), "never")}
	own := childDef(t, "own", filepath.Join(t.TempDir(), "never"))
	defs := map[string]services.Definition{"impostor": impostor, "own": own}
	if err := m.Set([]string{"impostor", "own"}, defs, true); err != nil {
		t.Fatal(err)
	}
	waitInfo(t, m, "own", 20*time.Second, "verified", func(in services.Info) bool { return isReady(in) && in.Verified })
	in := waitInfo(t, m, "impostor", 20*time.Second, "ready", isReady)
	// Let a few periodic probes run.
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if in = m.Info()["impostor"]; in.Verified {
			t.Fatalf("a foreign listener was verified as the service: %+v", in)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !in.ProbeOK {
		t.Errorf("the impostor's probe failed, so the test proves nothing: %+v", in)
	}
}
