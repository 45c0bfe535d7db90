package protocol_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/protocol"
)

// seenRequest is what a frame-served handler saw of one request.
type seenRequest struct {
	path     string
	remote   string
	deadline time.Time
}

// recorder wraps a handler and remembers every request it served.
type recorder struct {
	h    http.Handler
	mu   sync.Mutex
	seen []seenRequest
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	dl, _ := req.Context().Deadline()
	r.mu.Lock()
	r.seen = append(r.seen, seenRequest{path: req.URL.Path, remote: req.RemoteAddr, deadline: dl})
	r.mu.Unlock()
	r.h.ServeHTTP(w, req)
}

// last is the most recent request served.
func (r *recorder) last(t *testing.T) seenRequest {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) == 0 {
		t.Fatal("the server saw no request")
	}
	return r.seen[len(r.seen)-1]
}

// frameServer is a ServeSocket running the test instance.
type frameServer struct {
	url  string
	sock string
	rec  *recorder
	stop func() error
}

// startFrameServer serves the test instance over TCP and, as frames, on
// the socket sock.
func startFrameServer(t *testing.T, sock string, opts protocol.HandlerOptions) *frameServer {
	t.Helper()
	rec := &recorder{h: protocol.NewHandler(testModule, &testInst{}, opts)}
	ctx, cancel := context.WithCancel(context.Background())
	bound := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- protocol.ServeSocket(ctx, "127.0.0.1:0", sock, rec, func(a string) { bound <- a })
	}()
	var addr string
	select {
	case addr = <-bound:
	case err := <-done:
		cancel()
		t.Fatalf("serving: %v", err)
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return &frameServer{url: "http://" + addr, sock: sock, rec: rec, stop: stop}
}

// frameClient calls every host on sock as frames.
func frameClient(t *testing.T, sock string) *protocol.Client {
	t.Helper()
	c := protocol.NewClient(protocol.ClientOptions{
		FrameSocket: func(string) (string, bool) { return sock, true },
	})
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func sockPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "f.sock")
}

// TestFramesAnswerAsHTTP: every kind of answer — a result, numbers kept
// exactly, bad arguments, an unknown action, each class of failure, the
// spec and the health check — comes back through the frame protocol
// exactly as through HTTP over TCP, and the server saw it on the socket.
func TestFramesAnswerAsHTTP(t *testing.T) {
	sock := sockPath(t)
	srv := startFrameServer(t, sock, protocol.HandlerOptions{})
	frames := frameClient(t, sock)
	overTCP := protocol.NewClient(protocol.ClientOptions{})
	defer overTCP.CloseIdleConnections()
	cases := []struct {
		name   string
		action string
		args   map[string]any
	}{
		{"result", "echo", map[string]any{"text": "hi", "times": 2}},
		{"coerced", "echo", map[string]any{"text": 5, "times": "3"}},
		{"exact numbers", "types", map[string]any{"big": json.Number("9007199254740993"), "f": json.Number("1.0")}},
		{"variadic", "args", map[string]any{"a": 1, "*rest": []any{2, 3}, "k": "v"}},
		{"null result", "nothing", nil},
		{"missing argument", "echo", map[string]any{}},
		{"unknown action", "nope", nil},
		{"action error", "fail", nil},
		{"panic", "panic", nil},
		{"result not JSON", "badresult", nil},
		{"escaped name", "a b/c", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, gotErr := frames.Call(ctx, srv.url, tc.action, tc.args)
			if tc.action != "a b/c" {
				if seen := srv.rec.last(t); seen.remote != "unix" {
					t.Fatalf("the server saw the call from %q, want the frame socket", seen.remote)
				}
			}
			want, wantErr := overTCP.Call(ctx, srv.url, tc.action, tc.args)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("frames answered %#v, HTTP %#v", got, want)
			}
			if errText(gotErr) != errText(wantErr) {
				t.Fatalf("frames failed with %q, HTTP with %q", errText(gotErr), errText(wantErr))
			}
			for _, target := range []any{new(*protocol.StatusError)} {
				if errors.As(gotErr, target) != errors.As(wantErr, target) {
					t.Fatalf("error kinds differ: %v vs %v", gotErr, wantErr)
				}
			}
			if errors.Is(gotErr, protocol.ErrUnknownAction) != errors.Is(wantErr, protocol.ErrUnknownAction) {
				t.Fatalf("unknown-action errors differ: %v vs %v", gotErr, wantErr)
			}
		})
	}
	t.Run("spec and healthz", func(t *testing.T) {
		ctx := context.Background()
		got, err := frames.Spec(ctx, srv.url)
		if err != nil {
			t.Fatal(err)
		}
		want, err := overTCP.Spec(ctx, srv.url)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("spec over frames %v, over HTTP %v (%v)", got, want, err)
		}
		if err := frames.Healthz(ctx, srv.url); err != nil {
			t.Fatalf("healthz over frames: %v", err)
		}
		if seen := srv.rec.last(t); seen.remote != "unix" || seen.path != protocol.HealthzPath {
			t.Fatalf("healthz reached the server as %+v", seen)
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestFramesCarryTheDeadline: the caller's deadline reaches the action on
// the server, which stops when it passes; the call fails at it, not at the
// action's own end.
func TestFramesCarryTheDeadline(t *testing.T) {
	sock := sockPath(t)
	srv := startFrameServer(t, sock, protocol.HandlerOptions{})
	c := frameClient(t, sock)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	want, _ := ctx.Deadline()
	start := time.Now()
	_, err := c.Call(ctx, srv.url, "sleep", map[string]any{"ms": 20000})
	if err == nil {
		t.Fatal("a call past its deadline succeeded")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the call took %v with a 300 ms deadline", took)
	}
	seen := srv.rec.last(t)
	if d := seen.deadline.Sub(want); seen.deadline.IsZero() || d < -time.Millisecond || d > time.Millisecond {
		t.Fatalf("the server's deadline %v, the caller's %v", seen.deadline, want)
	}
	// The connection the deadline cut is not reused; the next call works.
	if _, err := c.Call(context.Background(), srv.url, "echo", map[string]any{"text": "after"}); err != nil {
		t.Fatalf("the call after a deadline: %v", err)
	}
}

// TestFramesCancel: cancelling a call in flight returns at once with the
// cancellation, and the client goes on working.
func TestFramesCancel(t *testing.T) {
	sock := sockPath(t)
	srv := startFrameServer(t, sock, protocol.HandlerOptions{})
	c := frameClient(t, sock)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Call(ctx, srv.url, "sleep", map[string]any{"ms": 20000})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled call answered %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("cancelling took %v", took)
	}
	if _, err := c.Call(context.Background(), srv.url, "echo", map[string]any{"text": "after"}); err != nil {
		t.Fatalf("the call after a cancellation: %v", err)
	}
}

// TestFramesAfterServerRestart: the kept-alive connections whose server
// stopped are not a failed call: the call goes on a new connection to the
// server now listening there, however many stale ones the pool held.
func TestFramesAfterServerRestart(t *testing.T) {
	sock := sockPath(t)
	first := startFrameServer(t, sock, protocol.HandlerOptions{})
	c := frameClient(t, sock)
	ctx := context.Background()
	// Overlapping calls leave several connections in the pool.
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			_, err := c.Call(ctx, first.url, "sleep", map[string]any{"ms": 100})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := first.stop(); err != nil {
		t.Fatalf("stopping: %v", err)
	}
	second := startFrameServer(t, sock, protocol.HandlerOptions{})
	got, err := c.Call(ctx, second.url, "echo", map[string]any{"text": "two"})
	if err != nil {
		t.Fatalf("a call after the server restarted: %v", err)
	}
	if m, _ := got.(map[string]any); m["text"] != "two" {
		t.Fatalf("answered %v", got)
	}
	if seen := second.rec.last(t); seen.remote != "unix" {
		t.Fatalf("the new server saw the call from %q", seen.remote)
	}
}

// TestFramesShutdownLetsCallsFinish: a server told to stop with a call in
// flight answers it before it goes.
func TestFramesShutdownLetsCallsFinish(t *testing.T) {
	sock := sockPath(t)
	srv := startFrameServer(t, sock, protocol.HandlerOptions{})
	c := frameClient(t, sock)
	type answer struct {
		v   any
		err error
	}
	got := make(chan answer, 1)
	go func() {
		v, err := c.Call(context.Background(), srv.url, "sleep", map[string]any{"ms": 400})
		got <- answer{v, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		srv.rec.mu.Lock()
		n := len(srv.rec.seen)
		srv.rec.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the call never reached the server")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("stopping with a call in flight: %v", err)
	}
	if a := <-got; a.err != nil || a.v != "slept" {
		t.Fatalf("the call in flight answered %v, %v", a.v, a.err)
	}
}

// TestFramesTooLarge: a body over the server's limit is answered 413 as
// over HTTP, and the connection keeps serving.
func TestFramesTooLarge(t *testing.T) {
	sock := sockPath(t)
	srv := startFrameServer(t, sock, protocol.HandlerOptions{MaxBodyBytes: 1024})
	c := frameClient(t, sock)
	ctx := context.Background()
	_, err := c.Call(ctx, srv.url, "echo", map[string]any{"text": strings.Repeat("x", 4000)})
	if se, ok := errors.AsType[*protocol.StatusError](err); !ok || se.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("an oversized call answered %v", err)
	}
	if _, err := c.Call(ctx, srv.url, "echo", map[string]any{"text": "small"}); err != nil {
		t.Fatalf("the call after an oversized one: %v", err)
	}
}

// TestFramesNotAFrameServer: a socket where an HTTP server listens (a
// command given {socket} that speaks HTTP there) reads no call; the call
// goes to the server's TCP address instead, and succeeds.
func TestFramesNotAFrameServer(t *testing.T) {
	srv := startFrameServer(t, "", protocol.HandlerOptions{})
	sock := sockPath(t)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	hs := &http.Server{
		Handler:           http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }),
		ReadHeaderTimeout: time.Second,
	}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	c := frameClient(t, sock)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		got, err := c.Call(ctx, srv.url, "echo", map[string]any{"text": "x"})
		if m, _ := got.(map[string]any); err != nil || m["text"] != "x" {
			t.Fatalf("call %d past an HTTP socket: %v, %v", i, got, err)
		}
		if seen := srv.rec.last(t); seen.remote == "unix" {
			t.Fatalf("call %d: the server saw it on a socket", i)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the HTTP server on the socket served %d requests", n)
	}
}
