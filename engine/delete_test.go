package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine"
)

// TestDeleteAction: delete refuses a loaded module unless forced, forced it
// unloads and retires first, and a deleted module is gone for good: from
// status, calls and the store (a restart does not bring it back, nor the
// built-ins once every module is deleted).
func TestDeleteAction(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	ctx := ctxT(t)
	if _, err := e.DeleteAction(ctx, "nope", false); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("delete of an unknown module: %v, want ErrNotFound", err)
	}
	load(t, e.Engine, "echo", "remote")
	if _, err := e.DeleteAction(ctx, "echo", false); !errors.Is(err, engine.ErrConflict) || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("delete of a loaded module: %v, want ErrConflict naming -force", err)
	}
	msg, err := e.DeleteAction(ctx, "echo", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(msg)
	if _, err := e.Status("echo"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("status after delete: %v, want ErrNotFound", err)
	}
	if _, err := e.Call(ctx, "echo.echo", map[string]any{"value": 1.0}); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("call after delete: %v, want ErrNotFound", err)
	}
	if _, err := e.Load(ctx, "echo", "module", engine.LoadOptions{}); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("load after delete: %v, want ErrNotFound", err)
	}
	for _, name := range []string{"textenc", "synth"} {
		if _, err := e.DeleteAction(ctx, name, false); err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
	}
	closeEngine(t, e)
	e = openEngine(t, dir)
	if mods := e.Modules(); len(mods) != 0 {
		t.Fatalf("after deleting every module and a restart: %v, want none", mods)
	}
	// The name can be configured again.
	if _, err := e.ConfigureActions(ctxT(t), "echo", engine.BuiltinSourceName, nil); err != nil {
		t.Fatal(err)
	}
	load(t, e.Engine, "echo", "module")
}

// TestModuleCountLimit: configuring past META_CONFIG's max_modules is an
// ErrInvalid naming the limit, and nothing of it is kept.
func TestModuleCountLimit(t *testing.T) {
	e := newEngine(t)
	if err := e.ConfigSet(ctxT(t), engine.MetaConfigName, `{"max_modules": 5}`); err != nil {
		t.Fatal(err)
	}
	_, err := e.ConfigureActions(ctxT(t), "all", "test", moduleSource(3))
	if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "max_modules") {
		t.Fatalf("3 more modules beside the 3 built-ins with max_modules 5: %v, want ErrInvalid naming max_modules", err)
	}
	if n := len(e.Modules()); n != 3 {
		t.Fatalf("%d modules after a refused configure, want 3", n)
	}
	if _, err := e.ConfigureActions(ctxT(t), "all", "test", moduleSource(2)); err != nil {
		t.Fatalf("up to the limit: %v", err)
	}
	if _, err := e.ConfigureActions(ctxT(t), "all", "test", moduleSource(2)); err != nil {
		t.Fatalf("configuring the same modules again adds none: %v", err)
	}
	for _, bad := range []string{`{"max_modules": 0}`, `{"max_modules": 10000000}`} {
		if err := e.ConfigSet(ctxT(t), engine.MetaConfigName, bad); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("META_CONFIG %s: %v, want ErrInvalid", bad, err)
		}
	}
}

// TestRouteOfDeletedModule: the router remembers the route of each action
// called; a deleted module's routes go with it, so a module configured
// again under the name serves its calls, and one not configured again is
// not found.
func TestRouteOfDeletedModule(t *testing.T) {
	e := newEngine(t)
	ctx := ctxT(t)
	configure := func() {
		t.Helper()
		if _, err := e.ConfigureActions(ctx, "m1", "test", []byte("m1: {builtin: echo}")); err != nil {
			t.Fatal(err)
		}
	}
	configure()
	load(t, e, "m1", "module")
	for range 3 {
		if _, err := e.Call(ctx, "m1.echo", map[string]any{"value": 1.0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.DeleteAction(ctx, "m1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Call(ctx, "m1.echo", map[string]any{"value": 1.0}); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("call after delete: %v, want ErrNotFound", err)
	}
	configure()
	if _, err := e.Call(ctx, "m1.echo", map[string]any{"value": 1.0}); !errors.Is(err, engine.ErrNotLoaded) {
		t.Fatalf("call of the module configured again, not loaded: %v, want ErrNotLoaded", err)
	}
	load(t, e, "m1", "module")
	if v, err := e.Call(ctx, "m1.echo", map[string]any{"value": 2.0}); err != nil || v != 2.0 {
		t.Fatalf("call of the module configured again and loaded: %v, %v", v, err)
	}
}
