package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
)

func TestNewClientBase(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"127.0.0.1:8799", "http://127.0.0.1:8799"},
		{"http://127.0.0.1:8799/", "http://127.0.0.1:8799"},
		{"https://jsorc.example:443", "https://jsorc.example:443"},
		{types.DefaultAddr, "http://" + types.DefaultAddr},
	}
	for _, tc := range cases {
		if got := client.New(tc.in).Base(); got != tc.want {
			t.Errorf("NewClient(%q).Base() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClientAgainstEngine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := client.New(strings.TrimPrefix(f.srv.URL, "http://"), client.WithToken(testToken))

	var load struct {
		Success bool `json:"success"`
		Status  struct {
			Mode    *string `json:"mode"`
			Serving string  `json:"serving"`
		} `json:"action_status"`
	}
	if err := c.Admin(ctx, "jsorc_actions_load", types.ActionsLoadParams{Name: "echo", Mode: "module"}, &load); err != nil {
		t.Fatalf("load: %v", err)
	}
	if !load.Success || load.Status.Mode == nil || *load.Status.Mode != "module" || load.Status.Serving != "module" {
		t.Errorf("load answer = %+v", load)
	}
	var call struct {
		Result any `json:"result"`
	}
	if err := c.Admin(ctx, "actions_call", types.CallParams{Name: "echo.echo", Ctx: map[string]any{"value": "v"}}, &call); err != nil || call.Result != "v" {
		t.Errorf("call: %v, %v", call.Result, err)
	}
	// Nil params and nil out are allowed.
	if err := c.Admin(ctx, "jsorc_actionpolicy_get", nil, nil); err != nil {
		t.Errorf("policy get with nil params: %v", err)
	}
	if err := c.Admin(ctx, "config_set", types.ConfigParams{Name: "META_CONFIG", Value: []byte(`"{\"backoff_interval\":6}"`)}, nil); err != nil {
		t.Errorf("config_set: %v", err)
	}
	if got := f.e.Meta().BackoffInterval; got != 6 {
		t.Errorf("backoff_interval = %d, want 6", got)
	}

	if _, err := f.e.ConfigureApps(context.Background(), "t", []byte("twice:\n  steps:\n    - {action: echo.echo, args: {value: \"$ctx.v\"}}\n    - {action: echo.echo, args: {value: [\"$prev\", \"$prev\"]}}\n")); err != nil {
		t.Fatalf("ConfigureApps: %v", err)
	}
	var run struct {
		Result  []any     `json:"result"`
		StepsMS []float64 `json:"steps_ms"`
	}
	if err := c.AppRun(ctx, "twice", map[string]any{"v": "z"}, &run); err != nil {
		t.Fatalf("AppRun: %v", err)
	}
	if len(run.Result) != 2 || run.Result[0] != "z" || run.Result[1] != "z" || len(run.StepsMS) != 2 {
		t.Errorf("AppRun answer = %+v", run)
	}

	// Failures are *client.Error with the status and the engine's messages.
	errCases := []struct {
		name, endpoint string
		params         any
		status         int
		want           string
	}{
		{"unknown module", "jsorc_actions_load", types.ActionsLoadParams{Name: "nosuch", Mode: "module"}, 404, "nosuch"},
		{"conflict", "jsorc_benchmark_report", nil, 409, "jsorc benchmark start"},
		{"bad params", "jsorc_actions_status", map[string]any{"bogus": 1}, 400, "bogus"},
		{"unknown endpoint", "no_such_endpoint", nil, 404, "no_such_endpoint"},
		{"every field", "actions_call", types.CallParams{Name: "echo.args", Ctx: map[string]any{"rest": 1}}, 400, "first"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Admin(ctx, tc.endpoint, tc.params, nil)
			var ae *client.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T), want *client.Error", err, err)
			}
			if ae.Status != tc.status || len(ae.Errors) == 0 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %d %q, want %d mentioning %q", ae.Status, ae.Errors, tc.status, tc.want)
			}
		})
	}
	if err := c.AppRun(ctx, "nosuch", nil, nil); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("AppRun of an unknown app: %v", err)
	}
}

func TestClientTransportErrors(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/js_admin/text":
			http.Error(w, "proxy says no", http.StatusBadGateway)
		case "/js_admin/empty":
			w.WriteHeader(http.StatusBadGateway)
		case "/js_admin/notjson":
			_, _ = w.Write([]byte("<html>"))
		default:
			_, _ = w.Write([]byte(`{"success":true,"n":"not a number"}`))
		}
	}))
	t.Cleanup(plain.Close)
	c := client.New(plain.URL)
	ctx := context.Background()

	err := c.Admin(ctx, "text", nil, nil)
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadGateway || !strings.Contains(err.Error(), "proxy says no") {
		t.Errorf("plain-text failure: %v", err)
	}
	if err := (&client.Error{Status: 502}).Error(); !strings.Contains(err, "502") {
		t.Errorf("empty Error() = %q, want the status", err)
	}
	if err := (&client.Error{Status: 400, Errors: []string{"a", "b"}}).Error(); err != "a; b" {
		t.Errorf("Error() = %q, want \"a; b\"", err)
	}
	if err := c.Admin(ctx, "notjson", nil, &struct{}{}); err == nil || !strings.Contains(err.Error(), "decoding") {
		t.Errorf("non-JSON success: %v", err)
	}
	var out struct {
		N int `json:"n"`
	}
	if err := c.Admin(ctx, "typed", nil, &out); err == nil {
		t.Error("mistyped answer decoded without error")
	}
	if err := c.Admin(ctx, "typed", map[string]any{"ch": make(chan int)}, nil); err == nil || !strings.Contains(err.Error(), "encoding") {
		t.Errorf("unencodable params: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Admin(cctx, "typed", nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call: %v, want context.Canceled", err)
	}
}

func TestClientNoEngine(t *testing.T) {
	t.Parallel()
	addr := deadAddr(t)
	c := client.New(addr)
	for _, call := range []func() error{
		func() error { return c.Admin(context.Background(), "jsorc_actions_status", nil, nil) },
		func() error { return c.AppRun(context.Background(), "x", nil, nil) },
	} {
		err := call()
		if err == nil {
			t.Fatal("no error from a closed port")
		}
		for _, w := range []string{"no engine at", "jsorc serve", addr} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	}
}
