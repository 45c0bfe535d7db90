package api

import (
	"context"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
)

// LocalEngine calls an in-process engine through the API's own handlers,
// without HTTP: the same parameter checks, answers and error kinds as the
// HTTP API, at the cost of a function call. The in-process console uses it.
type LocalEngine struct {
	e      *engine.Engine
	routes map[string]route
	cause  types.Cause
}

// Local returns a caller of engine e whose requests the engine records as
// caused by cause (types.CauseConsole for the console).
func Local(e *engine.Engine, cause types.Cause) *LocalEngine {
	return &LocalEngine{e: e, routes: routeTable(e), cause: cause}
}

// Call calls endpoint (a name of api/types) with params of its parameter
// type and answer a pointer to its answer type.
func (l *LocalEngine) Call(ctx context.Context, endpoint string, params, answer any) error {
	rt, ok := l.routes[endpoint]
	if !ok {
		return types.Errorf(types.ErrNotFound, "no endpoint %q", endpoint)
	}
	return rt.call(types.WithCause(ctx, l.cause), params, answer)
}

// Events subscribes to the engine's events until ctx ends; the channel is
// closed then, or when the engine closes.
func (l *LocalEngine) Events(ctx context.Context) (<-chan types.Event, error) {
	ch, stop := l.e.Subscribe()
	context.AfterFunc(ctx, stop)
	return ch, nil
}
