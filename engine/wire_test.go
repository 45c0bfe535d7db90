package engine_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine"
)

// TestNumbersKeepTheirLiteral: numbers pass through the router as they
// came, in module and remote mode: 1.0 stays 1.0 and 9007199254740993
// stays exact, as they did through Jaseci's Python.
func TestNumbersKeepTheirLiteral(t *testing.T) {
	const value = `[1.0,9007199254740993,-0.0,0.10,1e400,{"n":2.50}]`
	var arg any
	dec := json.NewDecoder(strings.NewReader(value))
	dec.UseNumber()
	if err := dec.Decode(&arg); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"module", "remote"} {
		t.Run(mode, func(t *testing.T) {
			e := newEngine(t)
			load(t, e, "echo", mode)
			got, err := e.Call(ctxT(t), "echo.echo", map[string]any{"value": arg})
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(got); string(b) != value {
				t.Errorf("echo answered %s, want %s", b, value)
			}
		})
	}
}

// TestCallKeywordsLikeJaseciClient: keyword arguments from a caller that
// does not know the parameters land as Jaseci's client put them, the same
// in both modes: undeclared keys dropped (and reported) or folded into
// **opts, top-level nulls left out, values coerced as Jaseci's server did.
func TestCallKeywordsLikeJaseciClient(t *testing.T) {
	tests := []struct {
		name        string
		action      string
		kwargs      map[string]any
		want        any
		wantDropped []string
	}{
		{"undeclared key dropped", "echo.echo", map[string]any{"value": "x", "bogus": json.Number("1")}, "x", []string{"bogus"}},
		{"null left out, default applies", "echo.args", map[string]any{"first": "a", "second": nil},
			map[string]any{"first": "a", "second": nil, "rest": []any{}, "opts": map[string]any{}}, nil},
		{"undeclared key folded into **opts", "echo.args", map[string]any{"first": "a", "colour": "red"},
			map[string]any{"first": "a", "second": nil, "rest": []any{}, "opts": map[string]any{"colour": "red"}}, nil},
		{"string coerced to float", "echo.sleep", map[string]any{"ms": "1"}, map[string]any{"slept_ms": 1.0}, nil},
	}
	for _, mode := range []string{"module", "remote"} {
		t.Run(mode, func(t *testing.T) {
			e := newEngine(t)
			load(t, e, "echo", mode)
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					got, dropped, err := e.CallKeywords(ctxT(t), tc.action, tc.kwargs)
					if err != nil {
						t.Fatal(err)
					}
					if gb, wb := mustMarshal(t, got), mustMarshal(t, tc.want); string(gb) != string(wb) || !reflect.DeepEqual(dropped, tc.wantDropped) {
						t.Errorf("got %s dropped %v, want %s dropped %v", gb, dropped, wb, tc.wantDropped)
					}
				})
			}
		})
	}
}

// TestRemoteActionFailureKeepsDetail: a raising action on a remote server
// answers Jaseci's plain-text 500; jsorc's engine still reports the
// action's own message and what failed.
func TestRemoteActionFailureKeepsDetail(t *testing.T) {
	e := newEngine(t)
	load(t, e, "echo", "remote")
	_, err := e.Call(ctxT(t), "echo.fail", map[string]any{"message": "the model fell over"})
	if err == nil || !strings.Contains(err.Error(), "the model fell over") || !strings.Contains(err.Error(), "action_error") {
		t.Fatalf("error %v, want the action's message and its class", err)
	}
	if errors.Is(err, engine.ErrInvalid) {
		t.Errorf("a failing action is reported as the caller's bad input: %v", err)
	}
}
