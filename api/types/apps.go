package types

import (
	"encoding/json"
	"time"
)

// App is a named request flow, jsorc's analogue of a Jaseci walker: the
// ordered action calls one request makes.
type App struct {
	Steps []Step `json:"steps"`
	// Doc describes the app in one line.
	Doc string `json:"doc,omitempty"`
}

// Step is one action call of an app. In Args, the string "$ctx" stands for
// the request's whole context, "$ctx.KEY" for one of its fields and "$prev"
// for the previous step's result, at any depth.
type Step struct {
	Action string         `json:"action"`
	Args   map[string]any `json:"args,omitempty"`
}

// AppResult is the answer of one app request.
type AppResult struct {
	// Result is the last step's result; its numbers decode as
	// json.Number, keeping their literal.
	Result any `json:"result"`
	// Steps holds each step's latency in milliseconds, in order.
	StepsMS []float64 `json:"steps_ms"`
	// LatencyMS is the request's latency in milliseconds.
	LatencyMS float64 `json:"latency_ms"`
	// IsQueued answers an is_async run, as JSORC did: true with the task
	// id as Result, or false when the task service does not run and the
	// request ran at once. Absent otherwise.
	IsQueued *bool `json:"is_queued,omitempty"`
}

// UnmarshalJSON keeps the numbers of the result as written.
func (r *AppResult) UnmarshalJSON(b []byte) error {
	type plain AppResult
	return decodeNumbers(b, (*plain)(r))
}

// StoredReport is one stored report (benchmark, trackact, tracksys or
// loadtest) with when it was made.
type StoredReport struct {
	TS     time.Time       `json:"ts"`
	Report json.RawMessage `json:"report"`
}
