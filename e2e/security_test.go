package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/internal/testcert"
)

// request is one raw HTTP request to an engine, as any client (or a web
// page, or an attacker) could send it.
type request struct {
	method, path string
	body         io.Reader
	length       int64 // Content-Length; -1 sends the body chunked
	header       map[string]string
	host         string
}

// do sends q to the engine and returns the status and the body.
func (e *engine) do(t testing.TB, q request) (int, string) {
	t.Helper()
	req, err := http.NewRequest(q.method, e.URL+q.path, q.body)
	if err != nil {
		t.Fatal(err)
	}
	if q.body != nil {
		req.ContentLength = q.length
	}
	for k, v := range q.header {
		req.Header.Set(k, v)
	}
	if q.host != "" {
		req.Host = q.host
	}
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", q.method, q.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading: %v", q.method, q.path, err)
	}
	return resp.StatusCode, string(b)
}

// post sends a JSON text with the given headers.
func (e *engine) post(t testing.TB, path, body string, header map[string]string) (int, string) {
	t.Helper()
	return e.do(t, request{method: "POST", path: path, body: strings.NewReader(body), length: int64(len(body)), header: header})
}

// authJSON are the headers of a well-formed call.
func (e *engine) authJSON(t testing.TB) map[string]string {
	return map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + e.token(t)}
}

// TestSecurityOfTheBinary: the real engine refuses what issue 9 found open:
// a call without the token (401), a text/plain POST (415), a foreign Host
// or Origin (403), and the cross-site POSTs that ran a command as root.
func TestSecurityOfTheBinary(t *testing.T) {
	t.Parallel()
	e := startEngine(t, t.TempDir())
	info, err := os.Stat(filepath.Join(e.DataDir, "api-token"))
	if err != nil {
		t.Fatalf("the engine wrote no token file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode %04o, want 0600", perm)
	}
	good := e.authJSON(t)
	status := "/js_admin/jsorc_actions_status"
	for _, tc := range []struct {
		name   string
		header map[string]string
		host   string
		code   int
		want   string
	}{
		{"no token", map[string]string{"Content-Type": "application/json"}, "", 401, "api-token"},
		{"wrong token", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer nope"}, "", 401, "wrong API token"},
		{"text/plain", map[string]string{"Content-Type": "text/plain", "Authorization": good["Authorization"]}, "", 415, "text/plain"},
		{"foreign Host", good, "evil.example:8799", 403, "evil.example"},
		{"foreign Origin", map[string]string{"Content-Type": "application/json", "Authorization": good["Authorization"], "Origin": "http://evil.example"}, "", 403, "evil.example"},
		{"good", good, "", 200, "textenc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.do(t, request{method: "POST", path: status, body: strings.NewReader("{}"), length: 2, header: tc.header, host: tc.host})
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("HTTP %d %s; want %d mentioning %q", code, body, tc.code, tc.want)
			}
		})
	}
	if code, _ := httpGet(t, e.URL+"/healthz"); code != 200 {
		t.Errorf("/healthz: HTTP %d, want 200 without a token", code)
	}

	// The cross-site attack: text/plain, as a web page sends it.
	marker := filepath.Join(t.TempDir(), "pwned")
	cmd, _ := json.Marshal([]string{"sh", "-c", "touch " + marker})
	page := map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}
	noOrigin := map[string]string{"Content-Type": "text/plain"}
	cfg, _ := json.Marshal(map[string]any{"name": "pwn", "config": fmt.Sprintf("pwn:\n  local:\n    command: %s\n", cmd)})
	svc, _ := json.Marshal(map[string]any{"config": fmt.Sprintf("services:\n  pwn:\n    command: %s\n    probe: {kind: tcp}\n", cmd)})
	meta, _ := json.Marshal(map[string]any{"name": "META_CONFIG", "value": `{"automation": true, "keep_alive": ["pwn"]}`})
	for _, h := range []map[string]string{page, noOrigin} {
		for _, step := range []struct{ path, body string }{
			{"/js_admin/jsorc_actions_config", string(cfg)},
			{"/js_admin/jsorc_actions_load", `{"name":"pwn","mode":"remote"}`},
			{"/js_admin/service_config", string(svc)},
			{"/js_admin/config_set", string(meta)},
			{"/js_admin/service_refresh", `{"name":"meta"}`},
			{"/js_admin/service_refresh", `{"name":"pwn"}`},
		} {
			if code, body := e.post(t, step.path, step.body, h); code/100 == 2 {
				t.Errorf("cross-site %s: HTTP %d %s", step.path, code, body)
			}
		}
	}
	// Give a started command ample time, then check it never ran; the
	// engine must not know the module or the service either.
	time.Sleep(time.Second)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a cross-site request ran its command")
	}
	if r := e.cli(t, "actions", "status", "pwn"); r.Code == 0 {
		t.Errorf("the cross-site config was stored: %v", r)
	}
}

// vmHWMMB reads the peak RSS (VmHWM) of a process in MB.
func vmHWMMB(t testing.TB, pid int) float64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// numbersArray is a JSON array of n small numbers, about 2n bytes.
func numbersArray(n int) []byte {
	var b bytes.Buffer
	b.Grow(2*n + 2)
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('1')
	}
	b.WriteByte(']')
	return b.Bytes()
}

// TestLargeBodiesCostLittle: issue 9 measured 1.3 GB of RSS for a 31 MB
// JSON array posted to the API. Bodies are now bounded per endpoint and
// checked before decoding: the engine's peak RSS grows by far less.
func TestLargeBodiesCostLittle(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())
	e.load(t, "echo", "module")
	h := e.authJSON(t)
	before := vmHWMMB(t, e.PID)

	array31 := numbersArray(31 << 19) // 31 MiB
	call := func(value []byte) []byte {
		return append(append([]byte(`{"name":"echo.echo","ctx":{"value":`), value...), "}}"...)
	}
	big := call(array31)
	for _, tc := range []struct {
		name   string
		body   []byte
		length int64
		code   int
	}{
		{"31 MiB array with its length", big, int64(len(big)), 413},
		{"31 MiB array chunked", big, -1, 413},
		{"4 MiB array: too many values", call(numbersArray(2 << 20)), -1, 400},
		{"invalid UTF-8", call([]byte("\"\xff\"")), -1, 400},
		{"10,000 levels of nesting", call([]byte(strings.Repeat("[", 10000) + strings.Repeat("]", 10000))), -1, 400},
		{"a 6 MiB string, accepted", call([]byte(`"` + strings.Repeat("a", 6<<20) + `"`)), -1, 200},
	} {
		code, body := e.do(t, request{method: "POST", path: "/js_admin/actions_call", body: bytes.NewReader(tc.body), length: tc.length, header: h})
		if code != tc.code {
			t.Errorf("%s: HTTP %d %.200s; want %d", tc.name, code, body, tc.code)
		}
	}
	after := vmHWMMB(t, e.PID)
	t.Logf("peak RSS %.1f MB before, %.1f MB after the large bodies (+%.1f MB)", before, after, after-before)
	if after-before > 150 {
		t.Errorf("the large bodies raised the engine's peak RSS by %.1f MB; want under 150 MB", after-before)
	}
}

// TestTLS: --tls-cert/--tls-key serve HTTPS only; the CLI trusts the
// certificate with --tls-ca or JSORC_TLS_CA, and refuses it otherwise.
func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := testcert.Write(t, t.TempDir())
	addr := freeAddr(t)
	p := startProc(t, "serve", "--data", dir, "--addr", addr, "--tls-cert", cert, "--tls-key", key)
	url := "https://" + addr
	waitFor(t, engineStartTimeout, func() (bool, string) {
		return strings.Contains(p.stdout.String(), "serving on "+url), fmt.Sprintf("no banner naming %s: %q %q", url, p.stdout, p.stderr)
	})
	withCA := runCLI(t, "actions", "status", "--server", url, "--data", dir, "--tls-ca", cert)
	if withCA.Code != 0 || !strings.Contains(withCA.Stdout, "textenc") {
		t.Errorf("CLI with --tls-ca: %v", withCA)
	}
	bare := runCLIEnv(t, []string{"JSORC_TLS_CA=" + cert}, "actions", "status", "--server", addr, "--data", dir)
	if bare.Code != 0 {
		t.Errorf("CLI with JSORC_TLS_CA and a bare address (https implied): %v", bare)
	}
	noCA := runCLI(t, "actions", "status", "--server", url, "--data", dir)
	if noCA.Code == 0 || !strings.Contains(noCA.Stderr, "certificate") {
		t.Errorf("CLI without the CA: %v; want a certificate error", noCA)
	}
	plain := runCLI(t, "actions", "status", "--server", "http://"+addr, "--data", dir)
	if plain.Code == 0 {
		t.Errorf("plain HTTP to the HTTPS engine succeeded: %v", plain)
	}
}

// TestNonLoopbackWarning: listening where other machines can reach the
// API without TLS prints a warning saying what to do.
func TestNonLoopbackWarning(t *testing.T) {
	t.Parallel()
	_, port, err := net.SplitHostPort(freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	p := startProc(t, "serve", "--data", t.TempDir(), "--addr", "0.0.0.0:"+port)
	waitFor(t, engineStartTimeout, func() (bool, string) {
		return strings.Contains(p.stdout.String(), "serving on"), fmt.Sprintf("not serving: %q %q", p.stdout, p.stderr)
	})
	if s := p.stderr.String(); !strings.Contains(s, "WARNING") || !strings.Contains(s, "--tls-cert") {
		t.Errorf("stderr %q; want a warning about clear text naming --tls-cert", s)
	}
	loop := startEngine(t, t.TempDir())
	if strings.Contains(loop.stderr.String(), "WARNING") {
		t.Errorf("a loopback engine warned: %q", loop.stderr)
	}
}
