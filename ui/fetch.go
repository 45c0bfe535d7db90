package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/measure"
)

// Timeouts of backend calls. Reads are quick; a load or unload waits for
// the engine (a module-mode load until it serves).
const (
	readTimeout  = 3 * time.Second
	writeTimeout = 60 * time.Second
	// refreshInterval is the period of the console's refresh tick.
	refreshInterval = time.Second
)

// fetcher runs backend calls as tea.Cmds, each bounded by a timeout and
// cancelled when the console ends.
type fetcher struct {
	ctx     context.Context
	backend Backend
	now     func() time.Time
}

func (f fetcher) fetchStatus() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
		defer cancel()
		st, err := f.backend.StatusAll(ctx)
		if err != nil {
			return fetchErrMsg{read: readStatus, what: "module status", err: err}
		}
		return statusMsg{status: st, at: f.now()}
	}
}

// readPlan says what a read of everything covers beyond the statuses,
// measurements, policy, services, benchmark and load test it always reads.
type readPlan struct {
	// samples is how many of the last samples to read.
	samples int
	// sys asks for the tracksys report, which holds every state of the run:
	// read each tick while tracksys runs, now and then otherwise.
	sys bool
	// epoch is the model's measuring epoch when the read was planned.
	epoch uint64
}

// readAll reads everything the panes show — statuses, measurements with
// the last samples, the policy, the services, the benchmark, the load test
// and, when planned, tracksys — in one go, so a quiet second costs the
// console one message and one draw.
func (f fetcher) readAll(plan readPlan, tick bool) tea.Msg {
	ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
	defer cancel()
	msg := refreshMsg{tick: tick, epoch: plan.epoch}
	status, err := f.backend.StatusAll(ctx)
	if err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readStatus, what: "module status", err: err})
	} else {
		msg.status = status
	}
	msg.at = f.now()
	if stats, err := f.backend.Stats(ctx, plan.samples); err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readStats, what: "measurements", err: err})
	} else {
		msg.stats = &stats
	}
	if policy, err := f.backend.PolicyGet(ctx); err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readPolicy, what: "policy", err: err})
	} else {
		msg.policy = &policy
	}
	if svc, err := f.backend.ServiceInfo(ctx); err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readServices, what: "services", err: err})
	} else {
		msg.services, msg.servicesOK = svc, true
	}
	switch report, err := f.backend.BenchmarkReport(ctx); {
	case err == nil:
		msg.bench = &benchRead{running: true, report: report}
	case notRunning(err):
		msg.bench = &benchRead{}
	default:
		msg.errs = append(msg.errs, fetchErrMsg{read: readBench, what: "the benchmark", err: err})
	}
	if lt, err := f.backend.LoadTestProgress(ctx); err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readLoadTest, what: "the load test", err: err})
	} else {
		msg.load = &lt
	}
	if plan.sys {
		if sys, err := f.backend.TrackSysReport(ctx); err != nil {
			msg.errs = append(msg.errs, fetchErrMsg{read: readSys, what: "tracksys", err: err})
		} else {
			msg.sys = &sys
		}
	}
	return msg
}

// notRunning reports whether err says a measuring tool does not run: the
// engine's measure.ErrNotStarted in-process, its message over HTTP (a
// 409).
func notRunning(err error) bool {
	return errors.Is(err, measure.ErrNotStarted) || strings.Contains(err.Error(), "is "+measure.ErrNotStarted.Error()+":")
}

// alreadyRunning reports whether err says a measuring tool runs already.
func alreadyRunning(err error) bool {
	return errors.Is(err, measure.ErrAlreadyStarted) || strings.Contains(err.Error(), "is "+measure.ErrAlreadyStarted.Error()+" ")
}

// refresh arms the 1 Hz refresh: when the tick fires, it reads everything.
// The root re-arms it when the answer arrives, so a slow engine delays the
// next refresh instead of piling reads up.
func (f fetcher) refresh(plan readPlan) tea.Cmd {
	return tea.Tick(refreshInterval, func(time.Time) tea.Msg { return f.readAll(plan, true) })
}

// load asks for a load without waiting for a remote server: the console
// follows it to READY on its refresh ticks.
func (f fetcher) load(name, mode string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		st, err := f.backend.Load(ctx, name, mode, false)
		return loadedMsg{name: name, mode: mode, status: st, err: err}
	}
}

func (f fetcher) unload(name, mode string, retire bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		msg, err := f.backend.Unload(ctx, name, mode, retire)
		return unloadedMsg{name: name, message: msg, err: err}
	}
}

func (f fetcher) setPolicy(name string, params map[string]any) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		msg, err := f.backend.PolicySet(ctx, name, params)
		return policySetMsg{name: name, message: msg, err: err}
	}
}

func (f fetcher) call(name string, args map[string]any) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		res, err := f.backend.Call(ctx, name, args)
		return calledMsg{name: name, result: res, err: err}
	}
}

// measure starts, reads or stops a measuring tool: tool is benchmark,
// trackact or tracksys, verb start, report or stop.
func (f fetcher) measure(tool, verb string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		msg := measureMsg{tool: tool, verb: verb}
		b := f.backend
		switch tool + " " + verb {
		case "benchmark start":
			msg.err = b.BenchmarkStart(ctx)
		case "benchmark report":
			msg.report, msg.err = b.BenchmarkReport(ctx)
		case "benchmark stop":
			msg.report, msg.err = b.BenchmarkStop(ctx)
		case "trackact start":
			msg.err = b.TrackActStart(ctx)
		case "trackact stop":
			msg.entries, msg.err = b.TrackActStop(ctx)
		case "tracksys start":
			msg.err = b.TrackSysStart(ctx)
		case "tracksys report":
			msg.sys, msg.err = b.TrackSysReport(ctx)
		case "tracksys stop":
			msg.sys, msg.err = b.TrackSysStop(ctx)
		default:
			msg.err = fmt.Errorf("no %s %s in the console", tool, verb)
		}
		msg.at = f.now()
		return msg
	}
}

// listen waits for the next engine event; the root re-issues it after each
// one, so the console hears every change without polling for it.
func listen(events <-chan engine.Event) tea.Cmd {
	if events == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-events
		if !ok {
			return eventsClosedMsg{}
		}
		return engineEventMsg(ev)
	}
}
