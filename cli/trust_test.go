package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/cli"
	"github.com/jsorc/jsorc/engine"
)

// serveIn runs ServeEngine on dir with o's token settings until the test
// ends, and returns the API's URL.
func serveIn(t *testing.T, dir string, o cli.ServeOptions) string {
	t.Helper()
	url, stop := serveUntilStopped(t, dir, o)
	t.Cleanup(stop)
	return url
}

// serveUntilStopped runs ServeEngine on dir until stop is called (at most
// once), and returns the API's URL.
func serveUntilStopped(t *testing.T, dir string, o cli.ServeOptions) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var logs syncBuffer
	o.Addr, o.DataDir, o.Logger = "127.0.0.1:0", dir, newLogger(&logs)
	o.Ready = func(_ *engine.Engine, addr string) { addrc <- addr }
	go func() { done <- cli.ServeEngine(ctx, o) }()
	stop = func() {
		cancel()
		<-done
	}
	select {
	case addr := <-addrc:
		return "http://" + addr, stop
	case err := <-done:
		t.Fatalf("ServeEngine: %v", err)
	case <-time.After(30 * time.Second):
		stop()
		t.Fatal("ServeEngine never became ready")
	}
	return "", stop
}

// TestAddressFromTheDataDirectory: a running engine records its API's URL
// in its data directory, so a CLI given only that directory reaches it on
// a port other than the default; --server still wins; the file goes when
// the engine stops.
func TestAddressFromTheDataDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url, stop := serveUntilStopped(t, dir, cli.ServeOptions{})
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	if got, err := api.ReadURLFile(dir); err != nil || got != url {
		t.Fatalf("URL file: %q, %v; want %q", got, err, url)
	}
	env := map[string]string{"JSORC_TOKEN": "", "JSORC_SERVER": ""}
	if r := run(t, env, "actions", "status", "--data", dir); r.err != nil || !strings.Contains(r.stdout, "textenc") {
		t.Errorf("CLI with --data only: err %v, stdout %q", r.err, r.stdout)
	}
	// --server wins over the file: a port where nothing listens.
	if r := run(t, env, "actions", "status", "--data", dir, "--server", "http://127.0.0.1:1"); r.err == nil || !strings.Contains(r.err.Error(), "no engine at http://127.0.0.1:1") || strings.Contains(r.err.Error(), api.URLFileName) {
		t.Errorf("--server beside the file: err %v", r.err)
	}
	stop()
	stopped = true
	if _, err := os.Stat(api.URLPath(dir)); !os.IsNotExist(err) {
		t.Errorf("URL file after the engine stopped: %v, want it removed", err)
	}

	// A file left by a killed engine: the CLI says where the address came from.
	if _, err := api.WriteURLFile(dir, "http://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	r := run(t, env, "actions", "status", "--data", dir)
	if r.err == nil || !strings.Contains(r.err.Error(), api.URLPath(dir)) {
		t.Errorf("stale URL file: err %v; want it named", r.err)
	}
}

// TestTokenFromTheDataDirectory: the engine writes its token into its data
// directory at first start (mode 0600) and keeps it across restarts; a CLI
// on that directory reads it; a CLI without it is told what it sent.
func TestTokenFromTheDataDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url := serveIn(t, dir, cli.ServeOptions{})
	path := filepath.Join(dir, api.TokenFileName)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no token file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode %04o, want 0600", perm)
	}
	tok, err := api.ReadTokenFile(path)
	if err != nil || len(tok) != 64 {
		t.Fatalf("token %q (%v): want 64 hex digits", tok, err)
	}
	noToken := map[string]string{"JSORC_TOKEN": ""}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" = success
	}{
		{"--data", noToken, []string{"--data", dir}, ""},
		{"JSORC_DATA", map[string]string{"JSORC_TOKEN": "", "JSORC_DATA": dir}, nil, ""},
		{"--token", noToken, []string{"--token", tok}, ""},
		{"JSORC_TOKEN", map[string]string{"JSORC_TOKEN": tok}, nil, ""},
		{"--token wins over the data directory", noToken, []string{"--token", "wrong", "--data", dir}, "this CLI sent the token given with --token"},
		{"wrong JSORC_TOKEN", map[string]string{"JSORC_TOKEN": "wrong"}, nil, "this CLI sent the token in $JSORC_TOKEN"},
		{"another data directory", noToken, []string{"--data", t.TempDir()}, "no token: no --token, no $JSORC_TOKEN, and no file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.env, append([]string{"actions", "status", "--server", url}, tc.args...)...)
			if tc.want == "" {
				if r.err != nil || !strings.Contains(r.stdout, "textenc") {
					t.Errorf("err %v, stdout %q", r.err, r.stdout)
				}
				return
			}
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) || !strings.Contains(r.err.Error(), "Authorization: Bearer") {
				t.Errorf("err %v; want the engine's 401 and %q", r.err, tc.want)
			}
		})
	}

	// A restart keeps the token.
	again, err := api.ReadTokenFile(path)
	if err != nil || again != tok {
		t.Errorf("token after serving: %q, %v", again, err)
	}
}

// TestServeTokenSources: serve takes its token from JSORC_TOKEN or a file,
// and refuses a data directory token that other users can read.
func TestServeTokenSources(t *testing.T) {
	t.Parallel()
	t.Run("JSORC_TOKEN", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out syncBuffer
		done := make(chan error, 1)
		go func() {
			done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "error"},
				cli.Env{Stdout: &out, Getenv: tokenEnv})
		}()
		waitOutput(t, &out, "serving on")
		if !strings.Contains(out.String(), "API token from $JSORC_TOKEN") {
			t.Errorf("banner %q does not say where the token came from", out.String())
		}
		line := out.String()
		url := strings.Fields(line[strings.Index(line, "http://"):])[0]
		if r := run(t, nil, "actions", "status", "--server", url); r.err != nil {
			t.Errorf("with JSORC_TOKEN: %v", r.err)
		}
		if _, err := os.Stat(filepath.Join(dir, api.TokenFileName)); err == nil {
			t.Error("a token was given, yet the engine wrote one into the data directory")
		}
		cancel()
		<-done
	})
	t.Run("token file", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, []byte(testToken+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out syncBuffer
		done := make(chan error, 1)
		go func() {
			done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--token-file", file, "--log-level", "error"},
				cli.Env{Stdout: &out})
		}()
		waitOutput(t, &out, "serving on")
		line := out.String()
		url := strings.Fields(line[strings.Index(line, "http://"):])[0]
		if r := run(t, nil, "actions", "status", "--server", url); r.err != nil {
			t.Errorf("with the token file's token: %v", r.err)
		}
		cancel()
		<-done
	})
	t.Run("readable by others", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := filepath.Join(dir, api.TokenFileName)
		if err := os.WriteFile(path, []byte(testToken), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, map[string]string{"JSORC_TOKEN": ""}, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "error")
		if r.err == nil || !strings.Contains(r.err.Error(), "chmod 600 "+path) {
			t.Errorf("serve with a world-readable token: %v; want a refusal saying chmod 600", r.err)
		}
	})
	t.Run("empty token file", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		r := run(t, map[string]string{"JSORC_TOKEN": ""}, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--token-file", file)
		if r.err == nil || !strings.Contains(r.err.Error(), "empty") {
			t.Errorf("serve with an empty token file: %v", r.err)
		}
	})
}

// waitOutput waits until out holds want.
func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", want, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestListFlags: --allow-origin and --allow-host take repeats and comma
// lists; a malformed origin is refused at start.
func TestListFlags(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--allow-origin", "https://a.example,ftp://b", "--log-level", "error")
	if r.err == nil || !strings.Contains(r.err.Error(), `"ftp://b"`) {
		t.Errorf("serve with a bad origin: %v", r.err)
	}
}
