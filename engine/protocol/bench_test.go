package protocol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/protocol"
)

// benchArgs is the small call both round-trip benchmarks make.
func benchArgs() map[string]any { return map[string]any{"text": "hello world", "times": 3} }

// BenchmarkClientCall is a full round trip through Client and the handler on
// loopback: encode, POST, validate, run, encode the result, decode it.
func BenchmarkClientCall(b *testing.B) {
	srv := newTestServer(b, protocol.HandlerOptions{})
	c := protocol.NewClient(protocol.ClientOptions{})
	defer c.CloseIdleConnections()
	ctx := context.Background()
	args := benchArgs()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Call(ctx, srv.URL, "echo", args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientCallParallel is BenchmarkClientCall from GOMAXPROCS
// goroutines sharing one client.
func BenchmarkClientCallParallel(b *testing.B) {
	srv := newTestServer(b, protocol.HandlerOptions{})
	c := protocol.NewClient(protocol.ClientOptions{})
	defer c.CloseIdleConnections()
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		args := benchArgs()
		for pb.Next() {
			if _, err := c.Call(ctx, srv.URL, "echo", args); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBareHTTP is the floor BenchmarkClientCall is measured against: the
// same POST to the same server from a plain net/http client with a
// pre-encoded body, reading the answer without decoding it.
func BenchmarkBareHTTP(b *testing.B) {
	srv := newTestServer(b, protocol.HandlerOptions{})
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	body, err := json.Marshal(benchArgs())
	if err != nil {
		b.Fatal(err)
	}
	url := srv.URL + "/echo/"
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkHandler is the server side alone, without sockets.
func BenchmarkHandler(b *testing.B) {
	h := protocol.NewHandler(testModule, &testInst{}, protocol.HandlerOptions{})
	body := []byte(`{"text":"hello world","times":3}`)
	rd := bytes.NewReader(body)
	req := httptest.NewRequest(http.MethodPost, "/echo/", rd)
	req.Header.Set("Content-Type", "application/json")
	w := &discardWriter{header: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	header http.Header
	code   int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
