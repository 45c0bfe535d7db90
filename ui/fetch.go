package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/internal/verbs"
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
		st, err := types.Call(ctx, f.backend, types.ActionsStatus, types.ActionsStatusParams{})
		if err != nil {
			return fetchErrMsg{read: readStatus, what: "module status", err: err}
		}
		return statusMsg{status: st.All, at: f.now()}
	}
}

// readPlan says what a read covers beyond the measurements and the policy
// it always reads.
type readPlan struct {
	// samples is how many of the last samples to read.
	samples int
	// status, services, policy, bench and load ask for the module
	// statuses, the services, the policy, the benchmark's report and the
	// load test's progress. With the event stream up, the 1 Hz refresh
	// reads them only when they are running or now and then: events say
	// when they change.
	status, services, policy, bench, load bool
	// sys asks for the tracksys report, which holds every state of the run:
	// read each tick while tracksys runs, now and then otherwise.
	sys bool
	// epoch is the model's measuring epoch when the read was planned.
	epoch uint64
	// module is the module whose graphs show ("" none): its history
	// after moduleSince is read too.
	module      string
	moduleSince time.Time
	// probe reads the measurements only: the engine is away and the read
	// tells when it is back.
	probe bool
}

// readAll reads what the plan asks of everything the panes show —
// statuses, measurements with the last samples, the policy, the services,
// the benchmark, the load test and tracksys — in one go, so a quiet second costs the
// console one message and one draw.
func (f fetcher) readAll(plan readPlan, tick bool) tea.Msg {
	ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
	defer cancel()
	msg := refreshMsg{tick: tick, epoch: plan.epoch}
	b := f.backend
	if plan.status {
		status, err := types.Call(ctx, b, types.ActionsStatus, types.ActionsStatusParams{})
		if err != nil {
			msg.errs = append(msg.errs, fetchErrMsg{read: readStatus, what: "module status", err: err})
		} else {
			msg.status = status.All
		}
	}
	msg.at = f.now()
	if stats, err := types.Call(ctx, b, types.EngineStats, types.StatsParams{Samples: plan.samples}); err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readStats, what: "measurements", err: err})
	} else {
		msg.stats = &stats.Stats
	}
	if plan.probe {
		return msg
	}
	if !plan.policy {
		// Not asked for: events tell of its changes.
	} else if policy, err := types.Call(ctx, b, types.PolicyGet, types.NoParams{}); err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readPolicy, what: "policy", err: err})
	} else {
		msg.policy = &policy.Policy
	}
	if plan.services {
		if svc, err := types.Call(ctx, b, types.Services, types.NoParams{}); err != nil {
			msg.errs = append(msg.errs, fetchErrMsg{read: readServices, what: "services", err: err})
		} else {
			msg.services, msg.servicesOK = svc.Services, true
		}
	}
	if plan.bench {
		switch report, err := types.Call(ctx, b, types.BenchmarkReport, types.NoParams{}); {
		case err == nil:
			msg.bench = &benchRead{running: true, report: report.Report}
		case errors.Is(err, types.ErrNotStarted):
			msg.bench = &benchRead{}
		default:
			msg.errs = append(msg.errs, fetchErrMsg{read: readBench, what: "the benchmark", err: err})
		}
	}
	if plan.load {
		if lt, err := types.Call(ctx, b, types.LoadTestProgress, types.NoParams{}); err != nil {
			msg.errs = append(msg.errs, fetchErrMsg{read: readLoadTest, what: "the load test", err: err})
		} else {
			msg.load = &lt
		}
	}
	if plan.module != "" {
		p := types.HistoryParams{Module: plan.module, Since: plan.moduleSince}
		if h, err := types.Call(ctx, b, types.History, p); err != nil {
			msg.errs = append(msg.errs, fetchErrMsg{read: readHistory, what: plan.module + "'s history", err: err})
		} else {
			msg.module, msg.modPts = plan.module, h.Points
		}
	}
	if plan.sys {
		if sys, err := types.Call(ctx, b, types.TrackSysReport, types.NoParams{}); err != nil {
			msg.errs = append(msg.errs, fetchErrMsg{read: readSys, what: "tracksys", err: err})
		} else {
			msg.sys = &sys
		}
	}
	return msg
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
		ans, err := types.Call(ctx, f.backend, types.ActionsLoad, types.ActionsLoadParams{Name: name, Mode: mode})
		return loadedMsg{name: name, mode: mode, status: ans.Status, err: err}
	}
}

func (f fetcher) unload(name, mode string, retire bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		ans, err := types.Call(ctx, f.backend, types.ActionsUnload, types.ActionsUnloadParams{Name: name, Mode: mode, RetireSvc: &retire})
		return unloadedMsg{name: name, message: ans.Message, err: err}
	}
}

func (f fetcher) setPolicy(name string, params map[string]any) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		ans, err := types.Call(ctx, f.backend, types.PolicySet, types.PolicySetParams{PolicyName: name, PolicyParams: params})
		return policySetMsg{name: name, message: ans.Message, err: err}
	}
}

func (f fetcher) call(name string, args map[string]any) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		ans, err := types.Call(ctx, f.backend, types.ActionsCall, types.CallParams{Name: name, Ctx: args})
		return calledMsg{name: name, result: ans.Result, err: err}
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
		none := types.NoParams{}
		switch tool + " " + verb {
		case "benchmark start":
			_, msg.err = types.Call(ctx, b, types.BenchmarkStart, none)
		case "benchmark report":
			var a types.BenchmarkAnswer
			a, msg.err = types.Call(ctx, b, types.BenchmarkReport, none)
			msg.report = a.Report
		case "benchmark stop":
			var a types.BenchmarkAnswer
			a, msg.err = types.Call(ctx, b, types.BenchmarkStop, types.BenchmarkStopParams{Strict: true})
			msg.report = a.Report
		case "trackact start":
			_, msg.err = types.Call(ctx, b, types.TrackActStart, none)
		case "trackact stop":
			var a types.HistoryAnswer
			a, msg.err = types.Call(ctx, b, types.TrackActStop, types.StopParams{Strict: true})
			msg.entries = a.History
		case "tracksys start":
			_, msg.err = types.Call(ctx, b, types.TrackSysStart, none)
		case "tracksys report":
			msg.sys, msg.err = types.Call(ctx, b, types.TrackSysReport, none)
		case "tracksys stop":
			msg.sys, msg.err = types.Call(ctx, b, types.TrackSysStop, types.StopParams{Strict: true})
		default:
			msg.err = fmt.Errorf("no %s %s in the console", tool, verb)
		}
		msg.at = f.now()
		return msg
	}
}

// resubscribeAfter is how long the console waits before subscribing again
// to an engine whose event stream ended or could not start; it polls
// meanwhile.
const resubscribeAfter = 3 * time.Second

// subscribe asks for the engine's event stream; after is how long to wait
// first (0 for at once).
func (f fetcher) subscribe() tea.Cmd { return f.subscribeAfter(0) }

func (f fetcher) subscribeAfter(after time.Duration) tea.Cmd {
	open := func() tea.Msg {
		ctx, cancel := context.WithCancel(f.ctx)
		ch, err := f.backend.Events(ctx)
		if err != nil {
			cancel()
			return subscribedMsg{err: err}
		}
		return subscribedMsg{events: ch, cancel: cancel}
	}
	if after <= 0 {
		return open
	}
	return tea.Tick(after, func(time.Time) tea.Msg { return open() })
}

// history reads the graph history of the engine (module "") or of a
// module, as long as the longest graph window.
func (f fetcher) history(module string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
		defer cancel()
		a, err := types.Call(ctx, f.backend, types.History, types.HistoryParams{Module: module, SpanS: keepFor().Seconds()})
		return historyMsg{module: module, points: a.Points, err: err}
	}
}

// keptEvents reads the events the engine kept, for the event feed of a
// console that starts, attaches again, or was told it missed some.
func (f fetcher) keptEvents() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
		defer cancel()
		a, err := types.Call(ctx, f.backend, types.RecentEvents, types.EventsParams{Limit: maxEvents})
		return keptEventsMsg{answer: a, err: err}
	}
}

// listen waits for the next engine event; the root re-issues it after each
// one, so the console hears every change without polling for it.
func listen(events <-chan types.Event) tea.Cmd {
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

// run runs a verb of the CLI through the API: its parameters built from
// its arguments (reading the files it names), one call, and its answer.
// A long verb (a load test) runs as long as it takes; its progress shows
// in the Benchmark pane meanwhile.
func (f fetcher) run(path string, in verbs.Input) tea.Cmd {
	return func() tea.Msg {
		msg := ranMsg{path: path, args: in.Args}
		v, _ := verbs.Find(verbs.All(), strings.Fields(path))
		if v == nil || v.Endpoint == "" {
			msg.err = fmt.Errorf("%s is not a verb of the API", path)
			return msg
		}
		in.ReadFile = os.ReadFile
		params, err := v.Params(in)
		if err != nil {
			msg.err = err
			return msg
		}
		info, ok := types.Lookup(v.Endpoint)
		if !ok {
			msg.err = fmt.Errorf("%s calls %s, which this console does not know", path, v.Endpoint)
			return msg
		}
		ctx, cancel := f.ctx, context.CancelFunc(func() {})
		if !v.Long {
			ctx, cancel = context.WithTimeout(f.ctx, writeTimeout)
		}
		defer cancel()
		msg.answer = info.NewAnswer()
		msg.err = f.backend.Call(ctx, v.Endpoint, params, msg.answer)
		return msg
	}
}
