package backend

import (
	"errors"
	"fmt"
)

// Error kinds a backend's errors may wrap; the engine turns each into its
// own kind of the same name, and so into an HTTP status.
var (
	// ErrInvalid marks a spec or configuration the backend cannot use.
	ErrInvalid = errors.New("invalid")
	// ErrConflict marks a request the backend cannot honour in its current
	// state (a module with no way to run on it, a setting that needs a
	// restart).
	ErrConflict = errors.New("conflict")
	// ErrUnavailable marks a server the backend cannot reach.
	ErrUnavailable = errors.New("unavailable")
	// ErrReopen marks a META_CONFIG the backend cannot apply where it is
	// (the kube backend given another namespace or another way to reach
	// its cluster): the engine opens a new backend with it and moves what
	// runs there. Set applied the rest before returning it.
	ErrReopen = errors.New("reopen")
)

// kindError is an error of one kind whose message is the message alone.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// Errorf formats an error of the given kind (ErrInvalid, ... or any other
// sentinel: the engine makes its own kinds with it); its message does not
// name the kind. %w wraps as usual.
func Errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, err: fmt.Errorf(format, args...)}
}
