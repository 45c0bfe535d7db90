package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/jsorc/jsorc/engine"
)

// statusOf maps an engine error to the HTTP status of its answer.
func statusOf(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig), errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errBusy):
		return http.StatusTooManyRequests
	case errors.Is(err, errBadRequest), errors.Is(err, engine.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, engine.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, engine.ErrNotLoaded), errors.Is(err, engine.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, engine.ErrNotImplemented):
		return http.StatusNotImplemented
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, engine.ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, engine.ErrStorage):
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

// errBadRequest marks a request the API layer itself rejects (malformed
// JSON, unknown or missing parameters).
var errBadRequest = errors.New("bad request")
