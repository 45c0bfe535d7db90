package engine_test

import (
	"context"
	"testing"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/fake"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// newEngine runs an engine on a fresh data directory, on the fake backend
// (in-process action servers). It is stopped when the test ends.
func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	return openEngine(t, t.TempDir()).Engine
}

// openEngine runs an engine on dir, on the fake backend, until the test
// ends or closeEngine.
func openEngine(t testing.TB, dir string) *enginetest.Engine {
	t.Helper()
	return enginetest.Start(t, engine.Options{DataDir: dir, Backend: fake.New(nil)})
}

// closeEngine stops an engine's loops and closes it.
func closeEngine(t testing.TB, e *enginetest.Engine) {
	t.Helper()
	if err := e.Stop(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func ctxT(t testing.TB) context.Context { return enginetest.Ctx(t) }

func load(t testing.TB, e *engine.Engine, name, mode string) engine.ActionStatus {
	t.Helper()
	return enginetest.Load(t, e, name, mode)
}
