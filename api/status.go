package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// Errors the API layer itself makes; each wraps the kind of api/types it
// travels as.
var (
	// errBadRequest marks a request the API layer rejects (malformed JSON,
	// unknown or missing parameters).
	errBadRequest = types.ErrBadRequest
	// errTooLarge marks a body over its endpoint's limit (413).
	errTooLarge = types.ErrTooLarge
	// errBusy marks a request refused because as many heavy requests as the
	// limit allows are being served; it is answered 429 with Retry-After.
	errBusy = types.ErrBusy
	// errNoEndpoint marks a path or name that is no endpoint (404).
	errNoEndpoint = types.ErrNotFound
)

// retryAfter is the Retry-After of a 429 answer.
const retryAfter = time.Second

// kindOf maps an error to its kind, and so to the status and code of its
// answer: the kind it wraps, a body over its limit, a call out of time; an
// error of no kind is an internal one.
func kindOf(err error) types.Kind {
	if k, ok := kindOfWrapped(err); ok {
		return k
	}
	k, _ := types.KindOfStatus(http.StatusInternalServerError)
	return k
}

// kindOfWrapped is the kind err wraps, counting a body over its limit as
// too large and a call out of time as timed out.
func kindOfWrapped(err error) (types.Kind, bool) {
	var tooBig *http.MaxBytesError
	for _, k := range types.Kinds() {
		switch {
		case errors.Is(err, k.Err),
			k.Err == types.ErrTooLarge && errors.As(err, &tooBig),
			k.Err == types.ErrTimeout && errors.Is(err, context.DeadlineExceeded):
			return k, true
		}
	}
	return types.Kind{}, false
}

// retryAfterOf says when a refused request may be repeated: a second for a
// busy engine, what the error says for one that knows, else nothing.
func retryAfterOf(err error) time.Duration {
	var ra types.RetryAfter
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	if errors.Is(err, errBusy) {
		return retryAfter
	}
	return 0
}
