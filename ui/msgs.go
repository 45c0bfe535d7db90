package ui

import (
	"fmt"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// statusMsg carries every module's status.
type statusMsg struct {
	status map[string]engine.ActionStatus
	at     time.Time
}

// refreshMsg carries everything the panes show, read at once; a part
// that could not be read is nil and its error is in errs.
type refreshMsg struct {
	status map[string]engine.ActionStatus
	stats  *engine.Stats
	policy *engine.PolicyState
	at     time.Time
	errs   []fetchErrMsg
	// tick marks the answer of the 1 Hz refresh, which re-arms it.
	tick bool
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
	status     engine.ActionStatus
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

// engineEventMsg says that something of the engine changed; the console
// reads it again.
type engineEventMsg engine.Event

// eventsClosedMsg says the engine's event stream ended.
type eventsClosedMsg struct{}
