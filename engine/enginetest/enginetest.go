// Package enginetest runs engines in tests: an engine whose run group runs
// until the test ends (or Stop), stopped and closed then, as cli's serve
// does for a real one.
package enginetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/local"
	"github.com/jsorc/jsorc/internal/run"
)

// stopTimeout bounds Stop: the group's own stage timeouts come first.
const stopTimeout = 2 * time.Minute

// Engine is an engine whose group runs until Stop.
type Engine struct {
	*engine.Engine
	cancel context.CancelFunc
	done   chan error

	once sync.Once
	err  error
}

// Open opens an engine with opts — on the local backend unless
// opts.Backend is set, in a run group of its own unless opts.Group is set —
// runs the group and waits until everything in it has started. It returns the error of New, or the group's if it stops before
// starting (a backend that cannot become ready). The engine stops when the
// test ends, unless Stop stopped it before.
func Open(t testing.TB, opts engine.Options) (*Engine, error) {
	t.Helper()
	if opts.Backend == nil {
		opts.Backend = local.Options{}
	}
	if opts.Group == nil {
		opts.Group = run.NewGroup(run.Options{Logger: opts.Logger})
	}
	ctx, cancel := context.WithCancel(context.Background())
	e, err := engine.New(ctx, opts)
	if err != nil {
		cancel()
		return nil, err
	}
	r := &Engine{Engine: e, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- opts.Group.Run(ctx) }()
	select {
	case <-opts.Group.Started():
	case err := <-r.done:
		r.done <- err
		if serr := r.Stop(); serr != nil {
			t.Logf("enginetest: after a failed start: %v", serr)
		}
		if err == nil {
			err = fmt.Errorf("enginetest: the group stopped before it started")
		}
		return nil, err
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("enginetest: stopping the engine: %v", err)
		}
	})
	return r, nil
}

// Start is Open that fails the test on error.
func Start(t testing.TB, opts engine.Options) *Engine {
	t.Helper()
	e, err := Open(t, opts)
	if err != nil {
		t.Fatalf("enginetest: %v", err)
	}
	return e
}

// Stop stops the engine's group — the API first if it runs there, then the
// loops, the modules and the backend — and closes the engine. It returns
// the errors of both; later calls return the same.
func (e *Engine) Stop() error {
	e.once.Do(func() {
		e.cancel()
		var runErr error
		select {
		case runErr = <-e.done:
		case <-time.After(stopTimeout):
			runErr = fmt.Errorf("the run group did not stop within %s", stopTimeout)
		}
		e.err = errors.Join(runErr, e.Close())
	})
	return e.err
}

// Ctx is a context for one step of a test: it ends after a minute or with
// the test.
func Ctx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Load loads module name in mode and waits until it serves there, failing
// the test otherwise.
func Load(t testing.TB, e *engine.Engine, name, mode string) engine.ActionStatus {
	t.Helper()
	st, err := e.Load(Ctx(t), name, mode, engine.LoadOptions{Wait: true})
	if err != nil {
		t.Fatalf("load %s -mode %s: %v", name, mode, err)
	}
	return st
}
