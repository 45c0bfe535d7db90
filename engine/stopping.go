package engine

import (
	"context"
	"errors"

	"github.com/jsorc/jsorc/internal/run"
)

// errStopping is the cause of the contexts the engine ends when it begins
// to stop.
var errStopping = errors.New("the engine is stopping")

// stopWatch is the engine's runnable in the serve stage: it returns when
// that stage stops — when the front doors close, before the loops and the
// modules stop — and then ends every long request (a load test, a waiting
// load or unload) with errStopping, so each answers its client at once
// instead of holding the shutdown up.
func (e *Engine) stopWatch(ctx context.Context) error {
	<-ctx.Done()
	e.stop(errStopping)
	return nil
}

// interruptible returns ctx, ended also when the engine begins to stop.
func (e *Engine) interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	unhook := context.AfterFunc(e.stopping, func() { cancel(context.Cause(e.stopping)) })
	return ctx, func() {
		unhook()
		cancel(context.Canceled)
	}
}

// stoppingNow reports whether the engine has begun to stop.
func (e *Engine) stoppingNow() bool { return e.stopping.Err() != nil }

// interrupted gives the error of a request that the engine's stop ended
// the kind ErrRetryLater (the client may repeat it once the engine is back)
// and says so; other errors pass unchanged.
func interrupted(ctx context.Context, what string, err error) error {
	if err == nil || !errors.Is(context.Cause(ctx), errStopping) {
		return err
	}
	return retryLater("%s interrupted: %w", what, errStopping)
}

// addStopWatch adds stopWatch to the group's serve stage.
func (e *Engine) addStopWatch() error {
	_, err := e.group.Add(run.StageServe, "engine requests", run.Func(e.stopWatch))
	return err
}

// cutShort gives a call that the engine's stop ended (its context ended
// as the engine began to stop: the API server ends its requests' contexts
// then) the kind ErrRetryLater, saying so; other errors pass unchanged.
func (e *Engine) cutShort(ctx context.Context, what string, err error) error {
	if err == nil || ctx.Err() == nil || !e.stoppingNow() {
		return err
	}
	return retryLater("%s interrupted: %w (%v)", what, errStopping, err)
}
