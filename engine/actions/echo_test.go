package actions_test

// Tests and benchmarks of the echo module.

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
)

func TestEchoConfig(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]any
		wantErr bool
	}{
		{name: "nil", params: nil},
		{name: "empty", params: map[string]any{}},
		{name: "any key", params: map[string]any{"dim": 16}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := loadErr(t, "echo", tt.params); (err != nil) != tt.wantErr {
				t.Errorf("load error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestEchoSpec(t *testing.T) {
	got := actions.Spec("echo", load(t, "echo", nil))
	want := map[string][]string{
		"echo.echo":  {"value"},
		"echo.args":  {"first", "second", "*rest", "**opts"},
		"echo.fail":  {"message"},
		"echo.sleep": {"ms"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spec = %v, want %v", got, want)
	}
}

func TestEchoEcho(t *testing.T) {
	inst := load(t, "echo", nil)
	tests := []struct {
		name  string
		value any
	}{
		{name: "string", value: "hi"},
		{name: "number", value: 1.5},
		{name: "bool", value: false},
		{name: "empty string", value: ""},
		{name: "list with null", value: []any{1.0, nil, "x"}},
		{name: "object with null", value: map[string]any{"a": nil, "b": map[string]any{"c": []any{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := call(t, inst, "echo", map[string]any{"value": tt.value})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.value) {
				t.Errorf("echo(%v) = %v", tt.value, got)
			}
		})
	}
	t.Run("null is missing", func(t *testing.T) {
		var ae *actions.ArgsError
		if _, err := call(t, inst, "echo", map[string]any{"value": nil}); !errors.As(err, &ae) {
			t.Errorf("error = %v, want a validation error", err)
		}
	})
}

func TestEchoArgs(t *testing.T) {
	inst := load(t, "echo", nil)
	tests := []struct {
		name string
		args map[string]any
		want map[string]any
	}{
		{
			name: "first only",
			args: map[string]any{"first": 1.0},
			want: map[string]any{"first": 1.0, "second": nil, "rest": []any{}, "opts": map[string]any{}},
		},
		{
			name: "first and second",
			args: map[string]any{"first": "a", "second": []any{"b"}},
			want: map[string]any{"first": "a", "second": []any{"b"}, "rest": []any{}, "opts": map[string]any{}},
		},
		{
			name: "rest",
			args: map[string]any{"first": "a", "rest": []any{1.0, "two", nil}},
			want: map[string]any{"first": "a", "second": nil, "rest": []any{1.0, "two", nil}, "opts": map[string]any{}},
		},
		{
			name: "go string rest",
			args: map[string]any{"first": "a", "rest": []string{"x", "y"}},
			want: map[string]any{"first": "a", "second": nil, "rest": []any{"x", "y"}, "opts": map[string]any{}},
		},
		{
			name: "opts object",
			args: map[string]any{"first": "a", "opts": map[string]any{"k": "v"}},
			want: map[string]any{"first": "a", "second": nil, "rest": []any{}, "opts": map[string]any{"k": "v"}},
		},
		{
			name: "extra keys",
			args: map[string]any{"first": "a", "colour": "red", "n": 2.0},
			want: map[string]any{"first": "a", "second": nil, "rest": []any{}, "opts": map[string]any{"colour": "red", "n": 2.0}},
		},
		{
			name: "direct key beats opts",
			args: map[string]any{"first": "a", "second": "b", "rest": []any{"c"}, "opts": map[string]any{"k": "from opts", "m": 1.0}, "k": "direct"},
			want: map[string]any{"first": "a", "second": "b", "rest": []any{"c"}, "opts": map[string]any{"k": "direct", "m": 1.0}},
		},
		{
			name: "null rest and opts",
			args: map[string]any{"first": "a", "rest": nil, "opts": nil},
			want: map[string]any{"first": "a", "second": nil, "rest": []any{}, "opts": map[string]any{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := call(t, inst, "args", tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("args(%v) = %v, want %v", tt.args, got, tt.want)
			}
		})
	}
}

func TestEchoArgsBadInput(t *testing.T) {
	inst := load(t, "echo", nil)
	tests := []struct {
		name string
		args map[string]any
	}{
		{name: "no first", args: map[string]any{"second": 1.0}},
		{name: "null first", args: map[string]any{"first": nil}},
		{name: "rest not a list", args: map[string]any{"first": 1.0, "rest": "x"}},
		// pydantic's dict() takes a list of pairs ([] is {}), not a list of numbers.
		{name: "opts not an object", args: map[string]any{"first": 1.0, "opts": []any{1.0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ae *actions.ArgsError
			if _, err := call(t, inst, "args", tt.args); !errors.As(err, &ae) {
				t.Errorf("error = %v, want a validation error", err)
			}
			// Called without validation, the action still refuses.
			if _, err := action(t, inst, "args").Fn(t.Context(), tt.args); err == nil {
				t.Error("unvalidated call succeeded, want an error")
			}
		})
	}
}

func TestEchoFail(t *testing.T) {
	inst := load(t, "echo", nil)
	tests := []struct {
		name      string
		args      map[string]any
		wantMsg   string
		argsError bool
	}{
		{name: "message", args: map[string]any{"message": "boom: it broke"}, wantMsg: "boom: it broke"},
		{name: "empty message", args: map[string]any{"message": ""}, wantMsg: ""},
		{name: "missing", args: map[string]any{}, argsError: true},
		// pydantic's str() takes numbers (3 is "3"), not lists.
		{name: "not a string", args: map[string]any{"message": []any{"x"}}, argsError: true},
		{name: "a number", args: map[string]any{"message": json.Number("3")}, wantMsg: "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := call(t, inst, "fail", tt.args)
			if err == nil {
				t.Fatalf("fail returned %v without an error", got)
			}
			var ae *actions.ArgsError
			if isArgs := errors.As(err, &ae); isArgs != tt.argsError {
				t.Fatalf("error %q: validation error = %v, want %v", err, isArgs, tt.argsError)
			}
			if !tt.argsError && err.Error() != tt.wantMsg {
				t.Errorf("error %q, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestEchoSleep(t *testing.T) {
	inst := load(t, "echo", nil)
	t.Run("sleeps", func(t *testing.T) {
		start := time.Now()
		got, err := call(t, inst, "sleep", map[string]any{"ms": 20.0})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Errorf("slept %v, want ≥ 20ms", d)
		}
		if want := map[string]any{"slept_ms": 20.0}; !reflect.DeepEqual(got, want) {
			t.Errorf("answer %v, want %v", got, want)
		}
	})
	t.Run("zero", func(t *testing.T) {
		if _, err := call(t, inst, "sleep", map[string]any{"ms": 0}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := callCtx(ctx, t, inst, "sleep", map[string]any{"ms": 10_000})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("cancelled sleep returned after %v", d)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		if _, err := callCtx(ctx, t, inst, "sleep", map[string]any{"ms": 10_000}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want context.DeadlineExceeded", err)
		}
	})
	bad := []struct {
		name      string
		args      map[string]any
		argsError bool
	}{
		{name: "negative", args: map[string]any{"ms": -1.0}, argsError: true},
		{name: "too long", args: map[string]any{"ms": 1e12}, argsError: true},
		// pydantic's float() takes "10"; not "ten".
		{name: "string", args: map[string]any{"ms": "ten"}, argsError: true},
		{name: "missing", args: map[string]any{}, argsError: true},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call(t, inst, "sleep", tt.args)
			if err == nil {
				t.Fatal("sleep succeeded, want an error")
			}
			var ae *actions.ArgsError
			if got := errors.As(err, &ae); got != tt.argsError {
				t.Errorf("error %q: validation error = %v, want %v", err, got, tt.argsError)
			}
		})
	}
}

func BenchmarkEchoArgs(b *testing.B) {
	inst := load(b, "echo", nil)
	a := action(b, inst, "args")
	args := map[string]any{"first": "a", "rest": []any{1.0, 2.0}, "opts": map[string]any{"k": "v"}, "extra": true}
	b.ReportAllocs()
	for b.Loop() {
		got, errs := actions.Validate(&a, args)
		if errs != nil {
			b.Fatal(errs)
		}
		if _, err := a.Fn(b.Context(), got); err != nil {
			b.Fatal(err)
		}
	}
}
