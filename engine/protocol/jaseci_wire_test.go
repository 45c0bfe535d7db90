package protocol_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/internal/pytool"
)

// TestJaseciClientSeesJaseciAnswers calls jsorc's action server with a
// client that behaves like Jaseci's (testdata/jaseci_client.py: Python,
// requests, no trailing slash, status never checked, res.json()) and wants
// what that client got from Jaseci's own server: results with their
// numbers as Python prints them, undeclared keys dropped by the client,
// arguments coerced by the server, a raising action seen as a failure (the
// hook raises), a validation error returned as the result.
func TestJaseciClientSeesJaseciAnswers(t *testing.T) {
	py := pytool.Find(t, "python3 python3-requests", "requests")
	echo, err := actions.NewRegistry().Lookup("echo")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := echo.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	echoSrv := httptest.NewServer(protocol.NewHandler("echo", inst, protocol.HandlerOptions{}))
	t.Cleanup(echoSrv.Close)
	tSrv := newTestServer(t, protocol.HandlerOptions{})

	tests := []struct {
		name   string
		url    string
		action string
		kwargs string
		want   string // the script's output
	}{
		{"numbers as Python prints them", echoSrv.URL, "echo.echo",
			`{"value": [1.0, 9007199254740993, 0.1, -0.0, 2, {"a": null}]}`,
			`{"result": [1.0, 9007199254740993, 0.1, -0.0, 2, {"a": null}]}`},
		{"undeclared key dropped by the client, values coerced by the server", tSrv.URL, "t.echo",
			`{"text": 5, "times": "3", "bogus": true}`, `{"result": {"text": "5", "times": 3}}`},
		{"extra keyword folded into **opts", echoSrv.URL, "echo.args",
			`{"first": 1, "colour": "red"}`, `{"result": {"first": 1, "opts": {"colour": "red"}, "rest": [], "second": null}}`},
		{"a validation error comes back as the result", tSrv.URL, "t.echo",
			`{"times": 2}`, `{"result": {"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]}}`},
		{"a raising action is a failure", echoSrv.URL, "echo.fail",
			`{"message": "boom"}`, `{"raised": "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(py, "testdata/jaseci_client.py", tc.url, tc.action)
			cmd.Stdin = strings.NewReader(tc.kwargs)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("client: %v\n%s", err, stderr.String())
			}
			if got, want := decodeLiteral(t, out), decodeLiteral(t, []byte(tc.want)); !reflect.DeepEqual(got, want) {
				t.Errorf("Jaseci's client got %s, want %s", bytes.TrimSpace(out), tc.want)
			}
		})
	}
}

// decodeLiteral decodes JSON with numbers as their literals, so 1.0 and 1
// differ.
func decodeLiteral(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return v
}

// TestUndecodableBodies: a body that is not UTF-8 or nests absurdly deep
// gets FastAPI's 400 ("There was an error parsing the body"), not a
// silently repaired string or a 200.
func TestUndecodableBodies(t *testing.T) {
	srv := newTestServer(t, protocol.HandlerOptions{MaxDepth: 64})
	tests := []struct {
		name string
		body string
		why  string
	}{
		{"invalid UTF-8", "{\"a\":\"\xff\"}", "not valid UTF-8"},
		{"overlong encoding", "{\"a\":\"\xc0\xaf\"}", "not valid UTF-8"},
		{"absurd nesting", `{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, "deeper than 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := doRaw(t, http.MethodPost, srv.URL+"/args/", []byte(tc.body))
			var got struct{ Detail string }
			if err := json.Unmarshal(res.body, &got); err != nil || res.code != http.StatusBadRequest ||
				!strings.HasPrefix(got.Detail, "There was an error parsing the body") || !strings.Contains(got.Detail, tc.why) {
				t.Errorf("got %d %s, want 400 saying %q", res.code, res.body, tc.why)
			}
		})
	}
	t.Run("deep but allowed", func(t *testing.T) {
		body := `{"a":` + strings.Repeat("[", 60) + strings.Repeat("]", 60) + `}`
		if res := doRaw(t, http.MethodPost, srv.URL+"/args/", []byte(body)); res.code != http.StatusOK {
			t.Errorf("got %d %s", res.code, res.body)
		}
	})
}
