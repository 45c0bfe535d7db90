package types

import "time"

// The engine's graph history (jsorc_history): the samples it takes each
// SampleInterval, kept at full resolution for HistoryFine and downsampled
// beyond (HistorySteps), for the whole engine and for each module that was
// active. It lives in the engine, so a console that attaches or re-attaches
// reads the same history an in-process one does.

// HistorySteps are the resolutions of the history, finest first, and
// HistorySpans how far back each reaches: 1 s points for 10 minutes, 10 s
// points for an hour, 1 min points for six hours.
func HistorySteps() []time.Duration {
	return []time.Duration{time.Second, 10 * time.Second, time.Minute}
}

// HistorySpans are how far back each of HistorySteps reaches.
func HistorySpans() []time.Duration {
	return []time.Duration{10 * time.Minute, time.Hour, 6 * time.Hour}
}

// MaxHistorySpan is the longest span jsorc_history answers: the coarsest
// resolution's reach.
const MaxHistorySpan = 6 * time.Hour

// HistoryParams are jsorc_history's parameters: whose history (Module, ""
// for the whole engine), the points after Since (none: all), and how far
// back (SpanS seconds, default and at most MaxHistorySpan).
type HistoryParams struct {
	Module string    `json:"module,omitempty"`
	Since  time.Time `json:"since,omitzero"`
	SpanS  float64   `json:"span_s,omitempty"`
}

// Check bounds the span.
func (p HistoryParams) Check() error {
	return paramRange("span_s", p.SpanS, 0, MaxHistorySpan.Seconds(), "seconds")
}

// SeriesAnswer is jsorc_history's answer: the points oldest first, each at
// the finest resolution still kept for its time, so the newest are 1 s
// apart and older ones 10 s or 1 min (a point stands for the interval
// that ends at its TS: rates and CPU are its means, latency quantiles
// the largest of its seconds).
//
// For the engine (Module ""), a point covers every action call, and CPU
// and memory the engine's process and every action server it measures.
// For a module, it covers the module's calls, and CPU and memory its own
// action server when it has one the engine measures (SysSource says so;
// "" when the module runs in-process, whose cost is the engine's).
type SeriesAnswer struct {
	Module string   `json:"module,omitempty"`
	Points []Sample `json:"points"`
}

// EventsParams are jsorc_events's parameters: the kept events after
// number Since of the engine's current run (0: every kept one), at most
// Limit of the newest (0: every one).
type EventsParams struct {
	Since uint64 `json:"since,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// Check bounds the limit.
func (p EventsParams) Check() error {
	return paramRange("limit", float64(p.Limit), 0, MaxKeptEvents, "")
}

// MaxKeptEvents is how many of its latest events the engine keeps.
const MaxKeptEvents = 1024

// EventsAnswer is jsorc_events's answer: the engine's run (Boot) and its
// latest event's number, and the kept events asked for, oldest first;
// Complete is false when some after Since are no longer kept.
type EventsAnswer struct {
	Boot     string  `json:"boot"`
	Seq      uint64  `json:"seq"`
	Events   []Event `json:"events"`
	Complete bool    `json:"complete"`
}
