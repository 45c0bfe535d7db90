package actions_test

// This file holds the helpers the tests of the built-in modules share: load a
// module from the registry and call one of its actions as the engine does,
// validating the arguments first.

import (
	"context"
	"slices"
	"testing"

	"github.com/jsorc/jsorc/engine/actions"
)

// load builds the built-in module called module with config params, and
// closes it when the test ends.
func load(tb testing.TB, module string, params map[string]any) actions.Instance {
	tb.Helper()
	b, err := actions.NewRegistry().Lookup(module)
	if err != nil {
		tb.Fatal(err)
	}
	inst, err := b.New(params)
	if err != nil {
		tb.Fatalf("load %s %v: %v", module, params, err)
	}
	tb.Cleanup(func() {
		if err := inst.Close(); err != nil {
			tb.Errorf("close %s: %v", module, err)
		}
	})
	return inst
}

// loadErr builds the built-in module called module and returns only the
// error of loading it.
func loadErr(tb testing.TB, module string, params map[string]any) error {
	tb.Helper()
	b, err := actions.NewRegistry().Lookup(module)
	if err != nil {
		tb.Fatal(err)
	}
	inst, err := b.New(params)
	if err == nil {
		if cerr := inst.Close(); cerr != nil {
			tb.Errorf("close %s: %v", module, cerr)
		}
	}
	return err
}

// action returns the action called name of inst.
func action(tb testing.TB, inst actions.Instance, name string) actions.Action {
	tb.Helper()
	for _, a := range inst.Actions() {
		if a.Name == name {
			return a
		}
	}
	tb.Fatalf("no action %q", name)
	return actions.Action{}
}

// call validates args against the action called name and, if they are good,
// calls it. A validation failure comes back as an *actions.ArgsError.
func call(tb testing.TB, inst actions.Instance, name string, args map[string]any) (any, error) {
	tb.Helper()
	return callCtx(context.Background(), tb, inst, name, args)
}

// callCtx is call with a context.
func callCtx(ctx context.Context, tb testing.TB, inst actions.Instance, name string, args map[string]any) (any, error) {
	tb.Helper()
	a := action(tb, inst, name)
	args, errs := actions.Validate(&a, args)
	if errs != nil {
		return nil, &actions.ArgsError{Action: name, Fields: errs}
	}
	return a.Fn(ctx, args)
}

func TestBuiltinsRegistered(t *testing.T) {
	got := actions.NewRegistry().Names()
	for _, want := range []string{"echo", "synth", "textenc"} {
		if !slices.Contains(got, want) {
			t.Errorf("registry names %v lack %q", got, want)
		}
	}
}
