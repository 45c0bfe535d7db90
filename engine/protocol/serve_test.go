package protocol_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/protocol"
)

func TestServe(t *testing.T) {
	h := protocol.NewHandler(testModule, &testInst{}, protocol.HandlerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bound := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- protocol.Serve(ctx, "127.0.0.1:0", h, func(a string) { bound <- a }) }()

	var addr string
	select {
	case addr = <-bound:
	case err := <-done:
		t.Fatalf("Serve returned early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("ready was not called")
	}
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("bound address %q has no port", addr)
	}
	base := "http://" + addr
	c := protocol.NewClient(protocol.ClientOptions{})
	if err := c.Healthz(ctx, base); err != nil {
		t.Fatal(err)
	}

	// A call in flight when the context ends still completes.
	type answer struct {
		res any
		err error
	}
	inflight := make(chan answer, 1)
	go func() {
		res, err := c.Call(context.Background(), base, "sleep", map[string]any{"ms": 300})
		inflight <- answer{res, err}
	}()
	waitInFlight(t, base)
	cancel()

	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if a := <-inflight; a.err != nil || a.res != "slept" {
		t.Errorf("in-flight call: %v, %v", a.res, a.err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Error("still accepting after shutdown")
	}
}

func TestServeListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h := protocol.NewHandler(testModule, &testInst{}, protocol.HandlerOptions{})
	err = protocol.Serve(context.Background(), ln.Addr().String(), h, func(string) { t.Error("ready called") })
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("err %v, want a listen error naming the address", err)
	}
}

// waitInFlight polls /metrics until one call is being served.
func waitInFlight(t *testing.T, base string) {
	t.Helper()
	want := []byte(protocol.MetricInFlight + `{module="t"} 1`)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if res := doRaw(t, http.MethodGet, base+"/metrics", nil); bytes.Contains(res.body, want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the call never started")
}

// TestServeSocket: a server given a socket answers the protocol on it (as
// frames) and on TCP, replaces a socket file a dead server left, refuses to replace any
// other file, and removes its socket when it stops.
func TestServeSocket(t *testing.T) {
	h := protocol.NewHandler(testModule, &testInst{}, protocol.HandlerOptions{})
	dir := t.TempDir()
	t.Run("serves on both, and cleans up", func(t *testing.T) {
		path := filepath.Join(dir, "a.sock")
		stale, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		stale.(*net.UnixListener).SetUnlinkOnClose(false)
		stale.Close() // a dead server's file stays behind
		ctx, cancel := context.WithCancel(context.Background())
		bound := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- protocol.ServeSocket(ctx, "127.0.0.1:0", path, h, func(a string) { bound <- a }) }()
		var addr string
		select {
		case addr = <-bound:
		case err := <-done:
			t.Fatalf("ServeSocket returned early: %v", err)
		}
		overUnix := protocol.NewClient(protocol.ClientOptions{FrameSocket: func(string) (string, bool) { return path, true }})
		// The socket's client is given a closed TCP port: only the
		// socket can answer it.
		for name, c := range map[string]*protocol.Client{"unix": overUnix, "tcp": protocol.NewClient(protocol.ClientOptions{})} {
			url := "http://" + addr
			if name == "unix" {
				url = "http://127.0.0.1:1"
			}
			if err := c.Healthz(ctx, url); err != nil {
				t.Errorf("over %s: %v", name, err)
			}
			c.CloseIdleConnections()
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeSocket: %v", err)
		}
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("the socket outlived the server: %v", err)
		}
	})
	t.Run("another kind of file is kept", func(t *testing.T) {
		path := filepath.Join(dir, "not-a-socket")
		if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
		err := protocol.ServeSocket(context.Background(), "127.0.0.1:0", path, h, nil)
		if err == nil || !strings.Contains(err.Error(), "not a socket") {
			t.Fatalf("ServeSocket over a regular file: %v, want it refused", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "keep me" {
			t.Errorf("the file was changed: %q", b)
		}
	})
}
