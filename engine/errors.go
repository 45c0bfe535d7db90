package engine

import (
	"errors"

	"github.com/jsorc/jsorc/engine/backend"
)

// Error kinds. Every error the engine's API returns wraps at most one of
// these, so callers (the HTTP layer) can map it to a status without reading
// messages.
var (
	// ErrInvalid marks bad input: an unknown mode, a malformed config, a
	// missing parameter.
	ErrInvalid = errors.New("invalid request")
	// ErrNotFound marks a name that is not configured: a module, an action, an app.
	ErrNotFound = errors.New("not found")
	// ErrNotLoaded marks a call to a module that is configured but serves in no mode.
	ErrNotLoaded = errors.New("not loaded")
	// ErrConflict marks a request that contradicts the current state, such as
	// module mode for a config that has only a URL.
	ErrConflict = errors.New("conflict")
	// ErrNotImplemented marks a JSORC endpoint whose part of jsorc is not built yet.
	ErrNotImplemented = errors.New("not implemented yet")
	// ErrUnavailable marks a remote action server that cannot be reached or
	// did not become ready in time.
	ErrUnavailable = errors.New("unavailable")
	// ErrStorage marks a result the store could not keep (a full disk): the
	// request did not take effect and may be repeated once space is freed.
	ErrStorage = errors.New("storage failed")
)

// errorf formats an error of the given kind, whose message is the message
// alone, without the kind's name in front; %w in format wraps as usual.
func errorf(kind error, format string, args ...any) error {
	return backend.Errorf(kind, format, args...)
}
