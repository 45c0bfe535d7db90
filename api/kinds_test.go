package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
)

// TestErrorKindsTravel: an error keeps its kind over HTTP (the client's
// error wraps it, errors.Is works) and in-process (api.Local), and both
// agree on it.
func TestErrorKindsTravel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	local := api.Local(f.e, types.CauseConsole)
	cases := []struct {
		name     string
		endpoint string
		params   any
		kinds    []error
		status   int
	}{
		{"unknown module", types.ActionsLoad.Name(), types.ActionsLoadParams{Name: "nosuch", Mode: "module"}, []error{types.ErrNotFound}, 404},
		{"benchmark not running", types.BenchmarkReport.Name(), types.NoParams{}, []error{types.ErrNotStarted, types.ErrConflict}, 409},
		{"module not loaded", types.ActionsCall.Name(), types.CallParams{Name: "echo.echo"}, []error{types.ErrNotLoaded}, 409},
		{"unknown policy", types.PolicySet.Name(), types.PolicySetParams{PolicyName: "whim"}, []error{types.ErrInvalid}, 400},
		{"missing parameter", types.ConfigGet.Name(), types.ConfigParams{}, []error{types.ErrBadRequest}, 400},
		{"unknown config", types.ConfigGet.Name(), types.ConfigParams{Name: "OTHER"}, []error{types.ErrNotFound}, 404},
		{"load timeout out of range", types.ActionsLoad.Name(), types.ActionsLoadParams{Name: "echo", Mode: "module", Timeout: -1}, []error{types.ErrBadRequest}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			info, _ := types.Lookup(tc.endpoint)
			httpErr := f.client.Call(ctx, tc.endpoint, tc.params, info.NewAnswer())
			localErr := local.Call(ctx, tc.endpoint, tc.params, info.NewAnswer())
			var ce *client.Error
			if !errors.As(httpErr, &ce) || ce.Status != tc.status {
				t.Fatalf("over HTTP: %v, want an answer of HTTP %d", httpErr, tc.status)
			}
			for _, k := range tc.kinds {
				if !errors.Is(httpErr, k) {
					t.Errorf("over HTTP %v (code %q) is not %v", httpErr, ce.Code, k)
				}
				if !errors.Is(localErr, k) {
					t.Errorf("in-process %v is not %v", localErr, k)
				}
			}
			if localErr == nil || httpErr.Error() != localErr.Error() {
				t.Errorf("messages differ: HTTP %q, in-process %q", httpErr, localErr)
			}
		})
	}
	t.Run("no token", func(t *testing.T) {
		err := client.New(f.srv.URL).Call(context.Background(), types.PolicyGet.Name(), types.NoParams{}, nil)
		if !errors.Is(err, types.ErrUnauthorized) {
			t.Errorf("without a token: %v, want ErrUnauthorized", err)
		}
	})
	t.Run("engine gone", func(t *testing.T) {
		err := client.New(deadAddr(t)).Call(context.Background(), types.PolicyGet.Name(), types.NoParams{}, nil)
		if !errors.Is(err, types.ErrUnavailable) {
			t.Errorf("no engine: %v, want ErrUnavailable", err)
		}
	})
}

// TestLocalAnswersAsHTTP: the in-process caller answers what the HTTP API
// does, and the typed call decodes the HTTP answer to the same value.
func TestLocalAnswersAsHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.loadModule(t, "echo")
	local := api.Local(f.e, types.CauseConsole)
	ctx := context.Background()
	check := func(name string, viaHTTP, viaLocal any, errHTTP, errLocal error) {
		t.Helper()
		if errHTTP != nil || errLocal != nil {
			t.Fatalf("%s: HTTP %v, in-process %v", name, errHTTP, errLocal)
		}
		a, _ := json.Marshal(viaHTTP)
		b, _ := json.Marshal(viaLocal)
		if string(a) != string(b) {
			t.Errorf("%s:\nHTTP       %s\nin-process %s", name, a, b)
		}
	}
	h1, e1 := types.Call(ctx, f.client, types.ActionsStatus, types.ActionsStatusParams{Name: "echo"})
	l1, e2 := types.Call(ctx, local, types.ActionsStatus, types.ActionsStatusParams{Name: "echo"})
	check("status", h1, l1, e1, e2)
	h2, e1 := types.Call(ctx, f.client, types.ActionsCall, types.CallParams{Name: "echo.echo", Ctx: map[string]any{"value": "v"}})
	l2, e2 := types.Call(ctx, local, types.ActionsCall, types.CallParams{Name: "echo.echo", Ctx: map[string]any{"value": "v"}})
	check("call", h2, l2, e1, e2)
	h3, e1 := types.Call(ctx, f.client, types.Services, types.NoParams{})
	l3, e2 := types.Call(ctx, local, types.Services, types.NoParams{})
	check("services", h3, l3, e1, e2)
	if h1.One == nil || h1.One.Serving != "module" {
		t.Errorf("status of echo = %+v", h1)
	}
	// A wrong parameter type in-process is an internal error, not a panic.
	if err := local.Call(ctx, types.ActionsStatus.Name(), types.CallParams{}, nil); !errors.Is(err, types.ErrInternal) {
		t.Errorf("wrong parameter type: %v", err)
	}
	if err := local.Call(ctx, "no_such_endpoint", nil, nil); !errors.Is(err, types.ErrNotFound) {
		t.Errorf("unknown endpoint: %v", err)
	}
}
