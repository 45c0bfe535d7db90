package protocol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
)

// testModule is the module name the test instance is served as.
const testModule = "t"

// testInst is a small module exercising every parameter kind and failure.
type testInst struct{ closed atomic.Bool }

func (*testInst) Actions() []actions.Action {
	return []actions.Action{
		{
			Name: "echo",
			Params: []actions.Param{
				{Name: "text", Kind: actions.Required, Type: actions.TypeString},
				{Name: "times", Kind: actions.Optional, Type: actions.TypeInt, Default: 1.0},
			},
			Fn: func(_ context.Context, args map[string]any) (any, error) {
				text, err := actions.String(args, "text", "")
				if err != nil {
					return nil, err
				}
				times, err := actions.Int(args, "times", 1)
				if err != nil {
					return nil, err
				}
				return map[string]any{"text": text, "times": times}, nil
			},
		},
		{
			// args(a, *rest, **opts) returns what it received, so tests can
			// see which keys arrived and how they bound.
			Name: "args",
			Params: []actions.Param{
				{Name: "a", Kind: actions.Required},
				{Name: "b", Kind: actions.Optional},
				{Name: "rest", Kind: actions.Rest},
				{Name: "opts", Kind: actions.Opts},
			},
			Fn: func(_ context.Context, args map[string]any) (any, error) { return args, nil },
		},
		{
			// types reports the Go type of each argument.
			Name:   "types",
			Params: []actions.Param{{Name: "v", Kind: actions.Opts}},
			Fn: func(_ context.Context, args map[string]any) (any, error) {
				out := make(map[string]any, len(args))
				for k, v := range args {
					out[k] = fmt.Sprintf("%T", v)
				}
				return out, nil
			},
		},
		{
			Name: "fail",
			Fn: func(context.Context, map[string]any) (any, error) {
				return nil, errors.New("boom")
			},
		},
		{
			Name: "panic",
			Fn:   func(context.Context, map[string]any) (any, error) { panic("kaboom") },
		},
		{
			Name: "badresult",
			Fn: func(context.Context, map[string]any) (any, error) {
				return map[string]any{"f": func() {}}, nil
			},
		},
		{
			Name:   "sleep",
			Params: []actions.Param{{Name: "ms", Kind: actions.Required, Type: actions.TypeNumber}},
			Fn: func(ctx context.Context, args map[string]any) (any, error) {
				ms, err := actions.Float(args, "ms", 0)
				if err != nil {
					return nil, err
				}
				select {
				case <-time.After(time.Duration(ms * float64(time.Millisecond))):
					return "slept", nil
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			},
		},
		{
			Name: "nothing",
			Fn:   func(context.Context, map[string]any) (any, error) { return nil, nil },
		},
	}
}

func (t *testInst) Close() error { t.closed.Store(true); return nil }

// newTestServer serves the test instance on a loopback httptest server.
func newTestServer(t testing.TB, opts protocol.HandlerOptions) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(protocol.NewHandler(testModule, &testInst{}, opts))
	t.Cleanup(srv.Close)
	return srv
}

// noRedirect is a plain client that reports redirects instead of following
// them, so tests can tell a direct answer from a 307.
func noRedirect() *http.Client {
	return &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

// rawResult is one raw HTTP exchange.
type rawResult struct {
	code   int
	header http.Header
	body   []byte
}

// doRaw sends method to url with body (nil: none) and returns the answer.
func doRaw(t testing.TB, method, url string, body []byte) rawResult {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResult{code: resp.StatusCode, header: resp.Header, body: b}
}

// decode parses JSON into any, failing the test on error.
func decode(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("answer is not JSON: %v: %q", err, b)
	}
	return v
}

// mustJSON encodes v, failing the test on error.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// newTestServerAs serves the test instance as module and returns its URL.
func newTestServerAs(t testing.TB, module string, opts protocol.HandlerOptions) string {
	t.Helper()
	srv := httptest.NewServer(protocol.NewHandler(module, &testInst{}, opts))
	t.Cleanup(srv.Close)
	return srv.URL
}
