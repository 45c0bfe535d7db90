package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/engine"
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

// readAll reads everything the panes show — statuses, measurements with
// the last samples, the policy — in one go, so a quiet second costs the
// console one message and one draw.
func (f fetcher) readAll(samples int, tick bool) tea.Msg {
	ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
	defer cancel()
	msg := refreshMsg{tick: tick}
	status, err := f.backend.StatusAll(ctx)
	if err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readStatus, what: "module status", err: err})
	} else {
		msg.status = status
	}
	msg.at = f.now()
	if stats, err := f.backend.Stats(ctx, samples); err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readStats, what: "measurements", err: err})
	} else {
		msg.stats = &stats
	}
	if policy, err := f.backend.PolicyGet(ctx); err != nil {
		msg.errs = append(msg.errs, fetchErrMsg{read: readPolicy, what: "policy", err: err})
	} else {
		msg.policy = &policy
	}
	return msg
}

// refresh arms the 1 Hz refresh: when the tick fires, it reads everything.
// The root re-arms it when the answer arrives, so a slow engine delays the
// next refresh instead of piling reads up.
func (f fetcher) refresh(samples int) tea.Cmd {
	return tea.Tick(refreshInterval, func(time.Time) tea.Msg { return f.readAll(samples, true) })
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
