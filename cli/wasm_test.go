package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/cli"
	"github.com/jsorc/jsorc/engine/wasm"
	"github.com/jsorc/jsorc/internal/wasmexamples"
)

// `actions config NAME FILE.wasm` configures a WebAssembly module
// directly; it then loads and answers like any module.
func TestRunActionsConfigWasm(t *testing.T) {
	t.Parallel()
	e, url := engineServer(t)
	path := wasmexamples.Path(t, wasmexamples.TextrankRust)
	if out := runOK(t, url, "actions", "config", "tr", path); !strings.Contains(out, "configured tr from "+path) {
		t.Errorf("actions config printed %q", out)
	}
	cfg, err := e.ActionConfigOf("tr")
	if err != nil || cfg.Wasm != path || len(cfg.WasmSHA256) != 64 {
		t.Fatalf("config %+v, %v", cfg, err)
	}
	runOK(t, url, "actions", "load", "tr", "-mode", "module")
	out := runOK(t, url, "actions", "call", "tr.tokenize", "-ctx", `{"text": "Hello, WASM"}`)
	var toks []string
	if err := json.Unmarshal([]byte(out), &toks); err != nil || strings.Join(toks, " ") != "hello wasm" {
		t.Errorf("tr.tokenize printed %q", out)
	}
	st, err := e.Status("tr")
	if err != nil || st.Module.Kind != "wasm" || st.Module.SizeBytes <= 0 || st.Module.LocalMemRequirement <= 0 {
		t.Errorf("status of a wasm module: %+v, %v", st.Module, err)
	}
	out = runOK(t, url, "actions", "status")
	if !strings.Contains(out, "KIND") || !strings.Contains(out, "SIZE") || !regexp.MustCompile(`\btr\s+wasm\s+module\b.*\d+(\.\d)?[KM]iB`).MatchString(out) {
		t.Errorf("actions status lacks tr's kind and measured size:\n%s", out)
	}
	if out := runOK(t, url, "actions", "status", "tr"); !strings.Contains(out, "kind=wasm wasm="+path) || !strings.Contains(out, "(measured)") {
		t.Errorf("actions status tr:\n%s", out)
	}
	if r := run(t, nil, "actions", "config", "all", path, "--server", url); !errors.Is(r.err, cli.ErrUsage) {
		t.Errorf("actions config all FILE.wasm: %v, want a usage error", r.err)
	}
	// A module sent with its config: the engine need not see the file.
	yaml := "sent:\n  wasm: mods/tr.wasm\n"
	if _, err := e.ConfigureActionsFiles(context.Background(), "sent", "/elsewhere/m.yaml", []byte(yaml),
		map[string][]byte{"mods/tr.wasm": wasmexamples.Read(t, wasmexamples.TextrankC)}); err != nil {
		t.Fatalf("configuring from sent bytes: %v", err)
	}
	runOK(t, url, "actions", "load", "sent", "-mode", "module")
	if out := runOK(t, url, "actions", "status", "sent"); !strings.Contains(out, "wasm=/elsewhere/mods/tr.wasm") {
		t.Errorf("status of a module sent with its config:\n%s", out)
	}
	if r := run(t, nil, "actions", "config", "gone", filepath.Join(t.TempDir(), "gone.yaml"), "--server", url); r.err == nil {
		t.Error("a missing config file was accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.wasm")
	if err := os.WriteFile(bad, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "actions", "config", "bad", bad, "--server", url); r.err == nil || !strings.Contains(r.err.Error(), "jsorc_abi_version") {
		t.Errorf("a module without the ABI's exports: %v", r.err)
	}
}

// serve-action --wasm serves a module over the Jaseci protocol: from its
// parts when the file itself is absent (as in a pod), checking the digest;
// argument errors are 422, failures 500.
func TestRunServeActionWasm(t *testing.T) {
	t.Parallel()
	raw := wasmexamples.Read(t, wasmexamples.Probe)
	dir := t.TempDir()
	for i := 0; i*100_000 < len(raw); i++ {
		part := raw[i*100_000 : min(len(raw), (i+1)*100_000)]
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("module.wasm.%03d", i)), part, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "module.wasm")
	cfg := fmt.Sprintf(`{"sha256": %q, "env": {"WHO": "pod"}, "timeout": "2s"}`, wasm.Digest(raw))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve-action", "--wasm", file, "--wasm-config", cfg, "--name", "probe", "--addr", "127.0.0.1:0", "--log-level", "error"},
			cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	}()
	deadline := time.Now().Add(60 * time.Second)
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
	base := strings.TrimSpace(line[strings.Index(line, "http://"):])
	tests := []struct {
		action, body string
		status       int
		want         string
	}{
		{"env", `{"name": "WHO"}`, 200, `"pod"`},
		{"fail", `{"msg": "too big", "param": "size"}`, 422, `"loc":["body","size"]`},
		{"fail", `{"msg": "broken"}`, 500, "broken"},
		{"trap", `{}`, 500, "trapped"},
		{"loop", `{}`, 500, "deadline"},
		{"echo", `{"value": [1, "two"]}`, 200, `[1,"two"]`},
	}
	for _, tc := range tests {
		resp, err := http.Post(base+"/"+tc.action, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s %s: HTTP %d %s, want %d with %s", tc.action, tc.body, resp.StatusCode, b.String(), tc.status, tc.want)
		}
	}
	resp, err := http.Get(base + "/jaseci_actions_spec/")
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string][]string
	_ = json.NewDecoder(resp.Body).Decode(&spec)
	resp.Body.Close()
	if len(spec["probe.fail"]) != 2 {
		t.Errorf("spec %v", spec)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve-action: %v", err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve-action", "echo", "--wasm", file}, "not both"},
		{[]string{"serve-action"}, "--wasm FILE"},
		{[]string{"serve-action", "--wasm", file, "--wasm-config", `{"sha256": "00"}`}, "SHA-256"},
		{[]string{"serve-action", "--wasm", file, "--wasm-config", `{"bogus": 1}`}, "bogus"},
		{[]string{"serve-action", "--wasm", filepath.Join(dir, "none.wasm")}, "no module"},
	} {
		if r := run(t, nil, append(tc.args, "--addr", "127.0.0.1:0")...); r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("jsorc %q: %v, want an error saying %q", tc.args, r.err, tc.want)
		}
	}
}
