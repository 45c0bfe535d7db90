package actions

// This file holds the echo module, whose actions exercise the calling
// protocol: values in and out, every parameter kind, errors and slow calls.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// MaxEchoSleepMs bounds the ms argument of echo.sleep (one hour).
const MaxEchoSleepMs = 3_600_000

// echoArgsParams returns the parameters of echo.args, i.e. Python's
// args(first, second=None, *rest, **opts).
func echoArgsParams() []Param {
	return []Param{
		{Name: "first", Kind: Required, Type: TypeAny},
		{Name: "second", Kind: Optional, Type: TypeAny, Default: nil},
		{Name: "rest", Kind: Rest, Type: TypeList},
		{Name: "opts", Kind: Opts, Type: TypeObject},
	}
}

// echo is a loaded echo module. It holds nothing but the end of its life:
// Close ends the sleeps still running, with an error, as a module that
// frees its model under a call would break that call — so a test can see
// that a switch never closes a placement before its calls return.
type echo struct {
	closed chan struct{}
	once   *sync.Once
}

func echoBuiltin() Builtin {
	return Builtin{
		Name: "echo",
		Doc:  "protocol tests: echo, args, fail, sleep; takes no config",
		New: func(params map[string]any) (Instance, error) {
			if err := checkConfigKeys("echo", params); err != nil {
				return nil, err
			}
			return echo{closed: make(chan struct{}), once: new(sync.Once)}, nil
		},
	}
}

// Actions lists echo, args, fail and sleep.
func (e echo) Actions() []Action {
	return []Action{
		{
			Name:   "echo",
			Doc:    "returns value unchanged",
			Params: []Param{{Name: "value", Kind: Required, Type: TypeAny}},
			Fn:     echoValue,
			Quick:  true,
		},
		{
			Name:   "args",
			Doc:    "returns how its arguments bound: first, second, rest, opts",
			Params: echoArgsParams(),
			Fn:     echoArgs,
		},
		{
			Name:   "fail",
			Doc:    "always fails with message",
			Params: []Param{{Name: "message", Kind: Required, Type: TypeString}},
			Fn:     echoFail,
			Quick:  true,
		},
		{
			Name:   "sleep",
			Doc:    "waits ms milliseconds, or until the call is cancelled (or the module closed)",
			Params: []Param{{Name: "ms", Kind: Required, Type: TypeNumber}},
			Fn:     e.sleep,
		},
	}
}

// Close ends the sleeps still running: they fail.
func (e echo) Close() error {
	e.once.Do(func() { close(e.closed) })
	return nil
}

func echoValue(_ context.Context, args map[string]any) (any, error) {
	v, ok := args["value"]
	if !ok || v == nil {
		return nil, errors.New("echo.echo: value is required")
	}
	return v, nil
}

// echoArgs answers {"first", "second", "rest", "opts"}. rest is [] when
// absent. opts merges the object passed as "opts" with every key that is
// not a declared parameter; a key passed directly wins over the same key
// inside "opts".
func echoArgs(_ context.Context, args map[string]any) (any, error) {
	first, ok := args["first"]
	if !ok || first == nil {
		return nil, errors.New("echo.args: first is required")
	}
	rest := []any{}
	switch r := args["rest"].(type) {
	case nil:
	case []any:
		rest = slices.Clone(r)
	case []string:
		for _, s := range r {
			rest = append(rest, s)
		}
	case []float64:
		for _, f := range r {
			rest = append(rest, f)
		}
	default:
		return nil, fmt.Errorf("echo.args: rest: want a list, got %T", r)
	}
	opts := map[string]any{}
	switch o := args["opts"].(type) {
	case nil:
	case map[string]any:
		maps.Copy(opts, o)
	default:
		return nil, fmt.Errorf("echo.args: opts: want an object, got %T", o)
	}
	for k, v := range args {
		if !isEchoArgsParam(k) {
			opts[k] = v
		}
	}
	return map[string]any{
		"first":  first,
		"second": args["second"],
		"rest":   rest,
		"opts":   opts,
	}, nil
}

func isEchoArgsParam(name string) bool {
	switch name {
	case "first", "second", "rest", "opts":
		return true
	}
	return false
}

func echoFail(_ context.Context, args map[string]any) (any, error) {
	msg, ok := args["message"].(string)
	if !ok {
		return nil, fmt.Errorf("echo.fail: message: want a string, got %T", args["message"])
	}
	return nil, errors.New(msg)
}

// sleep waits ms milliseconds on a timer and answers {"slept_ms": ms}; the
// call's end or the module's Close cuts it short with an error.
func (e echo) sleep(ctx context.Context, args map[string]any) (any, error) {
	v, ok := args["ms"]
	if !ok || v == nil {
		return nil, errors.New("echo.sleep: ms is required")
	}
	ms, ok := toFloat(v)
	if !ok {
		return nil, fmt.Errorf("echo.sleep: ms: want a number, got %T", v)
	}
	if math.IsNaN(ms) || ms < 0 || ms > MaxEchoSleepMs {
		return nil, RangeError("echo.sleep", "ms", fmt.Sprintf("%v is out of range: want 0..%d", ms, MaxEchoSleepMs))
	}
	timer := time.NewTimer(time.Duration(ms * float64(time.Millisecond)))
	defer timer.Stop()
	select {
	case <-timer.C:
		return map[string]any{"slept_ms": ms}, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("echo.sleep interrupted: %w", ctx.Err())
	case <-e.closed:
		return nil, errors.New("echo.sleep broken: the module was closed under the call")
	}
}
