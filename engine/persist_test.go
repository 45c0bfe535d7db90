package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// stuckConfig is a module whose remote server never becomes ready (its
// built-in refuses the params, so every start crashes), while its config
// is valid: a waiting remote load of it waits until its context ends.
var stuckConfig = []byte("stuck:\n  builtin: synth\n  params: {no_such_param: 1}\n")

// waitStatus polls a module's status until ok says so.
func waitStatus(t *testing.T, e *engine.Engine, name string, what string, ok func(engine.ActionStatus) bool) engine.ActionStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := e.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not %s within 30s: %+v", name, what, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// modeOf is the mode a module was asked for (what survives a restart).
func modeOf(st engine.ActionStatus) string {
	if st.RequestedMode == nil {
		return "none"
	}
	return *st.RequestedMode
}

// TestRequestedModeSurvivesRestart: the mode a request asked for is what a
// restart brings back, whether the request completed or its client gave up
// (context cancelled) half-way.
func TestRequestedModeSurvivesRestart(t *testing.T) {
	tests := []struct {
		name string
		// do acts on the engine; it returns the module to check.
		do   func(t *testing.T, e *engine.Engine) string
		want string
	}{
		{
			name: "load cancelled while waiting for the server",
			do: func(t *testing.T, e *engine.Engine) string {
				if _, err := e.ConfigureActions(ctxT(t), "stuck", "test", stuckConfig); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				done := make(chan error, 1)
				go func() {
					_, err := e.Load(ctx, "stuck", "remote", engine.LoadOptions{Wait: true})
					done <- err
				}()
				waitStatus(t, e, "stuck", "crashing", func(st engine.ActionStatus) bool { return st.Remote.Status == "CRASHED" })
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled load: %v, want context.Canceled", err)
				}
				return "stuck"
			},
			want: "remote",
		},
		{
			name: "unload cancelled while the server drains",
			do: func(t *testing.T, e *engine.Engine) string {
				load(t, e, "echo", "remote")
				callCtx, endCall := context.WithCancel(context.Background())
				defer endCall()
				go func() { _, _ = e.Call(callCtx, "echo.sleep", map[string]any{"ms": 10_000.0}) }()
				waitStatus(t, e, "echo", "calling", func(st engine.ActionStatus) bool { return st.InFlight > 0 })
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				done := make(chan error, 1)
				go func() {
					_, err := e.Unload(ctx, "echo", "auto", true)
					done <- err
				}()
				// The module serves nothing any more, but its server waits
				// for the slow call: the client gives up now.
				waitStatus(t, e, "echo", "unloaded", func(st engine.ActionStatus) bool { return st.Serving == "" })
				cancel()
				if err := <-done; err == nil {
					t.Fatal("unload returned before its server stopped; the test cannot cancel it half-way")
				}
				return "echo"
			},
			want: "none",
		},
		{
			name: "load then unload in module mode",
			do: func(t *testing.T, e *engine.Engine) string {
				load(t, e, "echo", "module")
				if _, err := e.Unload(ctxT(t), "echo", "auto", true); err != nil {
					t.Fatal(err)
				}
				return "echo"
			},
			want: "none",
		},
		{
			name: "load then unload in remote mode",
			do: func(t *testing.T, e *engine.Engine) string {
				load(t, e, "echo", "remote")
				if _, err := e.Unload(ctxT(t), "echo", "auto", true); err != nil {
					t.Fatal(err)
				}
				return "echo"
			},
			want: "none",
		},
		{
			name: "module load that fails falls back to remote",
			do: func(t *testing.T, e *engine.Engine) string {
				if _, err := e.ConfigureActions(ctxT(t), "stuck", "test", stuckConfig); err != nil {
					t.Fatal(err)
				}
				if _, err := e.Load(ctxT(t), "stuck", "remote", engine.LoadOptions{}); err != nil {
					t.Fatal(err)
				}
				if _, err := e.Load(ctxT(t), "stuck", "module", engine.LoadOptions{}); !errors.Is(err, engine.ErrInvalid) {
					t.Fatalf("module load of a module whose params are refused: %v, want ErrInvalid", err)
				}
				return "stuck"
			},
			want: "remote",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			e := openEngine(t, dir)
			name := tt.do(t, e.Engine)
			if st, err := e.Status(name); err != nil || modeOf(st) != tt.want {
				t.Fatalf("before the restart: %s mode %s (%v), want %s", name, modeOf(st), err, tt.want)
			}
			closeEngine(t, e)
			e2 := openEngine(t, dir)
			st, err := e2.Status(name)
			if err != nil {
				t.Fatal(err)
			}
			if got := modeOf(st); got != tt.want {
				t.Fatalf("after the restart: %s mode %s, want %s", name, got, tt.want)
			}
		})
	}
}

// TestCallsHaveADeadline: a call given no deadline by its caller ends at
// the module's timeout, in either mode, as a deadline error (504 at the
// API).
func TestCallsHaveADeadline(t *testing.T) {
	e := newEngine(t)
	if _, err := e.ConfigureActions(ctxT(t), "slow", "test", []byte("slow: {builtin: echo, timeout: 100ms}\n")); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"module", "remote"} {
		t.Run(mode, func(t *testing.T) {
			load(t, e, "slow", mode)
			start := time.Now()
			_, err := e.Call(context.Background(), "slow.sleep", map[string]any{"ms": 60_000.0})
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("an hour-long call: %v, want a deadline error", err)
			}
			if took > 10*time.Second {
				t.Errorf("the call ended after %v, its timeout is 100ms", took)
			}
			t.Logf("%s: ended after %v: %v", mode, took.Round(time.Millisecond), err)
		})
	}
}
