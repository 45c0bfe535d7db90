package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// serveHTTP serves an engine's API through api.HTTPServer (the real
// server: timeouts, connection limit) on a loopback port; it returns the
// address and stops at the end of the test.
func serveHTTP(t *testing.T, o api.HTTPOptions) (*engine.Engine, string) {
	t.Helper()
	return serveHTTPWith(t, o, api.Options{Token: testToken})
}

// serveHTTPWith is serveHTTP with the API's options.
func serveHTTPWith(t *testing.T, o api.HTTPOptions, ao api.Options) (*engine.Engine, string) {
	t.Helper()
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir()}).Engine
	h, err := api.NewServer(e, ao)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.NewHTTPServer(h, o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return e, ln.Addr().String()
}

// TestIdleConnectionsCannotLockOut: 2,000 connections that send nothing or
// only part of their headers, more than the server keeps, do not keep a
// real client from its answers; the server closes the extra ones.
func TestIdleConnectionsCannotLockOut(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2,000 connections")
	}
	t.Parallel()
	const maxConns, idle = 256, 2000
	_, addr := serveHTTP(t, api.HTTPOptions{MaxConns: maxConns})
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range idle {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if i%2 == 1 { // slowloris: a request line and no end of headers
			fmt.Fprintf(c, "POST /js_admin/jsorc_actions_status HTTP/1.1\r\nHost: %s\r\n", addr)
		}
		conns = append(conns, c)
	}

	c := client.New(addr, client.WithToken(testToken))
	start := time.Now()
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := types.Call(ctx, c, types.ActionsStatus, types.ActionsStatusParams{})
		cancel()
		if err != nil {
			t.Fatalf("call %d with %d idle connections open: %v", i, idle, err)
		}
	}
	t.Logf("20 calls in %v beside %d idle connections", time.Since(start), idle)

	// The server closed all but maxConns of them.
	var closed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) || isReset(err) {
				closed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := closed.Load(); n < idle-maxConns {
		t.Errorf("the server closed %d of %d idle connections; want at least %d (it keeps %d)", n, idle, idle-maxConns, maxConns)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// TestLongCallsOutliveServerTimeouts: a call that takes longer than the
// server's read and write timeouts still gets its answer, since its
// deadlines move with its budget; a quick call on the same server still
// works.
func TestLongCallsOutliveServerTimeouts(t *testing.T) {
	t.Parallel()
	e, addr := serveHTTP(t, api.HTTPOptions{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	if _, err := e.Load(context.Background(), "echo", "module", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	c := client.New(addr, client.WithToken(testToken))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ans, err := types.Call(ctx, c, types.ActionsCall, types.CallParams{Name: "echo.sleep", Ctx: map[string]any{"ms": 1500}})
	res := ans.Result
	if err != nil {
		t.Fatalf("a 1.5 s call on a server with 0.3 s timeouts: %v", err)
	}
	if m, _ := res.(map[string]any); m["slept_ms"] != json.Number("1500") {
		t.Errorf("answer %v", res)
	}
	if _, err := types.Call(ctx, c, types.ActionsStatus, types.ActionsStatusParams{}); err != nil {
		t.Errorf("a quick call after: %v", err)
	}
}
