package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// unixConns counts the Unix domain sockets bound to path, the listener and
// the connections it accepted (the kernel names them all by the path).
func unixConns(t testing.TB, path string) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		t.Skipf("no /proc/net/unix to see the sockets: %v", err)
	}
	n := 0
	for line := range strings.Lines(string(raw)) {
		if strings.HasSuffix(strings.TrimSpace(line), " "+path) {
			n++
		}
	}
	return n
}

// tcpConns counts the established TCP connections whose local port is
// port (the server's ends of its connections over loopback).
func tcpConns(t testing.TB, port int) int {
	t.Helper()
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(raw)) {
			fields := strings.Fields(line)
			if len(fields) < 4 || fields[3] != "01" {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil && int(p) == port {
				n++
			}
		}
	}
	return n
}

// socketOf is the socket of the local action server at url, in the data
// directory dir: the newest start's PORT-N.sock of its port ("" if none).
func socketOf(dir, url string) string {
	port := url[strings.LastIndexByte(url, ':')+1:]
	paths, _ := filepath.Glob(filepath.Join(dir, "sock", port+"-*.sock"))
	newest, newestSeq := "", -1
	for _, p := range paths {
		_, seq, _ := strings.Cut(strings.TrimSuffix(filepath.Base(p), ".sock"), "-")
		if n, err := strconv.Atoi(seq); err == nil && n > newestSeq {
			newest, newestSeq = p, n
		}
	}
	return newest
}

// socketPort is the TCP port in the name of a local server's socket.
func socketPort(t testing.TB, sock string) int {
	t.Helper()
	port, _, _ := strings.Cut(filepath.Base(sock), "-")
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("socket %s: no port in its name: %v", sock, err)
	}
	return n
}

// remoteEcho loads the built-in echo in remote mode on the local backend
// and returns its server's TCP URL and its socket.
func remoteEcho(t testing.TB, e *engine.Engine, dir string) (url, sock string) {
	t.Helper()
	st := load(t, e, "echo", "remote")
	return st.Remote.URL, socketOf(dir, st.Remote.URL)
}

// TestRemoteCallsTakeTheSocket: the engine calls a local action server
// through its Unix domain socket, while the server still answers the Jaseci
// protocol over TCP to anyone else.
func TestRemoteCallsTakeTheSocket(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir).Engine
	url, sock := remoteEcho(t, e, dir)
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("the server's socket %s: %v, %v", sock, fi, err)
	}
	port := socketPort(t, sock)
	for range 3 {
		got, err := e.Call(ctxT(t), "echo.echo", map[string]any{"value": "over unix"})
		if err != nil || got != "over unix" {
			t.Fatalf("remote call: %v, %v", got, err)
		}
	}
	// The client's end of a connection is unnamed; the server's accepted
	// end carries the path. The readiness probe and the engine's calls
	// connect there, none over TCP.
	if n := unixConns(t, sock); n < 2 {
		t.Fatalf("%d sockets at %s after three calls, want the listener and connections", n, sock)
	}
	if n := tcpConns(t, port); n != 0 {
		t.Fatalf("%d TCP connections to the server after the engine's calls, want 0", n)
	}
	tcp := &http.Client{Transport: &http.Transport{}}
	defer tcp.CloseIdleConnections()
	resp, err := tcp.Post(url+"/echo/", "application/json", strings.NewReader(`{"value": "over tcp"}`))
	if err != nil {
		t.Fatalf("the Jaseci protocol over TCP: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "over tcp") {
		t.Fatalf("over TCP: %d %s", resp.StatusCode, body)
	}
	if n := tcpConns(t, port); n != 1 {
		t.Fatalf("%d TCP connections to the server after one call over TCP, want 1", n)
	}
	load(t, e, "echo", "module")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(sock); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the socket %s outlived its server", sock)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkRemoteHop compares, in one run, a remote call through the
// router on the local backend (which takes the server's Unix domain
// socket) with a bare net/http client posting the same arguments to the
// same server over TCP loopback, interleaved call by call so both see the
// same machine. It reports both latencies and their ratio (target ≤ 0.8).
func BenchmarkRemoteHop(b *testing.B) {
	dir := b.TempDir()
	e := openEngine(b, dir).Engine
	url, _ := remoteEcho(b, e, dir)
	ctx := context.Background()
	args := map[string]any{"value": map[string]any{"value": "hello", "n": 1.0}}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	bare := func() {
		body, err := json.Marshal(args)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := client.Post(url+"/echo/", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, err %v", resp.StatusCode, err)
		}
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			b.Fatal(err)
		}
	}
	for range 10 { // warm both connections
		bare()
		if _, err := e.Call(ctx, "echo.echo", args); err != nil {
			b.Fatal(err)
		}
	}
	var routed, tcp time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if _, err := e.Call(ctx, "echo.echo", args); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		bare()
		routed += t1.Sub(t0)
		tcp += time.Since(t1)
	}
	b.ReportMetric(float64(routed.Nanoseconds())/float64(b.N), "unix-ns/call")
	b.ReportMetric(float64(tcp.Nanoseconds())/float64(b.N), "tcp-ns/call")
	b.ReportMetric(float64(routed)/float64(tcp), "unix/tcp")
}
