package wasm_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/wasm"
	"github.com/jsorc/jsorc/internal/wasmexamples"
)

// TestRunawayAndTrap: a loop is interrupted at its deadline, a trap fails
// its call; each time the instance is replaced and the next call works.
func TestRunawayAndTrap(t *testing.T) {
	m := load(t, wasmexamples.Probe, wasm.Options{Instances: 1, Timeout: time.Second})
	tests := []struct {
		action string
		want   string
		cause  error
	}{
		{"loop", "interrupted at its deadline", context.DeadlineExceeded},
		{"trap", "the module trapped", nil},
	}
	for i, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			start := time.Now()
			_, err := m.Actions()[index(t, m, tc.action)].Fn(context.Background(), map[string]any{})
			var ae *wasm.ActionError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s: %v, want an action error saying %q", tc.action, err, tc.want)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("%s: %v does not wrap %v", tc.action, err, tc.cause)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("%s took %s", tc.action, d)
			}
			if got := m.Replaced(); got != int64(i+1) {
				t.Errorf("replaced %d instances, want %d", got, i+1)
			}
			v, err := call(t, m, "echo", map[string]any{"value": []any{"still", "here"}})
			if err != nil || len(v.([]any)) != 2 {
				t.Errorf("the call after %s: %v, %v", tc.action, v, err)
			}
		})
	}
}

// TestCancel: a caller that gives up interrupts its call.
func TestCancel(t *testing.T) {
	m := load(t, wasmexamples.Probe, wasm.Options{Instances: 1})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := m.Actions()[index(t, m, "loop")].Fn(ctx, map[string]any{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled loop: %v", err)
	}
	if _, err := call(t, m, "work", map[string]any{"n": 10}); err != nil {
		t.Errorf("after the cancel: %v", err)
	}
}

// deadlineCounter is a context that counts the calls of its Deadline.
type deadlineCounter struct {
	context.Context
	asked atomic.Int32
}

func (c *deadlineCounter) Deadline() (time.Time, bool) {
	c.asked.Add(1)
	return c.Context.Deadline()
}

// TestCallerDeadline: a caller's deadline sooner than the module's
// timeout interrupts the call, seen through the context's Err: a call on
// a warm instance never asks the context for its deadline (the engine's
// call context arms a timer when asked).
func TestCallerDeadline(t *testing.T) {
	m := load(t, wasmexamples.Probe, wasm.Options{Instances: 1, Timeout: time.Minute})
	if _, err := call(t, m, "echo", map[string]any{"value": 1}); err != nil { // warm
		t.Fatal(err)
	}
	parent, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	ctx := &deadlineCounter{Context: parent}
	if _, err := m.Actions()[index(t, m, "echo")].Fn(ctx, map[string]any{"value": 1}); err != nil {
		t.Fatal(err)
	}
	if n := ctx.asked.Load(); n != 0 {
		t.Errorf("a call on a warm instance asked for the deadline %d times", n)
	}
	start := time.Now()
	_, err := m.Actions()[index(t, m, "loop")].Fn(ctx, map[string]any{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "interrupted at its deadline") {
		t.Fatalf("a loop past the caller's deadline: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the loop ran %s past a 150 ms deadline (the module's timeout is a minute)", d)
	}
}

// TestMemoryLimit: an instance cannot grow past memory_limit_mb.
func TestMemoryLimit(t *testing.T) {
	m := load(t, wasmexamples.Probe, wasm.Options{Instances: 1, MemoryLimitMB: 24})
	if _, err := call(t, m, "grow", map[string]any{"mb": 8}); err != nil {
		t.Fatalf("8 MB under a 24 MB cap: %v", err)
	}
	small := m.Size()
	_, err := call(t, m, "grow", map[string]any{"mb": 64})
	if err == nil || !strings.Contains(err.Error(), "out of memory") {
		t.Fatalf("64 MB under a 24 MB cap: %v", err)
	}
	if got := m.Size(); got > small+24<<20 {
		t.Errorf("size %d after a refused growth, from %d", got, small)
	}
	if _, err := call(t, m, "grow", map[string]any{"mb": 4}); err != nil {
		t.Errorf("4 MB after the refusal: %v", err)
	}
}

// TestWASI: clocks and randomness are real; env and args are what the
// options say; no file system unless a directory is granted, read-only.
func TestWASI(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from the host"), 0o644); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := load(t, wasmexamples.Probe, wasm.Options{Name: "probe", Env: map[string]string{"GREETING": "hi"}, Args: []string{"--x", "1"}, Dirs: map[string]string{"/data": dir}})
	bare := load(t, wasmexamples.Probe, wasm.Options{Name: "probe"})
	tests := []struct {
		name   string
		m      *wasm.Module
		action string
		args   map[string]any
		check  func(v any, err error) bool
	}{
		{"env given", m, "env", map[string]any{"name": "GREETING"}, func(v any, err error) bool { return v == "hi" }},
		{"env not given", bare, "env", map[string]any{"name": "GREETING"}, func(v any, err error) bool { return err == nil && v == nil }},
		{"host env not leaked", m, "env", map[string]any{"name": "PATH"}, func(v any, err error) bool { return err == nil && v == nil }},
		{"args", m, "args", map[string]any{}, func(v any, err error) bool {
			l, _ := v.([]any)
			return len(l) == 3 && l[0] == "probe" && l[1] == "--x" && l[2] == "1"
		}},
		{"wall clock", m, "now", map[string]any{}, func(v any, err error) bool {
			o, _ := v.(map[string]any)
			w, _ := o["wall_ns"].(json.Number).Int64()
			return err == nil && time.Since(time.Unix(0, w)).Abs() < time.Minute
		}},
		{"granted dir", m, "read", map[string]any{"path": "/data/hello.txt"}, func(v any, err error) bool { return v == "hello from the host" }},
		{"outside the granted dir", m, "read", map[string]any{"path": secret}, func(v any, err error) bool { return err != nil }},
		{"no dir granted", bare, "read", map[string]any{"path": "/data/hello.txt"}, func(v any, err error) bool { return err != nil }},
		{"argument error with a param", m, "fail", map[string]any{"msg": "too big", "param": "size"}, func(v any, err error) bool {
			var ae *actions.ArgsError
			return errors.As(err, &ae) && ae.Fields[0].Loc[1] == "size" && ae.Fields[0].Msg == "too big"
		}},
		{"action failure", m, "fail", map[string]any{"msg": "broken"}, func(v any, err error) bool {
			var ae *wasm.ActionError
			return errors.As(err, &ae) && ae.Msg == "broken"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := call(t, tc.m, tc.action, tc.args)
			if !tc.check(v, err) {
				t.Errorf("%s %v: %v, %v", tc.action, tc.args, v, err)
			}
		})
	}
	r1, _ := call(t, m, "random", map[string]any{})
	r2, _ := call(t, m, "random", map[string]any{})
	if s, _ := r1.(string); len(s) != 32 || r1 == r2 {
		t.Errorf("random: %v then %v", r1, r2)
	}
}

// TestPool: concurrent calls spread over at most Instances instances, and
// a call waiting for one gives up with its context.
func TestPool(t *testing.T) {
	m := load(t, wasmexamples.Probe, wasm.Options{Instances: 3})
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := call(t, m, "work", map[string]any{"n": 2_000_000})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Instances(); n < 1 || n > 3 {
		t.Errorf("%d instances, want 1 to 3", n)
	}

	one := load(t, wasmexamples.Probe, wasm.Options{Instances: 1})
	loop := one.Actions()[index(t, one, "loop")].Fn
	busy, cancel := context.WithCancel(context.Background())
	defer cancel()
	go loop(busy, map[string]any{})
	time.Sleep(50 * time.Millisecond)
	ctx, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	_, err := one.Actions()[index(t, one, "echo")].Fn(ctx, map[string]any{"value": 1})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "all 1 busy") {
		t.Errorf("a call with every instance busy: %v", err)
	}
}

func index(t *testing.T, m *wasm.Module, action string) int {
	t.Helper()
	for i, a := range m.Actions() {
		if a.Name == action {
			return i
		}
	}
	t.Fatalf("no action %s", action)
	return -1
}
