package cli_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/cli"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/store"
)

// usedDataDir is a data directory an engine opened and closed.
func usedDataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := enginetest.Start(t, engine.Options{DataDir: dir}).Stop(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// truncate cuts the database of dir inside the pages it uses.
func truncate(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, "jsorc.db")
	r, err := store.CheckFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(r.Pages-1)*int64(r.PageSize)); err != nil {
		t.Fatal(err)
	}
}

func TestDoctor(t *testing.T) {
	dir := usedDataDir(t)
	r := run(t, nil, "doctor", "--data", dir)
	if r.err != nil || !strings.Contains(r.stdout, "healthy") || !strings.Contains(r.stdout, "ok       "+filepath.Join(dir, "jsorc.db")) {
		t.Fatalf("doctor on a healthy directory: %v\n%s", r.err, r.stdout)
	}

	truncate(t, dir)
	r = run(t, nil, "doctor", "--data", dir)
	if r.err == nil || !strings.Contains(r.stdout, "PROBLEM  "+filepath.Join(dir, "jsorc.db")+" is damaged: it is truncated") {
		t.Fatalf("doctor on a truncated database: %v\n%s", r.err, r.stdout)
	}
	t.Logf("jsorc doctor:\n%s%v", r.stdout, r.err)

	// The engine refuses it, naming the way out, instead of dying of SIGBUS.
	r = run(t, nil, "serve", "--data", dir, "--addr", "127.0.0.1:0")
	if r.err == nil || !strings.Contains(r.err.Error(), "jsorc doctor --recover --data "+dir) {
		t.Fatalf("serve on a truncated database: %v", r.err)
	}
	t.Logf("jsorc serve: %v", r.err)

	r = run(t, nil, "doctor", "--recover", "--data", dir)
	if r.err != nil || !strings.Contains(r.stdout, "recovered "+filepath.Join(dir, "jsorc.db")) || !strings.Contains(r.stdout, "healthy") {
		t.Fatalf("doctor --recover: %v\n%s", r.err, r.stdout)
	}
	t.Logf("jsorc doctor --recover:\n%s", r.stdout)
	kept, _ := filepath.Glob(filepath.Join(dir, "jsorc.db.damaged-*"))
	if len(kept) != 1 {
		t.Errorf("kept damaged files: %v", kept)
	}

	// Secrets readable by others are problems.
	for _, f := range []string{filepath.Join(dir, "token"), filepath.Join(dir, "services", "db.password")} {
		if err := os.MkdirAll(filepath.Dir(f), 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("s3cret\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r = run(t, nil, "doctor", "--data", dir, "-o", "json")
	for _, want := range []string{`"healthy": false`, filepath.Join(dir, "token") + " holds a secret and has mode 0644", "the password of service db"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor -o json lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "s3cret") {
		t.Error("doctor printed a secret")
	}
}

// TestServeRecover: serve --recover starts on a truncated database, from
// what could be salvaged, and keeps the damaged file.
func TestServeRecover(t *testing.T) {
	dir := usedDataDir(t)
	truncate(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--recover", "--data", dir, "--addr", "127.0.0.1:0"},
			cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "serving on") {
		select {
		case err := <-done:
			t.Fatalf("serve --recover: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve --recover did not start:\n%s", errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "recovered a damaged database") {
		t.Errorf("serve --recover did not log the recovery:\n%s", errOut.String())
	}
	if kept, _ := filepath.Glob(filepath.Join(dir, "jsorc.db.damaged-*")); len(kept) != 1 {
		t.Errorf("kept damaged files: %v", kept)
	}
}

// TestServeGivesPromonTheEngine: serve tells the engine where its API
// listens, so the kept-alive Prometheus scrapes the engine's /metrics.
func TestServeGivesPromonTheEngine(t *testing.T) {
	if _, err := exec.LookPath("prometheus"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus is not installed, and CI must install it (.ci/run)")
		}
		t.Skip("*** SKIPPED: prometheus is not installed (apt-get install prometheus) ***")
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMeta([]byte(`{"automation": true, "keep_alive": ["promon"]}`)); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"},
			cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	targets := filepath.Join(dir, "services", "promon", "targets.json")
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, addr, _ := strings.Cut(out.String(), "serving on https://")
		if addr == "" {
			_, addr, _ = strings.Cut(out.String(), "serving on http://")
		}
		addr, _, _ = strings.Cut(addr, " ")
		b, _ := os.ReadFile(targets)
		if addr != "" && strings.Contains(string(b), `"`+addr+`"`) && strings.Contains(string(b), `"job": "jsorc"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("promon's targets never named the engine's API %q:\n%s\nlog:\n%s", addr, b, errOut.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
