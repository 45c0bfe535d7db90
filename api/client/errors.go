package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// Error is an answer with "success": false: the HTTP status, the engine's
// code and messages, and when to try again if the engine said. It wraps the
// error kind of api/types its code names (or, without a code, its status
// stands for), so errors.Is(err, types.ErrNotFound) works.
type Error struct {
	Status int
	Code   string
	Errors []string
	// RetryAfter is the answer's Retry-After, 0 when it had none.
	RetryAfter time.Duration
}

// Error joins the engine's messages.
func (e *Error) Error() string {
	if len(e.Errors) == 0 {
		return fmt.Sprintf("engine answered HTTP %d", e.Status)
	}
	return strings.Join(e.Errors, "; ")
}

// Unwrap returns the error's kind and the kind it refines, if any.
func (e *Error) Unwrap() []error {
	k, ok := types.KindOfCode(e.Code)
	if !ok {
		if k, ok = types.KindOfStatus(e.Status); !ok {
			return nil
		}
	}
	if k.Parent != nil {
		return []error{k.Err, k.Parent}
	}
	return []error{k.Err}
}

// answerError reads a failed answer: JSON with errors and a code, or
// whatever a proxy in between said.
func answerError(resp *http.Response, raw []byte) *Error {
	var fail types.ErrorAnswer
	if json.Unmarshal(raw, &fail) != nil || len(fail.Errors) == 0 {
		fail.Errors = []string{strings.TrimSpace(string(raw))}
		fail.Code = ""
	}
	e := &Error{Status: resp.StatusCode, Code: fail.Code, Errors: fail.Errors}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}
