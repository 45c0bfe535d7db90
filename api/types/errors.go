package types

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error kinds. An error of the engine or the API wraps at most one of them;
// it travels over HTTP as its code (the "code" of a failed answer) and comes
// back from the client as an error that wraps the same kind, so errors.Is
// works on both sides of the wire.
var (
	// ErrInvalid marks bad input the engine rejects: an unknown mode, a
	// malformed config, a parameter out of range.
	ErrInvalid = errors.New("invalid request")
	// ErrBadRequest marks a request the API itself rejects: malformed JSON,
	// an unknown or a missing parameter.
	ErrBadRequest = errors.New("bad request")
	// ErrNotFound marks a name that is not configured: a module, an action,
	// an app, an endpoint.
	ErrNotFound = errors.New("not found")
	// ErrNotLoaded marks a call to a module that is configured but serves
	// in no mode.
	ErrNotLoaded = errors.New("not loaded")
	// ErrConflict marks a request that contradicts the current state, such
	// as module mode for a config that has only a URL.
	ErrConflict = errors.New("conflict")
	// ErrNotStarted marks a measuring tool (benchmark, trackact, tracksys)
	// asked for a report or a stop while it does not run. It is a conflict.
	ErrNotStarted = errors.New("not running")
	// ErrAlreadyStarted marks a measuring tool started while it runs. It is
	// a conflict.
	ErrAlreadyStarted = errors.New("already running")
	// ErrNotImplemented marks a JSORC endpoint whose part of jsorc is not
	// built yet.
	ErrNotImplemented = errors.New("not implemented yet")
	// ErrUnavailable marks something that cannot serve now: a remote action
	// server that cannot be reached or did not become ready in time.
	ErrUnavailable = errors.New("unavailable")
	// ErrTimeout marks a call that ran out of its time budget.
	ErrTimeout = errors.New("timed out")
	// ErrStorage marks a result the store could not keep (a full disk): the
	// request did not take effect and may be repeated once space is freed.
	ErrStorage = errors.New("storage failed")
	// ErrTooLarge marks a request body over its endpoint's limit.
	ErrTooLarge = errors.New("request body too large")
	// ErrBusy marks a request refused because the engine serves as many
	// heavy requests as it allows; it may be repeated after a moment.
	ErrBusy = errors.New("busy")
	// ErrUnauthorized marks a request without the engine's token.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden marks a request from a Host or Origin the API refuses.
	ErrForbidden = errors.New("forbidden")
	// ErrNotJSON marks a POST whose body is not declared as JSON.
	ErrNotJSON = errors.New("not JSON")
	// ErrUpstream marks a failure of a service the API proxies to.
	ErrUpstream = errors.New("upstream failed")
	// ErrInternal marks a failure of the engine itself.
	ErrInternal = errors.New("internal error")
)

// Kind is one error kind: its sentinel, the code it travels as, the HTTP
// status of its answers, and the kind it is a special case of.
type Kind struct {
	Err    error
	Code   string
	Status int
	// Parent is the more general kind this one refines (ErrNotStarted is
	// an ErrConflict), or nil.
	Parent error
}

// Kinds lists every error kind, the more specific before the more general:
// the first kind an error wraps gives its code and status.
func Kinds() []Kind {
	return []Kind{
		{Err: ErrNotStarted, Code: "not_running", Status: http.StatusConflict, Parent: ErrConflict},
		{Err: ErrAlreadyStarted, Code: "already_running", Status: http.StatusConflict, Parent: ErrConflict},
		{Err: ErrTooLarge, Code: "too_large", Status: http.StatusRequestEntityTooLarge},
		{Err: ErrBusy, Code: "busy", Status: http.StatusTooManyRequests},
		{Err: ErrBadRequest, Code: "bad_request", Status: http.StatusBadRequest},
		{Err: ErrInvalid, Code: "invalid", Status: http.StatusBadRequest},
		{Err: ErrNotFound, Code: "not_found", Status: http.StatusNotFound},
		{Err: ErrNotLoaded, Code: "not_loaded", Status: http.StatusConflict},
		{Err: ErrConflict, Code: "conflict", Status: http.StatusConflict},
		{Err: ErrNotImplemented, Code: "not_implemented", Status: http.StatusNotImplemented},
		{Err: ErrTimeout, Code: "timeout", Status: http.StatusGatewayTimeout},
		{Err: ErrUnavailable, Code: "unavailable", Status: http.StatusServiceUnavailable},
		{Err: ErrStorage, Code: "storage", Status: http.StatusInsufficientStorage},
		{Err: ErrUnauthorized, Code: "unauthorized", Status: http.StatusUnauthorized},
		{Err: ErrForbidden, Code: "forbidden", Status: http.StatusForbidden},
		{Err: ErrNotJSON, Code: "not_json", Status: http.StatusUnsupportedMediaType},
		{Err: ErrUpstream, Code: "upstream", Status: http.StatusBadGateway},
		{Err: ErrInternal, Code: "internal", Status: http.StatusInternalServerError},
	}
}

// KindOf returns the kind err wraps (the most specific one), and false when
// it wraps none.
func KindOf(err error) (Kind, bool) {
	for _, k := range Kinds() {
		if errors.Is(err, k.Err) {
			return k, true
		}
	}
	return Kind{}, false
}

// KindOfCode returns the kind a code names, and false for a code this
// version does not know.
func KindOfCode(code string) (Kind, bool) {
	for _, k := range Kinds() {
		if k.Code == code {
			return k, true
		}
	}
	return Kind{}, false
}

// KindOfStatus returns the most general kind answered with an HTTP status,
// for an answer that carries no code (a proxy's, or an older engine's).
func KindOfStatus(status int) (Kind, bool) {
	ks := Kinds()
	for i := len(ks) - 1; i >= 0; i-- {
		if ks[i].Status == status && ks[i].Parent == nil {
			return ks[i], true
		}
	}
	return Kind{}, false
}

// kindError is an error of one kind whose message is the message alone.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// Errorf formats an error of the given kind whose message does not name the
// kind; %w wraps as usual.
func Errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, err: fmt.Errorf(format, args...)}
}

// RetryAfter is implemented by errors that know when the request may be
// repeated; the API answers them with a Retry-After header.
type RetryAfter interface {
	RetryAfter() time.Duration
}

// ErrorAnswer is the body of every failed answer: JSORC's "success": false
// and "errors" (the messages, the first one whole, then one per field of an
// argument error), and jsorc's machine-readable "code" of the error's kind.
type ErrorAnswer struct {
	Success bool     `json:"success"`
	Errors  []string `json:"errors"`
	Code    string   `json:"code,omitempty"`
}
