package protocol_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
)

func TestClientCall(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	c := protocol.NewClient(protocol.ClientOptions{})
	defer c.CloseIdleConnections()
	tests := []struct {
		name   string
		action string
		args   map[string]any
		want   any
	}{
		// Numbers come back as json.Number, keeping their literal.
		{"defaults", "echo", map[string]any{"text": "hi"}, map[string]any{"text": "hi", "times": json.Number("1")}},
		{"ints travel as numbers", "echo", map[string]any{"text": "hi", "times": 3}, map[string]any{"text": "hi", "times": json.Number("3")}},
		{"full name", "t.echo", map[string]any{"text": "x"}, map[string]any{"text": "x", "times": json.Number("1")}},
		{"variadics", "args", map[string]any{"a": "x", "*rest": []any{1, 2}, "**opts": map[string]any{"k": true}},
			map[string]any{"a": "x", "rest": []any{json.Number("1"), json.Number("2")}, "opts": map[string]any{"k": true}}},
		{"literals kept both ways", "args", map[string]any{"a": []any{json.Number("1.0"), json.Number("9007199254740993")}},
			map[string]any{"a": []any{json.Number("1.0"), json.Number("9007199254740993")}}},
		{"null result", "nothing", nil, nil},
		{"html not escaped, unicode kept", "echo", map[string]any{"text": "<a&b> é"}, map[string]any{"text": "<a&b> é", "times": json.Number("1")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Call(context.Background(), srv.URL, tc.action, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// recorded is one request seen by a recording server.
type recorded struct {
	method, path, contentType string
	body                      []byte
}

// recordingServer answers every request with answer and records it.
func recordingServer(t *testing.T, answer string) (*httptest.Server, func() recorded) {
	t.Helper()
	var mu sync.Mutex
	var last recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = recorded{r.Method, r.URL.Path, r.Header.Get("Content-Type"), b}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, func() recorded { mu.Lock(); defer mu.Unlock(); return last }
}

func TestClientURLs(t *testing.T) {
	srv, last := recordingServer(t, `{}`)
	c := protocol.NewClient(protocol.ClientOptions{})
	tests := []struct{ base, want string }{
		{srv.URL, "/echo/"},
		{srv.URL + "/", "/echo/"},
		{srv.URL + "/pfx", "/pfx/echo/"},
		{srv.URL + "/pfx/", "/pfx/echo/"},
	}
	for _, tc := range tests {
		if _, err := c.Call(context.Background(), tc.base, "echo", map[string]any{"text": "x"}); err != nil {
			t.Fatal(err)
		}
		got := last()
		if got.method != http.MethodPost || got.path != tc.want || got.contentType != "application/json" {
			t.Errorf("base %q: %s %s (%s), want POST %s (application/json)", tc.base, got.method, got.path, got.contentType, tc.want)
		}
	}
	if _, err := c.Spec(context.Background(), srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	if got := last(); got.method != http.MethodGet || got.path != "/jaseci_actions_spec/" {
		t.Errorf("spec: %s %s", got.method, got.path)
	}
	if err := c.Healthz(context.Background(), srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := last(); got.method != http.MethodGet || got.path != "/healthz" {
		t.Errorf("healthz: %s %s", got.method, got.path)
	}
}

func TestClientDropsTopLevelNulls(t *testing.T) {
	srv, last := recordingServer(t, `null`)
	c := protocol.NewClient(protocol.ClientOptions{})
	args := map[string]any{
		"a":      1,
		"gone":   nil,
		"nested": map[string]any{"x": nil},
		"list":   []any{nil, 1},
	}
	if _, err := c.Call(context.Background(), srv.URL, "args", args); err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	if err := json.Unmarshal(last().body, &sent); err != nil {
		t.Fatalf("body %q: %v", last().body, err)
	}
	want := map[string]any{"a": 1.0, "nested": map[string]any{"x": nil}, "list": []any{nil, 1.0}}
	if !reflect.DeepEqual(sent, want) {
		t.Errorf("sent %s, want %s", last().body, mustJSON(t, want))
	}
	if len(args) != 4 {
		t.Error("the caller's map was modified")
	}

	// Against the real server: the dropped optional parameter takes its
	// default, a dropped required one is reported missing.
	real := newTestServer(t, protocol.HandlerOptions{})
	got, err := c.Call(context.Background(), real.URL, "echo", map[string]any{"text": "x", "times": nil})
	if err != nil || !reflect.DeepEqual(got, map[string]any{"text": "x", "times": json.Number("1")}) {
		t.Errorf("got %v, %v", got, err)
	}
	_, err = c.Call(context.Background(), real.URL, "echo", map[string]any{"text": nil})
	if ae, ok := errors.AsType[*actions.ArgsError](err); !ok || len(ae.Fields) != 1 || ae.Fields[0].Type != "value_error.missing" {
		t.Errorf("err %v, want a missing-field ArgsError", err)
	}
}

func TestClientEncodeError(t *testing.T) {
	c := protocol.NewClient(protocol.ClientOptions{})
	_, err := c.Call(context.Background(), "http://127.0.0.1:1", "echo", map[string]any{"f": func() {}})
	if err == nil || !strings.Contains(err.Error(), "encoding arguments") {
		t.Errorf("err %v", err)
	}
}

func TestClientStatusChecks(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		body   string
		check  func(t *testing.T, res any, err error)
		result any
	}{
		{name: "422 list", code: 422, body: `{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}`,
			check: func(t *testing.T, _ any, err error) {
				ae, ok := errors.AsType[*actions.ArgsError](err)
				if !ok {
					t.Fatalf("err %v (%T), want *actions.ArgsError", err, err)
				}
				want := []actions.FieldError{{Loc: []any{"body", "text"}, Msg: "field required", Type: "value_error.missing"}}
				if ae.Action != "echo" || !reflect.DeepEqual(ae.Fields, want) {
					t.Errorf("got %+v", ae)
				}
			}},
		{name: "422 string", code: 422, body: `{"detail":"bad input"}`,
			check: func(t *testing.T, _ any, err error) {
				ae, ok := errors.AsType[*actions.ArgsError](err)
				if !ok || len(ae.Fields) != 1 || ae.Fields[0].Msg != "bad input" {
					t.Errorf("err %v", err)
				}
			}},
		{name: "404", code: 404, body: `{"detail":"Not Found"}`,
			check: func(t *testing.T, _ any, err error) {
				if !errors.Is(err, protocol.ErrUnknownAction) {
					t.Errorf("err %v, want ErrUnknownAction", err)
				}
				if se, ok := errors.AsType[*protocol.StatusError](err); !ok || se.Code != 404 {
					t.Errorf("err %v, want a 404 StatusError too", err)
				}
			}},
		{name: "500 json", code: 500, body: `{"detail":"boom","error":"action_error"}`,
			check: wantStatus(500, "boom")},
		{name: "503 text", code: 503, body: "overloaded\n",
			check: wantStatus(503, "overloaded")},
		{name: "502 empty", code: 502, body: "",
			check: wantStatus(502, "Bad Gateway")},
		{name: "400 structured detail", code: 400, body: `{"detail": {"why": "no"}}`,
			check: wantStatus(400, `{"why":"no"}`)},
		{name: "200 not json", code: 200, body: "<html>",
			check: func(t *testing.T, _ any, err error) {
				if err == nil || !strings.Contains(err.Error(), "decoding") {
					t.Errorf("err %v", err)
				}
			}},
		{name: "204 empty", code: 204, body: "",
			check: func(t *testing.T, res any, err error) {
				if err != nil || res != nil {
					t.Errorf("got %v, %v", res, err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.code)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := protocol.NewClient(protocol.ClientOptions{})
			res, err := c.Call(context.Background(), srv.URL, "echo", map[string]any{"text": "x"})
			tc.check(t, res, err)
		})
	}
}

func wantStatus(code int, detail string) func(*testing.T, any, error) {
	return func(t *testing.T, _ any, err error) {
		t.Helper()
		se, ok := errors.AsType[*protocol.StatusError](err)
		if !ok {
			t.Fatalf("err %v (%T), want *StatusError", err, err)
		}
		if se.Code != code || se.Detail != detail {
			t.Errorf("got %d %q, want %d %q", se.Code, se.Detail, code, detail)
		}
		if errors.Is(err, protocol.ErrUnknownAction) {
			t.Error("matches ErrUnknownAction")
		}
	}
}

func TestClientAgainstServerErrors(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	c := protocol.NewClient(protocol.ClientOptions{})
	ctx := context.Background()

	_, err := c.Call(ctx, srv.URL, "fail", nil)
	if se, ok := errors.AsType[*protocol.StatusError](err); !ok || se.Code != 500 || se.Detail != "boom" {
		t.Errorf("fail: %v", err)
	}
	_, err = c.Call(ctx, srv.URL, "panic", nil)
	if se, ok := errors.AsType[*protocol.StatusError](err); !ok || se.Code != 500 || !strings.Contains(se.Detail, "kaboom") {
		t.Errorf("panic: %v", err)
	}
	_, err = c.Call(ctx, srv.URL, "nope", nil)
	if !errors.Is(err, protocol.ErrUnknownAction) {
		t.Errorf("nope: %v", err)
	}
	_, err = c.Call(ctx, srv.URL, "echo", map[string]any{"text": []any{1}, "zz": 2})
	ae, ok := errors.AsType[*actions.ArgsError](err)
	if !ok || len(ae.Fields) != 2 {
		t.Fatalf("mistyped+extra: %v", err)
	}
}

func TestClientTimeout(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	tests := []struct {
		name          string
		clientTimeout time.Duration
		ctxTimeout    time.Duration // 0: none
	}{
		{"client default applies", 50 * time.Millisecond, 0},
		{"client default shorter than ctx", 50 * time.Millisecond, time.Minute},
		{"earlier ctx deadline wins", time.Minute, 50 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := protocol.NewClient(protocol.ClientOptions{Timeout: tc.clientTimeout})
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			start := time.Now()
			_, err := c.Call(ctx, srv.URL, "sleep", map[string]any{"ms": 5000})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err %v, want DeadlineExceeded", err)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("took %v", el)
			}
		})
	}
}

func TestClientReusesConnections(t *testing.T) {
	var newConns atomic.Int64
	srv := httptest.NewUnstartedServer(protocol.NewHandler(testModule, &testInst{}, protocol.HandlerOptions{}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := protocol.NewClient(protocol.ClientOptions{})
	ctx := context.Background()
	for i := range 100 {
		var err error
		switch i % 4 {
		case 0, 1:
			_, err = c.Call(ctx, srv.URL, "echo", map[string]any{"text": "x"})
		case 2: // error answers are drained too
			if _, err = c.Call(ctx, srv.URL, "echo", nil); err == nil {
				t.Fatal("missing argument accepted")
			}
			err = nil
		case 3:
			if _, err = c.Call(ctx, srv.URL, "fail", nil); err == nil {
				t.Fatal("fail succeeded")
			}
			err = nil
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Spec(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	if n := newConns.Load(); n != 1 {
		t.Errorf("101 sequential requests opened %d connections, want 1", n)
	}
	c.CloseIdleConnections()
}

func TestClientTransportError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := protocol.NewClient(protocol.ClientOptions{})
	base := "http://" + addr
	_, err = c.Call(context.Background(), base, "echo", map[string]any{"text": "x"})
	if err == nil || !strings.Contains(err.Error(), base+"/echo/") {
		t.Errorf("err %v, want it to name the URL", err)
	}
	if _, err := c.Spec(context.Background(), base); err == nil {
		t.Error("spec of a closed port succeeded")
	}
}

func TestClientSpecAndHealthz(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	c := protocol.NewClient(protocol.ClientOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	spec, err := c.Spec(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got := spec["t.args"]; !reflect.DeepEqual(got, []string{"a", "b", "*rest", "**opts"}) {
		t.Errorf("t.args spec %v", got)
	}
	if err := c.Healthz(ctx, srv.URL); err != nil {
		t.Error(err)
	}

	// A Jaseci-like server: spec only, no /healthz, 503 while starting.
	var starting atomic.Bool
	starting.Store(true)
	jaseci := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/jaseci_actions_spec/" && starting.Load():
			w.WriteHeader(http.StatusServiceUnavailable)
		case r.URL.Path == "/jaseci_actions_spec/":
			io.WriteString(w, `{"m.f":["x"]}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"detail":"Not Found"}`)
		}
	}))
	defer jaseci.Close()
	if _, err := c.Spec(ctx, jaseci.URL); err == nil {
		t.Error("spec of a starting server succeeded")
	} else if se, ok := errors.AsType[*protocol.StatusError](err); !ok || se.Code != 503 {
		t.Errorf("err %v, want a 503 StatusError", err)
	}
	starting.Store(false)
	if spec, err := c.Spec(ctx, jaseci.URL); err != nil || len(spec["m.f"]) != 1 {
		t.Errorf("got %v, %v", spec, err)
	}
	if err := c.Healthz(ctx, jaseci.URL); err == nil {
		t.Error("healthz of a server without /healthz succeeded")
	}
}

// TestClientAgainstJaseciRedirects checks the client reaches a server that,
// like Jaseci's, serves only /<action>/ and redirects /<action>, without a
// redirect.
func TestClientAgainstJaseciRedirects(t *testing.T) {
	var redirects atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/") {
			redirects.Add(1)
			http.Redirect(w, r, r.URL.Path+"/", http.StatusTemporaryRedirect)
			return
		}
		io.WriteString(w, `"ok"`)
	}))
	defer srv.Close()
	c := protocol.NewClient(protocol.ClientOptions{})
	got, err := c.Call(context.Background(), srv.URL, "f", map[string]any{"x": 1})
	if err != nil || got != "ok" {
		t.Fatalf("got %v, %v", got, err)
	}
	if n := redirects.Load(); n != 0 {
		t.Errorf("%d redirects", n)
	}
}

func TestClientConcurrentCalls(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	c := protocol.NewClient(protocol.ClientOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			for j := range 20 {
				got, err := c.Call(context.Background(), srv.URL, "echo", map[string]any{"text": "x", "times": i*100 + j})
				if err != nil {
					errs <- err
					return
				}
				if m, ok := got.(map[string]any); !ok || m["times"] != json.Number(strconv.Itoa(i*100+j)) {
					errs <- errors.New("answer mixed up: " + mustJSON(t, got))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
