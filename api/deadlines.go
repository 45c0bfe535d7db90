package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// Time budgets of the API's calls. The HTTP server's own timeouts suit a
// quick call; a call that waits (a load with wait, a load test, an action
// call) gets a budget of its own: its context ends then, so it answers 504
// instead of hanging, and the connection's deadlines are moved past it.
const (
	// defaultBudget is the budget of every call not named below.
	defaultBudget = 2 * time.Minute
	// callBudget bounds actions_call and app_run.
	callBudget = 10 * time.Minute
	// loadTimeout is jsorc_actions_load's default timeout.
	loadTimeout = 60 * time.Second
	// unloadBudget bounds jsorc_actions_unload and jsorc_actions_delete.
	unloadBudget = 60 * time.Second
	// loadTestRunSlack is what one load-test run may take beyond its
	// duration: loading its modules (up to two minutes each, for a few)
	// and retiring them.
	loadTestRunSlack = 10 * time.Minute
	// deadlineMargin is how long after its budget a call's connection
	// stays open, for the answer to be written.
	deadlineMargin = 15 * time.Second
)

// loadBudget is a load's: its timeout, or loadTimeout. Its parameters have
// not been checked yet; the handler refuses bad ones.
func loadBudget(p types.ActionsLoadParams) time.Duration {
	if p.Check() == nil && p.Timeout > 0 {
		return secondsDuration(p.Timeout)
	}
	return loadTimeout
}

// loadTestBudget is a load test's: each of its runs' duration with slack
// for loading and retiring modules.
func loadTestBudget(p types.LoadTestParams) time.Duration {
	if p.CheckBounds() != nil {
		return defaultBudget
	}
	run := 180 * time.Second
	if p.ExperimentDuration > 0 {
		run = secondsDuration(p.ExperimentDuration)
	}
	runs := time.Duration(strings.Count(p.Policy, ",") + 1)
	return runs * (run + loadTestRunSlack)
}

// secondsDuration converts checked seconds to a Duration.
func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// withBudget bounds a call: its context ends after d, and the connection's
// read and write deadlines move to just after that (a read deadline that
// passed mid-call would cancel it, a write deadline would cut its answer).
func withBudget(w http.ResponseWriter, r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	rc := http.NewResponseController(w)
	end := time.Now().Add(d + deadlineMargin)
	// Not every ResponseWriter supports deadlines (a test recorder does
	// not); the context bounds the call either way.
	_ = rc.SetReadDeadline(end)
	_ = rc.SetWriteDeadline(end)
	return context.WithTimeout(r.Context(), d)
}
