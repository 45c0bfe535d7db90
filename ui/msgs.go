package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// statusMsg carries every module's status.
type statusMsg struct {
	status map[string]types.ActionStatus
	at     time.Time
}

// refreshMsg carries everything the panes show, read at once; a part
// that could not be read is nil and its error is in errs.
type refreshMsg struct {
	status map[string]types.ActionStatus
	stats  *types.Stats
	policy *types.PolicyState
	at     time.Time
	errs   []fetchErrMsg
	// tick marks the answer of the 1 Hz refresh, which re-arms it.
	tick bool

	// services is the kept-alive services (valid when servicesOK).
	services   map[string]types.ServiceInfo
	servicesOK bool
	// bench is the benchmark's report, or that none runs; load the load
	// test's progress; sys the tracksys report, read when the plan asked.
	bench *benchRead
	load  *types.LoadTestStatus
	sys   *types.SysReport
	// epoch is the measuring epoch the read was planned in: bench and sys
	// read before a start or stop answered are stale and left out.
	epoch uint64
	// modPts are the newest points of module's history.
	module string
	modPts []types.Sample
}

// historyMsg brings the graph history of the engine (module "") or of a
// module.
type historyMsg struct {
	module string
	points []types.Sample
	err    error
}

// benchRead is what a read of the benchmark found.
type benchRead struct {
	running bool
	report  types.Report
}

// fetchErrMsg reports a failed refresh: the engine could not be read.
type fetchErrMsg struct {
	// read is the read that failed (readStatus…); what names it for people.
	read, what string
	err        error
}

func (e fetchErrMsg) Error() string { return fmt.Sprintf("reading %s: %v", e.what, e.err) }

// loadedMsg answers a load request.
type loadedMsg struct {
	name, mode string
	status     types.ActionStatus
	err        error
}

// unloadedMsg answers an unload request.
type unloadedMsg struct {
	name    string
	message string
	err     error
}

// policySetMsg answers a policy change.
type policySetMsg struct {
	name, message string
	err           error
}

// calledMsg answers an action call from the command line.
type calledMsg struct {
	name   string
	result any
	err    error
}

// measureMsg answers a start, report or stop of a measuring tool:
// benchmark, trackact or tracksys.
type measureMsg struct {
	tool, verb string
	report     types.Report
	entries    []types.Entry
	sys        types.SysReport
	err        error
	at         time.Time
}

// engineEventMsg says that something of the engine changed; the console
// reads it again.
type engineEventMsg types.Event

// keptEventsMsg brings the events the engine kept.
type keptEventsMsg struct {
	answer types.EventsAnswer
	err    error
}

// eventsClosedMsg says the engine's event stream ended.
type eventsClosedMsg struct{}

// subscribedMsg brings the engine's event stream, or why there is none.
type subscribedMsg struct {
	events <-chan types.Event
	cancel context.CancelFunc
	err    error
}

// ranMsg answers a verb run through the API from the command line: the
// verb, its positional arguments, and a pointer to its answer.
type ranMsg struct {
	path   string
	args   []string
	answer any
	err    error
}
