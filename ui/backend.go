package ui

import (
	"context"

	"github.com/jsorc/jsorc/engine"
)

// Backend is what the console needs of an engine. The in-process engine
// (through Local) and an attached remote engine (*api.Client) both provide
// it, so the console shows and drives either the same way.
type Backend interface {
	StatusAll(ctx context.Context) (map[string]engine.ActionStatus, error)
	Load(ctx context.Context, name, mode string, wait bool) (engine.ActionStatus, error)
	Unload(ctx context.Context, name, mode string, retire bool) (string, error)
	PolicyGet(ctx context.Context) (engine.PolicyState, error)
	PolicySet(ctx context.Context, name string, params map[string]any) (string, error)
	Stats(ctx context.Context, n int) (engine.Stats, error)
	Call(ctx context.Context, name string, args map[string]any) (any, error)
}

// Local adapts an in-process engine to Backend.
func Local(e *engine.Engine) Backend { return localBackend{e} }

type localBackend struct{ e *engine.Engine }

func (l localBackend) StatusAll(context.Context) (map[string]engine.ActionStatus, error) {
	return l.e.StatusAll(), nil
}

func (l localBackend) Load(ctx context.Context, name, mode string, wait bool) (engine.ActionStatus, error) {
	return l.e.Load(ctx, name, mode, engine.LoadOptions{Wait: wait})
}

func (l localBackend) Unload(ctx context.Context, name, mode string, retire bool) (string, error) {
	return l.e.Unload(ctx, name, mode, retire)
}

func (l localBackend) PolicyGet(context.Context) (engine.PolicyState, error) {
	return l.e.PolicyGet(), nil
}

func (l localBackend) PolicySet(_ context.Context, name string, params map[string]any) (string, error) {
	return l.e.PolicySet(name, params)
}

func (l localBackend) Stats(_ context.Context, n int) (engine.Stats, error) { return l.e.Stats(n), nil }

func (l localBackend) Call(ctx context.Context, name string, args map[string]any) (any, error) {
	return l.e.Call(ctx, name, args)
}
