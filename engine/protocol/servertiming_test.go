package protocol_test

import (
	"context"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/protocol"
)

// TestServerTimingReachesTheCaller: a successful call's answer says how
// long the action ran on the server, over HTTP and in frames alike; the
// caller's latency is at least that, and a failed call reports none.
func TestServerTimingReachesTheCaller(t *testing.T) {
	sock := sockPath(t)
	srv := startFrameServer(t, sock, protocol.HandlerOptions{})
	tcp := protocol.NewClient(protocol.ClientOptions{})
	t.Cleanup(tcp.CloseIdleConnections)
	clients := []struct {
		name string
		c    *protocol.Client
	}{{"http", tcp}, {"frames", frameClient(t, sock)}}
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			_, m, err := cl.c.CallMeasured(ctx, srv.url, "sleep", map[string]any{"ms": 30})
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if m.Server < 30*time.Millisecond || m.Server > took {
				t.Fatalf("server time %v for a 30 ms sleep answered in %v", m.Server, took)
			}
			if m.Bytes == 0 {
				t.Fatal("no payload counted")
			}
			if _, m, err := cl.c.CallMeasured(ctx, srv.url, "fail", nil); err == nil || m.Server != 0 {
				t.Fatalf("a failed call: err %v, server time %v (want an error and none)", err, m.Server)
			}
		})
	}
}
