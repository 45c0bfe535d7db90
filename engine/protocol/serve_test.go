package protocol_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
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
