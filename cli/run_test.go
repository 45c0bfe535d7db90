package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/cli"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// testToken is the API token of the engines the tests start; run sends it
// unless the test's environment sets JSORC_TOKEN itself.
const testToken = "cli-test-token-0123456789"

// engineServer starts an engine behind an httptest server; both stop when
// the test ends.
func engineServer(t *testing.T) (*engine.Engine, string) {
	t.Helper()
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir()}).Engine
	h, err := api.NewServer(e, api.Options{Token: testToken})
	if err != nil {
		t.Fatalf("api.NewServer: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return e, srv.URL
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in different
// goroutines.
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

// result is one Run's outcome.
type result struct {
	stdout, stderr string
	err            error
}

// run runs the command line with an environment of env, which holds
// JSORC_TOKEN=testToken unless env names JSORC_TOKEN, and a data directory
// of the test's unless env names one (so the user's own, where a running
// engine records its address, is never read).
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut syncBuffer
	env = maps.Clone(env)
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["JSORC_TOKEN"]; !ok {
		env["JSORC_TOKEN"] = testToken
	}
	if env["JSORC_DATA"] == "" && env["XDG_DATA_HOME"] == "" {
		env["XDG_DATA_HOME"] = t.TempDir()
	}
	err := cli.Run(context.Background(), args, cli.Env{
		Stdout:  &out,
		Stderr:  &errOut,
		Getenv:  func(k string) string { return env[k] },
		Version: "v9.9.9-test",
	})
	return result{stdout: out.String(), stderr: errOut.String(), err: err}
}

// runOK runs against server and fails the test on an error.
func runOK(t *testing.T, server string, args ...string) string {
	t.Helper()
	r := run(t, nil, append(args, "--server", server)...)
	if r.err != nil {
		t.Fatalf("jsorc %s: %v\nstdout: %s", strings.Join(args, " "), r.err, r.stdout)
	}
	return r.stdout
}

func TestRunActions(t *testing.T) {
	t.Parallel()
	_, url := engineServer(t)

	out := runOK(t, url, "actions", "status")
	for _, w := range []string{"MODULE", "MODE", "echo", "synth", "textenc", "builtin"} {
		if !strings.Contains(out, w) {
			t.Errorf("actions status table lacks %q:\n%s", w, out)
		}
	}
	out = runOK(t, url, "actions", "load", "echo", "-mode", "module")
	if !strings.Contains(out, "module") || !strings.Contains(out, "echo") {
		t.Errorf("actions load output:\n%s", out)
	}
	out = runOK(t, url, "actions", "call", "echo.echo", "-ctx", `{"value":3}`)
	if strings.TrimSpace(out) != "3" {
		t.Errorf("actions call printed %q, want 3", out)
	}
	out = runOK(t, url, "actions", "call", "-ctx", `{"value":{"k":[1,"two"]}}`, "echo.echo")
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v["k"].([]any)) != 2 {
		t.Errorf("actions call with an object printed %q (%v)", out, err)
	}
	out = runOK(t, url, "actions", "status", "echo")
	for _, w := range []string{"mode", "module", "serving", "echo"} {
		if !strings.Contains(out, w) {
			t.Errorf("actions status echo lacks %q:\n%s", w, out)
		}
	}
	out = runOK(t, url, "actions", "unload", "echo", "-retire_svc", "false")
	if !strings.Contains(out, "unloaded echo") {
		t.Errorf("actions unload printed %q", out)
	}
	// An engine error is not a usage error and carries the engine's message.
	r := run(t, nil, "actions", "call", "echo.echo", "-ctx", `{"value":3}`, "--server", url)
	if r.err == nil || errors.Is(r.err, cli.ErrUsage) || !strings.Contains(r.err.Error(), "not loaded") {
		t.Errorf("call after unload: %v", r.err)
	}
	var apiErr *client.Error
	if !errors.As(r.err, &apiErr) || apiErr.Status != 409 {
		t.Errorf("call after unload: %v, want an *client.Error with status 409", r.err)
	}
}

func TestRunJSONOutput(t *testing.T) {
	t.Parallel()
	_, url := engineServer(t)
	cases := [][]string{
		{"actions", "status"},
		{"actions", "status", "textenc"},
		{"actions", "load", "textenc", "-mode", "local"},
		{"actions", "call", "textenc.encode", "-ctx", `{"text":"hello"}`},
		{"actionpolicy", "get"},
		{"config", "get", "META_CONFIG"},
		{"app", "list"},
		{"service", "refresh", "meta"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out := runOK(t, url, append(args, "-o", "json")...)
			if args[0] == "config" { // JSORC's config_get answered a bare JSON string
				var s string
				if err := json.Unmarshal([]byte(out), &s); err != nil || !json.Valid([]byte(s)) {
					t.Fatalf("-o json printed no JSON string of JSON: %v\n%s", err, out)
				}
				return
			}
			var ans map[string]any
			if err := json.Unmarshal([]byte(out), &ans); err != nil {
				t.Fatalf("-o json printed invalid JSON: %v\n%s", err, out)
			}
			if ans["success"] != true {
				t.Errorf("-o json answer has success %v:\n%s", ans["success"], out)
			}
		})
	}
}

func TestRunServerSelection(t *testing.T) {
	t.Parallel()
	_, url := engineServer(t)
	dead := deadAddr(t)
	cases := []struct {
		name   string
		env    map[string]string
		args   []string
		wantOK bool
	}{
		{"flag", nil, []string{"--server", url}, true},
		{"one-dash flag with equals", nil, []string{"-server=" + url}, true},
		{"env", map[string]string{"JSORC_SERVER": url}, nil, true},
		{"env bare host:port", map[string]string{"JSORC_SERVER": strings.TrimPrefix(url, "http://")}, nil, true},
		{"flag wins over env", map[string]string{"JSORC_SERVER": dead}, []string{"--server", url}, true},
		{"env used when no flag", map[string]string{"JSORC_SERVER": dead}, nil, false},
		{"flag to a dead address", map[string]string{"JSORC_SERVER": url}, []string{"--server", dead}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.env, append([]string{"actions", "status"}, tc.args...)...)
			if tc.wantOK {
				if r.err != nil || !strings.Contains(r.stdout, "textenc") {
					t.Errorf("err %v, stdout %q", r.err, r.stdout)
				}
				return
			}
			if r.err == nil {
				t.Fatal("no error from a dead server")
			}
			for _, w := range []string{"no engine at", dead, "jsorc serve"} {
				if !strings.Contains(r.err.Error(), w) {
					t.Errorf("error %q does not mention %q", r.err, w)
				}
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	_, url := engineServer(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate", "now"}, "frobnicate now"},
		{"unknown subcommand", []string{"actions", "explode"}, "actions explode"},
		{"missing mode", []string{"actions", "load", "echo"}, "-mode"},
		{"too few args", []string{"actions", "config", "echo"}, "NAME SOURCE"},
		{"too many args", []string{"actions", "status", "a", "b"}, "actions status"},
		{"no args", []string{"actions", "call"}, "MODULE.ACTION"},
		{"args to an argless verb", []string{"actionpolicy", "get", "x"}, "actionpolicy get"},
		{"bad -o", []string{"actions", "status", "-o", "yaml"}, "yaml"},
		{"bad -ctx JSON", []string{"actions", "call", "echo.echo", "-ctx", "{value:3}"}, "-ctx"},
		{"-ctx not an object", []string{"actions", "call", "echo.echo", "-ctx", "[3]"}, "-ctx"},
		{"bad -ctx for app run", []string{"app", "run", "x", "-ctx", "nope"}, "-ctx"},
		{"bad -params", []string{"actionpolicy", "set", "default", "-params", "{"}, "-params"},
		{"unknown flag", []string{"actions", "status", "-bogus"}, "-bogus"},
		{"flag without value", []string{"actions", "load", "echo", "-mode"}, "-mode"},
		{"bad bool", []string{"actions", "unload", "echo", "-retire_svc=perhaps"}, "retire_svc"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, "loud"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, nil, append(tc.args, "--server", url)...)
			if !errors.Is(r.err, cli.ErrUsage) {
				t.Fatalf("jsorc %s: %v, want an ErrUsage", strings.Join(tc.args, " "), r.err)
			}
			if !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", r.err, tc.want)
			}
		})
	}
}

// allCommands is every verb `jsorc help` must list.
var allCommands = []string{
	"serve", "serve-action", "actions config", "actions load", "actions status", "actions unload",
	"actions delete", "actions call", "app config", "app list", "app run", "actionpolicy set", "actionpolicy get",
	"config set", "config get", "service refresh", "trackact start", "trackact stop",
	"benchmark start", "benchmark report", "benchmark stop", "tracksys start", "tracksys report",
	"tracksys stop", "loadtest", "version",
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"help"}, {"-h"}, {"--help"}} {
		r := run(t, nil, args...)
		if r.err != nil {
			t.Fatalf("jsorc %q: %v", args, r.err)
		}
		for _, c := range allCommands {
			if !strings.Contains(r.stdout, "  "+c+" ") {
				t.Errorf("jsorc %q does not list %q:\n%s", args, c, r.stdout)
			}
		}
	}
}

func TestRunCommandHelp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"actions", "load", "X", "-h"}, []string{"Usage: jsorc actions load", "-mode", "-wait", "-timeout", "-server", "-o"}},
		{[]string{"actions", "unload", "--help"}, []string{"Usage: jsorc actions unload", "-retire_svc"}},
		{[]string{"actions", "call", "-h", "-bogus"}, []string{"-ctx"}},
		{[]string{"serve", "-h"}, []string{"-addr", "-data", "-log-level"}},
		{[]string{"loadtest", "-h"}, []string{"-experiment", "-policy", "-mem"}},
	}
	for _, tc := range cases {
		r := run(t, nil, tc.args...)
		if r.err != nil {
			t.Errorf("jsorc %q: %v", tc.args, r.err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("jsorc %q usage lacks %q:\n%s", tc.args, w, r.stdout)
			}
		}
	}
}

func TestRunConfig(t *testing.T) {
	t.Parallel()
	e, url := engineServer(t)
	out := runOK(t, url, "config", "get", "META_CONFIG")
	var meta map[string]any
	if err := json.Unmarshal([]byte(out), &meta); err != nil {
		t.Fatalf("config get printed invalid JSON: %v\n%s", err, out)
	}
	if meta["backoff_interval"] != 10.0 || meta["namespace"] != "default" {
		t.Errorf("META_CONFIG = %v", meta)
	}
	if out := runOK(t, url, "config", "set", "META_CONFIG", `{"backoff_interval": 6, "namespace": "ops"}`); strings.TrimSpace(out) != "ok" {
		t.Errorf("config set printed %q, want ok", out)
	}
	if m := e.Meta(); m.BackoffInterval != 6 || m.Namespace != "ops" {
		t.Errorf("META_CONFIG after set = %+v", m)
	}
	r := run(t, nil, "config", "set", "META_CONFIG", `{"backoff_interval": 1}`, "--server", url)
	if r.err == nil || !strings.Contains(r.err.Error(), "floor") {
		t.Errorf("config set below the floor: %v", r.err)
	}
	if out := runOK(t, url, "service", "refresh", "meta"); strings.TrimSpace(out) != "ok" {
		t.Errorf("service refresh printed %q", out)
	}
	if r := run(t, nil, "service", "refresh", "nosuch", "--server", url); r.err == nil {
		t.Error("service refresh of an undefined service succeeded")
	}
}

func TestRunActionsConfigFile(t *testing.T) {
	t.Parallel()
	e, url := engineServer(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "actions.yaml")
	const yaml = "enc2:\n  builtin: textenc\n  local_mem_requirement: 20\nec2:\n  builtin: echo\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runOK(t, url, "actions", "config", "all", file)
	if !strings.Contains(out, "configured ec2, enc2 from "+file) {
		t.Errorf("actions config all printed %q", out)
	}
	st, err := e.Status("enc2")
	if err != nil || st.Source != file || st.Module.LocalMemRequirement != 20 {
		t.Errorf("enc2 after config: %+v, %v", st, err)
	}
	if out := runOK(t, url, "actions", "config", "echo", "builtin"); !strings.Contains(out, "configured echo from builtin") {
		t.Errorf("actions config echo builtin printed %q", out)
	}
	if r := run(t, nil, "actions", "config", "all", filepath.Join(dir, "missing.yaml"), "--server", url); r.err == nil ||
		!strings.Contains(r.err.Error(), "reading config source") {
		t.Errorf("missing file: %v", r.err)
	}
	if r := run(t, nil, "actions", "config", "nosuch", file, "--server", url); r.err == nil || !strings.Contains(r.err.Error(), "nosuch") {
		t.Errorf("module missing from the file: %v", r.err)
	}
	// The module configured from the file works.
	runOK(t, url, "actions", "load", "ec2", "--mode", "module")
	if out := runOK(t, url, "actions", "call", "ec2.echo", "--ctx", `{"value":"via file"}`); strings.TrimSpace(out) != `"via file"` {
		t.Errorf("ec2.echo printed %q", out)
	}
}

func TestRunApps(t *testing.T) {
	t.Parallel()
	_, url := engineServer(t)
	file := filepath.Join(t.TempDir(), "apps.yaml")
	const yaml = "greet:\n  steps:\n    - action: echo.echo\n      args: {value: \"$ctx.who\"}\n    - action: echo.echo\n      args: {value: {said: \"$prev\"}}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := runOK(t, url, "app", "config", file); !strings.Contains(out, "defined greet") {
		t.Errorf("app config printed %q", out)
	}
	if out := runOK(t, url, "app", "list"); !strings.Contains(out, "greet") || !strings.Contains(out, "echo.echo → echo.echo") {
		t.Errorf("app list printed %q", out)
	}
	runOK(t, url, "actions", "load", "echo", "-mode", "module")
	r := run(t, nil, "app", "run", "greet", "-ctx", `{"who":"ana"}`, "--server", url)
	if r.err != nil {
		t.Fatalf("app run: %v", r.err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got["said"] != "ana" {
		t.Errorf("app run printed %q (%v)", r.stdout, err)
	}
	if !strings.Contains(r.stderr, "greet:") || !strings.Contains(r.stderr, "2 steps") {
		t.Errorf("app run stderr %q", r.stderr)
	}
	out := runOK(t, url, "app", "run", "greet", "-ctx", `{"who":"bo"}`, "-o", "json")
	var ans map[string]any
	if err := json.Unmarshal([]byte(out), &ans); err != nil || ans["success"] != true {
		t.Errorf("app run -o json printed %q (%v)", out, err)
	}
	if r := run(t, nil, "app", "config", file+".missing", "--server", url); r.err == nil {
		t.Error("app config of a missing file succeeded")
	}
	if r := run(t, nil, "app", "run", "nosuch", "--server", url); r.err == nil || !strings.Contains(r.err.Error(), "nosuch") {
		t.Errorf("app run nosuch: %v", r.err)
	}
}

func TestRunPolicyAndMeasuring(t *testing.T) {
	t.Parallel()
	_, url := engineServer(t)
	if out := runOK(t, url, "actionpolicy", "set", "default"); !strings.Contains(out, "default") {
		t.Errorf("actionpolicy set printed %q", out)
	}
	if out := runOK(t, url, "actionpolicy", "get"); !strings.Contains(out, "policy: default") {
		t.Errorf("actionpolicy get printed %q", out)
	}
	if out := runOK(t, url, "actionpolicy", "set", "costmodel", "-params", `{"node_mem_mb": 4096}`); !strings.Contains(out, "costmodel") {
		t.Errorf("actionpolicy set costmodel printed %q", out)
	}
	// The measuring verbs in order: each succeeds, and a report before
	// start or a second stop is a 409 from the engine, not a usage error.
	for _, args := range [][]string{
		{"benchmark", "start"}, {"benchmark", "report"}, {"benchmark", "stop"},
		{"trackact", "start"}, {"trackact", "stop"},
		{"tracksys", "start"}, {"tracksys", "report"}, {"tracksys", "stop"},
	} {
		runOK(t, url, args...)
	}
	for _, args := range [][]string{{"benchmark", "report"}, {"trackact", "stop"}, {"tracksys", "stop"}} {
		r := run(t, nil, append(args, "--server", url)...)
		var apiErr *client.Error
		if !errors.As(r.err, &apiErr) || apiErr.Status != 409 || errors.Is(r.err, cli.ErrUsage) {
			t.Errorf("jsorc %s after stop: %v, want an HTTP 409 engine error", strings.Join(args, " "), r.err)
		}
	}
	r := run(t, nil, "loadtest", "-experiment", "flow_analysis", "-policy", "all_local", "-mem", "4", "--server", url)
	if r.err == nil || !strings.Contains(r.err.Error(), "flow_analysis") {
		t.Errorf("loadtest of an undefined app: %v", r.err)
	}
	if r := run(t, nil, "loadtest", "-experiment", "x", "-policy", "all_local", "-mem", "four", "--server", url); !errors.Is(r.err, cli.ErrUsage) {
		t.Errorf("loadtest -mem four: %v, want a usage error", r.err)
	}
}

func TestRunSimulate(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "simulate", "-o", "json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) == 0 {
		t.Fatalf("simulate -o json: %v, %d rows", err, len(rows))
	}
	for _, k := range []string{"app", "budget_gb", "policy", "mean_latency_ms", "ticks", "placement"} {
		if _, ok := rows[0][k]; !ok {
			t.Errorf("row lacks %q: %v", k, rows[0])
		}
	}
}

func TestRunVersion(t *testing.T) {
	t.Parallel()
	if r := run(t, nil, "version"); r.err != nil || strings.TrimSpace(r.stdout) != "jsorc v9.9.9-test" {
		t.Errorf("version: %q, %v", r.stdout, r.err)
	}
	var out bytes.Buffer
	if err := cli.Run(context.Background(), []string{"version"}, cli.Env{Stdout: &out, Getenv: func(string) string { return "" }}); err != nil ||
		strings.TrimSpace(out.String()) != "jsorc dev" {
		t.Errorf("version without one: %q, %v", out.String(), err)
	}
}

func TestRunNilEnv(t *testing.T) {
	t.Parallel()
	// A zero Env must not panic: no output streams, no environment.
	// (The default address is not tried: an engine may be serving there.)
	err := cli.Run(context.Background(), []string{"actions", "status", "--server", deadAddr(t)}, cli.Env{})
	if err == nil || !strings.Contains(err.Error(), "no engine at") {
		t.Errorf("Run with a zero Env: %v", err)
	}
	if err := cli.Run(context.Background(), []string{"help"}, cli.Env{}); err != nil {
		t.Errorf("help with a zero Env: %v", err)
	}
}

func TestServeEngine(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var logs syncBuffer
	go func() {
		done <- cli.ServeEngine(ctx, cli.ServeOptions{
			Addr:    "127.0.0.1:0",
			DataDir: t.TempDir(),
			Token:   testToken,
			Logger:  newLogger(&logs),
			Ready:   func(_ *engine.Engine, addr string) { addrc <- addr },
		})
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("ServeEngine ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("ServeEngine never became ready")
	}
	if out := runOK(t, addr, "actions", "status"); !strings.Contains(out, "textenc") {
		t.Errorf("status through ServeEngine: %q", out)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeEngine: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ServeEngine did not stop")
	}
	if !strings.Contains(logs.String(), "engine stopped") {
		t.Errorf("logs lack the engine's stop:\n%s", logs.String())
	}
}

func TestRunServe(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	data := t.TempDir()
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn"},
			cli.Env{Stdout: &out, Stderr: &errOut, Getenv: tokenEnv})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "serving on") {
		if time.Now().After(deadline) {
			t.Fatalf("serve printed nothing: %q %q", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	line := out.String()
	if !strings.Contains(line, data) {
		t.Errorf("serve line %q does not name the data directory", line)
	}
	url := strings.Fields(line[strings.Index(line, "http://"):])[0]
	if out := runOK(t, url, "actions", "status", "synth"); !strings.Contains(out, "synth") {
		t.Errorf("status through serve: %q", out)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestRunServeBusyAddress(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r := run(t, nil, "serve", "--addr", ln.Addr().String(), "--data", t.TempDir(), "--log-level", "error")
	if r.err == nil || !strings.Contains(r.err.Error(), ln.Addr().String()) {
		t.Errorf("serve on a busy address: %v", r.err)
	}
}

// tokenEnv is the environment of an engine the tests start with the CLI:
// JSORC_TOKEN=testToken only.
func tokenEnv(k string) string {
	if k == "JSORC_TOKEN" {
		return testToken
	}
	return ""
}

func newLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func TestRunServeAction(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve-action", "echo", "--addr", "127.0.0.1:0", "-name", "myecho", "--log-level", "error"},
			cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "http://") {
		select {
		case err := <-done:
			t.Fatalf("serve-action ended early: %v (%s)", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve-action printed nothing: %q", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	line := out.String()
	if !strings.HasPrefix(line, "serving echo on http://") {
		t.Errorf("serve-action printed %q", line)
	}
	base := strings.TrimSpace(line[strings.Index(line, "http://"):])
	resp, err := http.Get(base + "/jaseci_actions_spec/")
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	var spec map[string][]string
	err = json.NewDecoder(resp.Body).Decode(&spec)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !slices.Equal(spec["myecho.echo"], []string{"value"}) {
		t.Errorf("spec: HTTP %d %v, %v", resp.StatusCode, spec, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve-action: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve-action did not stop")
	}
	if r := run(t, nil, "serve-action", "no_such_builtin", "--addr", "127.0.0.1:0"); r.err == nil || !strings.Contains(r.err.Error(), "no_such_builtin") {
		t.Errorf("serve-action of an unknown builtin: %v", r.err)
	}
}
