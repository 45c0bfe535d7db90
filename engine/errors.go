package engine

import (
	"errors"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
)

// Error kinds. Every error the engine's API returns wraps at most one of
// these, so callers (the HTTP layer) can map it to a status without reading
// messages. They are the API's kinds (api/types), so they keep their
// identity over HTTP.
var (
	// ErrInvalid marks bad input: an unknown mode, a malformed config, a
	// missing parameter.
	ErrInvalid = types.ErrInvalid
	// ErrNotFound marks a name that is not configured: a module, an action, an app.
	ErrNotFound = types.ErrNotFound
	// ErrNotLoaded marks a call to a module that is configured but serves in no mode.
	ErrNotLoaded = types.ErrNotLoaded
	// ErrConflict marks a request that contradicts the current state, such as
	// module mode for a config that has only a URL.
	ErrConflict = types.ErrConflict
	// ErrNotImplemented marks a JSORC endpoint whose part of jsorc is not built yet.
	ErrNotImplemented = types.ErrNotImplemented
	// ErrUnavailable marks a remote action server that cannot be reached or
	// did not become ready in time.
	ErrUnavailable = types.ErrUnavailable
	// ErrRetryLater marks a request that failed for a passing reason — the
	// action server of a module went down and is coming back, the engine is
	// stopping — and may succeed if repeated shortly. It is an
	// ErrUnavailable that knows when to try again (the API answers 503 with
	// Retry-After); see retryLater.
	ErrRetryLater = errors.New("try again later")
	// ErrStorage marks a result the store could not keep (a full disk): the
	// request did not take effect and may be repeated once space is freed.
	ErrStorage = types.ErrStorage
)

// retryAfter is when a request that failed with ErrRetryLater may be
// repeated.
const retryAfter = time.Second

// retryLaterError is an error of the kinds ErrRetryLater and
// ErrUnavailable that says when to try again (types.RetryAfter).
type retryLaterError struct{ err error }

func (e *retryLaterError) Error() string             { return e.err.Error() }
func (e *retryLaterError) Unwrap() []error           { return []error{ErrRetryLater, e.err} }
func (e *retryLaterError) RetryAfter() time.Duration { return retryAfter }

// retryLater formats an ErrRetryLater; %w in format wraps as usual.
func retryLater(format string, args ...any) error {
	return &retryLaterError{err: errorf(ErrUnavailable, format, args...)}
}

// errorf formats an error of the given kind, whose message is the message
// alone, without the kind's name in front; %w in format wraps as usual.
func errorf(kind error, format string, args ...any) error {
	return backend.Errorf(kind, format, args...)
}
