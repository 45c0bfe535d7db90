package protocol_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
)

// TestBuiltinRangeErrors: a built-in action's argument that has the right
// type but a value it cannot take is the caller's fault, answered 422 in the
// Jaseci shape naming the parameter, and comes back through the client as an
// *actions.ArgsError, as a missing or mistyped parameter does.
func TestBuiltinRangeErrors(t *testing.T) {
	t.Parallel()
	reg := actions.NewRegistry()
	cases := []struct {
		module, action, body, param string
	}{
		{"echo", "sleep", `{"ms":-1}`, "ms"},
		{"echo", "sleep", `{"ms":1e300}`, "ms"},
		{"textenc", "topk", `{"query":"q","candidates":["a"],"k":-1}`, "k"},
		{"textenc", "topk", `{"query":"q","candidates":["a",2]}`, "candidates"},
		{"textenc", "cos_sim", `{"text1":[1,2],"text2":"a"}`, "text1"},
		{"textenc", "encode", `{"text":{"a":1}}`, "text"},
	}
	servers := map[string]string{}
	for _, m := range []string{"echo", "textenc"} {
		b, err := reg.Lookup(m)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := b.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(protocol.NewHandler(m, inst, protocol.HandlerOptions{}))
		t.Cleanup(srv.Close)
		servers[m] = srv.URL
	}
	c := protocol.NewClient(protocol.ClientOptions{})
	for _, tc := range cases {
		t.Run(tc.module+"."+tc.action+" "+tc.body, func(t *testing.T) {
			resp, err := http.Post(servers[tc.module]+"/"+tc.action, "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("HTTP %d, want 422: %s", resp.StatusCode, raw)
			}
			var ans struct {
				Detail []actions.FieldError `json:"detail"`
			}
			if err := json.Unmarshal(raw, &ans); err != nil || len(ans.Detail) != 1 {
				t.Fatalf("answer %s: want one detail (%v)", raw, err)
			}
			if loc := ans.Detail[0].Loc; len(loc) != 2 || loc[0] != "body" || loc[1] != tc.param {
				t.Errorf("loc %v, want [body %s]", loc, tc.param)
			}
			var args map[string]any
			if err := json.Unmarshal([]byte(tc.body), &args); err != nil {
				t.Fatal(err)
			}
			_, err = c.Call(context.Background(), servers[tc.module], tc.action, args)
			var ae *actions.ArgsError
			if !errors.As(err, &ae) {
				t.Errorf("client error %v, want an *actions.ArgsError", err)
			}
		})
	}
}
