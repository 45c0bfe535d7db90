package protocol_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jsorc/jsorc/engine/protocol"
)

func TestSpec(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	want := map[string]any{
		"t.echo":      []any{"text", "times"},
		"t.args":      []any{"a", "b", "*rest", "**opts"},
		"t.types":     []any{"**v"},
		"t.fail":      []any{},
		"t.panic":     []any{},
		"t.badresult": []any{},
		"t.sleep":     []any{"ms"},
		"t.nothing":   []any{},
	}
	for _, path := range []string{"/jaseci_actions_spec/", "/jaseci_actions_spec"} {
		t.Run(path, func(t *testing.T) {
			res := doRaw(t, http.MethodGet, srv.URL+path, nil)
			if res.code != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", res.code, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type %q", ct)
			}
			if got := decode(t, res.body); !reflect.DeepEqual(got, want) {
				t.Errorf("spec\n got %v\nwant %v", got, want)
			}
		})
	}
	if res := doRaw(t, http.MethodHead, srv.URL+"/jaseci_actions_spec/", nil); res.code != http.StatusOK {
		t.Errorf("HEAD spec: status %d", res.code)
	}
	if res := doRaw(t, http.MethodPost, srv.URL+"/jaseci_actions_spec/", []byte(`{}`)); res.code != http.StatusMethodNotAllowed {
		t.Errorf("POST spec: status %d, want 405", res.code)
	}
}

func TestActionPathsAnswerDirectly(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	for _, path := range []string{"/echo/", "/echo", "/t.echo/", "/t.echo"} {
		t.Run(path, func(t *testing.T) {
			res := doRaw(t, http.MethodPost, srv.URL+path, []byte(`{"text":"hi"}`))
			if res.code != http.StatusOK {
				t.Fatalf("status %d, want 200 (no redirect): %s", res.code, res.body)
			}
			if loc := res.header.Get("Location"); loc != "" {
				t.Errorf("Location %q on a direct answer", loc)
			}
			if got, want := string(res.body), `{"text":"hi","times":1}`; got != want {
				t.Errorf("body %s, want %s", got, want)
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	type field struct {
		loc []any
		typ string
		msg string // exact when set, else only non-empty
	}
	tests := []struct {
		name   string
		action string
		body   string
		want   []field
	}{
		{"missing", "echo", `{}`, []field{{loc: []any{"body", "text"}, typ: "value_error.missing", msg: "field required"}}},
		{"missing null", "echo", `{"text":null}`, []field{{loc: []any{"body", "text"}, typ: "value_error.missing"}}},
		{"extra", "echo", `{"text":"x","zzz":1}`, []field{{loc: []any{"body", "zzz"}, typ: "value_error.extra", msg: "extra fields not permitted"}}},
		// pydantic v1 turns 5 into "5" and 1.5 into 1; lists it refuses.
		{"mistyped string", "echo", `{"text":[5]}`, []field{{loc: []any{"body", "text"}, typ: "type_error.str", msg: "str type expected"}}},
		{"mistyped int", "echo", `{"text":"x","times":"1.5"}`, []field{{loc: []any{"body", "times"}, typ: "type_error.integer", msg: "value is not a valid integer"}}},
		{"rest not a list", "args", `{"a":1,"*rest":5}`, []field{{loc: []any{"body", "rest"}, typ: "type_error.list"}}},
		{"rest given twice", "args", `{"a":1,"rest":[1],"*rest":[2]}`, []field{{loc: []any{"body", "*rest"}, typ: "value_error.duplicate"}}},
		{"malformed truncated", "echo", `{"text":`, []field{{loc: []any{"body", 8.0}, typ: "value_error.jsondecode"}}},
		{"malformed token", "echo", `{"text": x}`, []field{{loc: []any{"body", 10.0}, typ: "value_error.jsondecode"}}},
		{"trailing garbage", "echo", `{"text":"x"} y`, []field{{loc: []any{"body", 14.0}, typ: "value_error.jsondecode"}}},
		{"not an object", "echo", `[1,2]`, []field{{loc: []any{"body"}, typ: "type_error.dict", msg: "value is not a valid dict"}}},
		{"empty body", "echo", ``, []field{{loc: []any{"body"}, typ: "value_error.missing"}}},
		{"null body", "echo", `null`, []field{{loc: []any{"body"}, typ: "value_error.missing"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := doRaw(t, http.MethodPost, srv.URL+"/"+tc.action+"/", []byte(tc.body))
			if res.code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", res.code, res.body)
			}
			var got struct {
				Detail []struct {
					Loc  []any  `json:"loc"`
					Msg  string `json:"msg"`
					Type string `json:"type"`
				} `json:"detail"`
			}
			if err := json.Unmarshal(res.body, &got); err != nil {
				t.Fatalf("422 body %s: %v", res.body, err)
			}
			if len(got.Detail) != len(tc.want) {
				t.Fatalf("detail %s, want %d entries", res.body, len(tc.want))
			}
			for i, w := range tc.want {
				g := got.Detail[i]
				if !reflect.DeepEqual(g.Loc, w.loc) || g.Type != w.typ {
					t.Errorf("entry %d: loc %v type %q, want loc %v type %q", i, g.Loc, g.Type, w.loc, w.typ)
				}
				if (w.msg != "" && g.Msg != w.msg) || g.Msg == "" {
					t.Errorf("entry %d: msg %q, want %q", i, g.Msg, w.msg)
				}
			}
		})
	}
}

func TestVariadicAliases(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	tests := []struct{ name, body, want string }{
		{"spec names", `{"a":1,"*rest":[2,3],"**opts":{"k":"v"}}`, `{"a":1,"opts":{"k":"v"},"rest":[2,3]}`},
		{"plain names", `{"a":1,"rest":[2],"opts":{}}`, `{"a":1,"opts":{},"rest":[2]}`},
		{"extra keyword allowed with opts", `{"a":1,"zz":2}`, `{"a":1,"zz":2}`},
		{"nested nulls kept", `{"a":{"x":null},"rest":[null]}`, `{"a":{"x":null},"rest":[null]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := doRaw(t, http.MethodPost, srv.URL+"/args/", []byte(tc.body))
			if res.code != http.StatusOK {
				t.Fatalf("status %d: %s", res.code, res.body)
			}
			if got := string(res.body); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestNumbersKeepTheirLiteral: numbers reach the action as json.Number and
// come back as they were sent, as through Jaseci's Python: 1.0 stays 1.0,
// 9007199254740993 stays exact (float64 would make it ...992).
func TestNumbersKeepTheirLiteral(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	res := doRaw(t, http.MethodPost, srv.URL+"/types/", []byte(`{"i":1,"f":1.5,"big":12345678901234,"s":"x","b":true,"l":[1],"o":{}}`))
	want := `{"b":"bool","big":"json.Number","f":"json.Number","i":"json.Number","l":"[]interface {}","o":"map[string]interface {}","s":"string"}`
	if res.code != http.StatusOK || string(res.body) != want {
		t.Errorf("got %d %s, want 200 %s", res.code, res.body, want)
	}
	body := `{"a":[1.0,9007199254740993,-0.0,1e400,1E-7,0.10]}`
	res = doRaw(t, http.MethodPost, srv.URL+"/args/", []byte(body))
	if res.code != http.StatusOK || string(res.body) != body {
		t.Errorf("got %d %s, want 200 %s", res.code, res.body, body)
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	tests := []struct {
		method, path string
		code         int
		body         string
		allow        string
	}{
		{http.MethodPost, "/nope/", 404, `{"detail":"Not Found"}`, ""},
		{http.MethodPost, "/nope", 404, `{"detail":"Not Found"}`, ""},
		{http.MethodGet, "/nope/", 404, `{"detail":"Not Found"}`, ""},
		{http.MethodPost, "/other.echo/", 404, `{"detail":"Not Found"}`, ""},
		{http.MethodPost, "/echo/more/", 404, `{"detail":"Not Found"}`, ""},
		{http.MethodPost, "/", 404, `{"detail":"Not Found"}`, ""},
		{http.MethodGet, "/echo/", 405, `{"detail":"Method Not Allowed"}`, "POST"},
		{http.MethodGet, "/echo", 405, `{"detail":"Method Not Allowed"}`, "POST"},
		{http.MethodPut, "/t.echo/", 405, `{"detail":"Method Not Allowed"}`, "POST"},
		{http.MethodPost, "/healthz", 405, `{"detail":"Method Not Allowed"}`, "GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			var body []byte
			if tc.method != http.MethodGet {
				body = []byte(`{"text":"x"}`)
			}
			res := doRaw(t, tc.method, srv.URL+tc.path, body)
			if res.code != tc.code || string(res.body) != tc.body {
				t.Errorf("got %d %s, want %d %s", res.code, res.body, tc.code, tc.body)
			}
			if got := res.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestActionFailures(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	tests := []struct {
		action     string
		detailPart string
		class      string
	}{
		{"fail", "boom", "action_error"},
		{"panic", "kaboom", "panic"},
		{"badresult", "encoding result", "result_encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			res := doRaw(t, http.MethodPost, srv.URL+"/"+tc.action+"/", []byte(`{}`))
			if res.code != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500: %s", res.code, res.body)
			}
			// Plain text, as Jaseci's server answered, so that Jaseci's
			// client (which json-decodes every answer) sees a failure.
			var v any
			if err := json.Unmarshal(res.body, &v); err == nil {
				t.Errorf("body %s decodes as JSON", res.body)
			}
			if !strings.HasPrefix(string(res.body), "Internal Server Error: ") || !strings.Contains(string(res.body), tc.detailPart) ||
				res.header.Get("X-Jsorc-Error") != tc.class || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
				t.Errorf("answer %q (%v), want text with detail containing %q and class %q", res.body, res.header, tc.detailPart, tc.class)
			}
			// The server keeps serving.
			if res := doRaw(t, http.MethodPost, srv.URL+"/echo/", []byte(`{"text":"after"}`)); res.code != http.StatusOK {
				t.Errorf("call after %s: status %d", tc.action, res.code)
			}
		})
	}
	if res := doRaw(t, http.MethodPost, srv.URL+"/fail/", []byte(`{}`)); string(res.body) != `Internal Server Error: boom` {
		t.Errorf("fail body %s", res.body)
	}
}

func TestNullResult(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	res := doRaw(t, http.MethodPost, srv.URL+"/nothing/", []byte(`{}`))
	if res.code != http.StatusOK || string(res.body) != "null" {
		t.Errorf("got %d %q, want 200 null", res.code, res.body)
	}
}

func TestBodyLimit(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{MaxBodyBytes: 64})
	big := `{"text":"` + strings.Repeat("x", 1024) + `"}`
	res := doRaw(t, http.MethodPost, srv.URL+"/echo/", []byte(big))
	if res.code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413: %s", res.code, res.body)
	}
	if res := doRaw(t, http.MethodPost, srv.URL+"/echo/", []byte(`{"text":"small"}`)); res.code != http.StatusOK {
		t.Errorf("small body: status %d", res.code)
	}
}

func TestHealthz(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{})
	res := doRaw(t, http.MethodGet, srv.URL+"/healthz", nil)
	if res.code != http.StatusOK || string(res.body) != `{"module":"t","status":"ok"}` {
		t.Errorf("got %d %s", res.code, res.body)
	}
}

func TestMetrics(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{MaxBodyBytes: 32})
	for range 3 {
		doRaw(t, http.MethodPost, srv.URL+"/echo/", []byte(`{"text":"x"}`))
	}
	doRaw(t, http.MethodPost, srv.URL+"/echo/", []byte(`{}`))
	doRaw(t, http.MethodPost, srv.URL+"/fail", []byte(`{}`))
	doRaw(t, http.MethodPost, srv.URL+"/echo/", []byte(`{"text":"`+strings.Repeat("y", 64)+`"}`))

	res := doRaw(t, http.MethodGet, srv.URL+"/metrics", nil)
	if res.code != http.StatusOK {
		t.Fatalf("status %d", res.code)
	}
	for _, want := range []string{
		`jsorc_action_server_call_duration_seconds_bucket{action="echo",code="200",module="t",le="0.0001"}`,
		`jsorc_action_server_call_duration_seconds_count{action="echo",code="200",module="t"} 3`,
		`jsorc_action_server_call_duration_seconds_count{action="echo",code="422",module="t"} 1`,
		`jsorc_action_server_call_duration_seconds_count{action="echo",code="413",module="t"} 1`,
		`jsorc_action_server_calls_total{action="fail",code="500",module="t"} 1`,
		`jsorc_action_server_calls_total{action="echo",code="200",module="t"} 3`,
		`jsorc_action_server_in_flight_calls{module="t"} 0`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !bytes.Contains(res.body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := newTestServerAs(t, "a", protocol.HandlerOptions{Registerer: reg})
	b := newTestServerAs(t, "b", protocol.HandlerOptions{Registerer: reg})
	doRaw(t, http.MethodPost, a+"/echo/", []byte(`{"text":"x"}`))
	doRaw(t, http.MethodPost, b+"/echo/", []byte(`{"text":"x"}`))
	res := doRaw(t, http.MethodGet, a+"/metrics", nil)
	for _, want := range []string{
		`jsorc_action_server_calls_total{action="echo",code="200",module="a"} 1`,
		`jsorc_action_server_calls_total{action="echo",code="200",module="b"} 1`,
	} {
		if !bytes.Contains(res.body, []byte(want)) {
			t.Errorf("/metrics lacks %s:\n%s", want, res.body)
		}
	}
	if bytes.Contains(res.body, []byte("go_goroutines")) {
		t.Error("a caller-provided registry got the Go collector added")
	}
}

func TestMetricsWithoutGatherer(t *testing.T) {
	// A Registerer that is not a Gatherer leaves /metrics unserved.
	reg := registererOnly{prometheus.NewRegistry()}
	url := newTestServerAs(t, "t", protocol.HandlerOptions{Registerer: reg})
	if res := doRaw(t, http.MethodGet, url+"/metrics", nil); res.code != http.StatusNotFound {
		t.Errorf("status %d, want 404", res.code)
	}
}

type registererOnly struct{ r *prometheus.Registry }

func (r registererOnly) Register(c prometheus.Collector) error   { return r.r.Register(c) }
func (r registererOnly) MustRegister(cs ...prometheus.Collector) { r.r.MustRegister(cs...) }
func (r registererOnly) Unregister(c prometheus.Collector) bool  { return r.r.Unregister(c) }
