package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/actions"
)

// echoFn returns the Go function of the built-in echo.echo action: what a
// direct call would run without jsorc in between.
func echoFn(t testing.TB) actions.Func {
	t.Helper()
	for _, a := range echoInstance(t).Actions() {
		if a.Name == "echo" {
			return a.Fn
		}
	}
	t.Fatal("echo has no echo action")
	return nil
}

// BenchmarkCallDirect is the baseline of BenchmarkCallModule: the same
// action function called directly.
func BenchmarkCallDirect(b *testing.B) {
	fn := echoFn(b)
	args := map[string]any{"value": 42.0}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fn(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallModule is a module-mode call through the router, tracking
// included.
func BenchmarkCallModule(b *testing.B) {
	e := newEngine(b)
	load(b, e, "echo", "module")
	args := map[string]any{"value": 42.0}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Call(ctx, "echo.echo", args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallModuleParallel is BenchmarkCallModule from every core at once.
func BenchmarkCallModuleParallel(b *testing.B) {
	e := newEngine(b)
	load(b, e, "echo", "module")
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		args := map[string]any{"value": 42.0}
		for pb.Next() {
			if _, err := e.Call(ctx, "echo.echo", args); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestRouterAddsNoAllocation: a module-mode call through the router
// allocates exactly what the direct call of the same function does —
// nothing for echo.echo — whether the caller's deadline is sooner than the
// module's timeout or the router gives the call the module's.
func TestRouterAddsNoAllocation(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters change allocation counts")
	}
	fn := echoFn(t)
	e := newEngine(t)
	load(t, e, "echo", "module")
	args := map[string]any{"value": 42.0}
	soon, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tt := range []struct {
		name string
		ctx  context.Context
	}{
		{"the caller's deadline", soon},
		{"the module's deadline", context.Background()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			direct := testing.AllocsPerRun(1000, func() { _, _ = fn(tt.ctx, args) })
			routed := testing.AllocsPerRun(1000, func() { _, _ = e.Call(tt.ctx, "echo.echo", args) })
			if direct != 0 || routed != 0 {
				t.Fatalf("router call allocates %v per call, direct call %v; want 0 both", routed, direct)
			}
		})
	}
}

// remoteEcho configures and loads an echo module whose action server is a
// server the engine did not start, so both remote benchmarks below call the
// very same server.
func remoteEcho(b *testing.B) (*engine.Engine, string) {
	url := startEchoServer(b)
	e := newEngine(b)
	if _, err := e.ConfigureActions(context.Background(), "ext_echo", "bench", []byte("ext_echo: {url: \""+url+"\"}")); err != nil {
		b.Fatal(err)
	}
	load(b, e, "ext_echo", "remote")
	return e, url
}

// BenchmarkCallRemote is a remote-mode call through the router.
func BenchmarkCallRemote(b *testing.B) {
	e, _ := remoteEcho(b)
	args := map[string]any{"value": "hello", "n": 1.0}
	args = map[string]any{"value": args}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Call(ctx, "ext_echo.echo", args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallRemoteBareHTTP is the baseline of BenchmarkCallRemote: a
// plain net/http client encoding the same arguments, posting them to the
// same server over a keep-alive connection and decoding the answer.
func BenchmarkCallRemoteBareHTTP(b *testing.B) {
	_, url := remoteEcho(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	args := map[string]any{"value": map[string]any{"value": "hello", "n": 1.0}}
	b.ReportAllocs()
	for b.Loop() {
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
}
