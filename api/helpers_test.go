package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// testToken is the API token of the test fixtures.
const testToken = "test-token-0123456789abcdef"

// fixture is a real engine behind an httptest server.
type fixture struct {
	e      *engine.Engine
	srv    *httptest.Server
	client *client.Client
}

// newFixture starts an engine in a temporary data directory and serves its
// API; both stop when the test ends.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir()}).Engine
	h, err := api.NewServer(e, api.Options{Token: testToken})
	if err != nil {
		t.Fatalf("api.NewServer: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{e: e, srv: srv, client: client.New(srv.URL, client.WithToken(testToken))}
}

// answer is one decoded API answer with its HTTP status: body when it is
// an object, value whatever it is (JSORC's bare answers are lists,
// strings, booleans).
type answer struct {
	code  int
	body  map[string]any
	value any
	raw   string
}

// errorsText joins the "errors" list of a failed answer.
func (a answer) errorsText() string {
	list, _ := a.body["errors"].([]any)
	var parts []string
	for _, x := range list {
		s, _ := x.(string)
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// do sends one raw request and checks the invariants every answer keeps:
// JSON with "success" matching the status (but the successes of the
// endpoints JSORC answered bare, types.Bare), and a non-empty "errors"
// list of non-empty strings on failure.
func (f *fixture) do(t *testing.T, method, path, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	a := answer{code: resp.StatusCode, raw: string(raw)}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	if err := json.Unmarshal(raw, &a.value); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, raw)
	}
	a.body, _ = a.value.(map[string]any)
	if a.code/100 == 2 && bareEndpoint(path) {
		if _, ok := a.body["success"]; ok {
			t.Errorf("%s %s: bare answer with success: %s", method, path, raw)
		}
		return a
	}
	if a.body == nil {
		t.Fatalf("%s %s: answer is not a JSON object:\n%s", method, path, raw)
	}
	checkShape(t, method+" "+path, a)
	return a
}

// bareEndpoint reports whether the endpoint of a path answers bare.
func bareEndpoint(path string) bool {
	e, ok := types.Lookup(strings.TrimSuffix(strings.TrimPrefix(path, types.AdminPrefix), "/"))
	if !ok {
		return false
	}
	_, bare := reflect.ValueOf(e.NewAnswer()).Elem().Interface().(types.Bare)
	return bare
}

// checkShape asserts the success/errors invariant of an answer.
func checkShape(t *testing.T, what string, a answer) {
	t.Helper()
	success, ok := a.body["success"].(bool)
	if !ok {
		t.Errorf("%s: answer has no boolean \"success\": %s", what, a.raw)
		return
	}
	if a.code/100 == 2 {
		if !success {
			t.Errorf("%s: HTTP %d with success false: %s", what, a.code, a.raw)
		}
		return
	}
	if success {
		t.Errorf("%s: HTTP %d with success true: %s", what, a.code, a.raw)
	}
	list, ok := a.body["errors"].([]any)
	if !ok || len(list) == 0 {
		t.Errorf("%s: failed answer without a non-empty \"errors\" list: %s", what, a.raw)
		return
	}
	for _, x := range list {
		if s, ok := x.(string); !ok || strings.TrimSpace(s) == "" {
			t.Errorf("%s: \"errors\" holds %#v, want non-empty strings", what, x)
		}
	}
	// The code names the error's kind, which answers with this status.
	code, _ := a.body["code"].(string)
	if k, ok := types.KindOfCode(code); !ok || k.Status != a.code {
		t.Errorf("%s: HTTP %d with code %q (kind %v)", what, a.code, code, k.Err)
	}
}

// admin posts params (a JSON text) to /js_admin/<name>.
func (f *fixture) admin(t *testing.T, name, params string) answer {
	t.Helper()
	return f.do(t, http.MethodPost, "/js_admin/"+name, params)
}

// mustJSON encodes v for a request body.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatalf("encoding %v: %v", v, err)
	}
	return b.String()
}

// loadModule loads a module in module mode through the API.
func (f *fixture) loadModule(t *testing.T, name string) {
	t.Helper()
	if a := f.admin(t, "jsorc_actions_load", `{"name":"`+name+`","mode":"module"}`); a.code != http.StatusOK {
		t.Fatalf("loading %s: HTTP %d %s", name, a.code, a.raw)
	}
}

// equalJSON compares two decoded JSON values by their encoding.
func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
