package engine

import (
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
	// ErrStorage marks a result the store could not keep (a full disk): the
	// request did not take effect and may be repeated once space is freed.
	ErrStorage = types.ErrStorage
)

// errorf formats an error of the given kind, whose message is the message
// alone, without the kind's name in front; %w in format wraps as usual.
func errorf(kind error, format string, args ...any) error {
	return backend.Errorf(kind, format, args...)
}
