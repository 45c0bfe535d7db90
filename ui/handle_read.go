package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// Reads of the engine, by name in model.inflight.
const (
	readStatus   = "status"
	readStats    = "stats"
	readPolicy   = "policy"
	readServices = "services"
	readBench    = "benchmark"
	readLoadTest = "loadtest"
	readSys      = "tracksys"
)

// readAll reads everything now (not on the tick), unless a read of
// everything is under way.
func (m *model) readAll() tea.Cmd {
	if m.inflight[readStats] {
		return nil
	}
	m.inflight[readStats] = true
	f, plan := m.fetch, m.plan(false)
	return func() tea.Msg { return f.readAll(plan, false) }
}

// read reads the statuses again, now, unless a read is under way; one
// asked for meanwhile is done when it ends.
func (m *model) read(what string) tea.Cmd {
	if what != readStatus {
		return m.readAll()
	}
	if m.inflight[readStatus] {
		m.stale = true
		return nil
	}
	m.inflight[readStatus] = true
	return m.fetch.fetchStatus()
}

// handleRead takes in what a read brought back.
func (m *model) handleRead(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case refreshMsg:
		return m.handleRefresh(msg)
	case statusMsg:
		m.inflight[readStatus] = false
		cmds := []tea.Cmd{m.takeStatus(msg.status, msg.at)}
		if m.stale {
			m.stale = false
			cmds = append(cmds, m.read(readStatus))
		}
		return tea.Batch(cmds...)
	case fetchErrMsg:
		m.inflight[msg.read] = false
		m.readFailed(msg)
	}
	return nil
}

// handleRefresh takes in a read of everything; the tick's own answer
// re-arms the tick.
func (m *model) handleRefresh(msg refreshMsg) tea.Cmd {
	var cmds []tea.Cmd
	if msg.tick {
		m.status.expire(m.c.now())
		cmds = append(cmds, m.fetch.refresh(m.plan(true)))
	} else {
		m.inflight[readStats] = false
	}
	if msg.stats != nil {
		m.stats = *msg.stats
		m.graphs.setSeries(m.stats.Series)
		if msg.status == nil {
			m.actions.setStats(m.stats)
		}
	}
	if msg.status != nil {
		cmds = append(cmds, m.takeStatus(msg.status, msg.at))
	}
	if msg.policy != nil {
		m.policyNow = *msg.policy
		m.policy.setPolicy(*msg.policy)
	}
	if msg.servicesOK {
		m.services.setInfo(msg.services)
	}
	if msg.load != nil {
		m.bench.setLoadTest(*msg.load)
	}
	// A start or stop answered since this read was planned: what it says
	// of the benchmark and tracksys may be older than that answer.
	if msg.epoch == m.meas.epoch {
		if msg.bench != nil {
			m.bench.setRead(*msg.bench, msg.at)
		}
		if msg.sys != nil {
			m.takeSys(*msg.sys)
		}
	}
	for i := len(msg.errs) - 1; i >= 0; i-- {
		m.readFailed(msg.errs[i]) // the first failure shows
	}
	if len(msg.errs) == 0 && msg.status == nil {
		// A read without the statuses (events keep them fresh) still
		// says the engine answers.
		m.readAt, m.readErr = msg.at, nil
	}
	return tea.Batch(cmds...)
}

// takeStatus installs fresh statuses and follows the operations under way.
func (m *model) takeStatus(status map[string]types.ActionStatus, at time.Time) tea.Cmd {
	m.modules, m.readAt, m.readErr = status, at, nil
	m.actions.setData(m.modules, m.stats)
	return tea.Batch(m.followOps(), m.startSpinner())
}

// readFailed shows a failed read in the header; the log gets each new
// failure once.
func (m *model) readFailed(e fetchErrMsg) {
	if m.readErr == nil || m.readErr.Error() != e.Error() {
		m.c.log.Warn("reading the engine failed", "what", e.what, "err", e.err)
	}
	m.readErr = e
}

// handleEvent reads the engine again when it says something changed, and
// listens for the next event. A stream that ends (the engine went away, or
// an attached one restarted) is asked for again after a while; the 1 Hz
// refresh goes on meanwhile.
func (m *model) handleEvent(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case subscribedMsg:
		if msg.err != nil {
			m.c.log.Info("no event stream: polling", "err", msg.err)
			return m.fetch.subscribeAfter(resubscribeAfter)
		}
		m.events, m.unsubscribe = msg.events, msg.cancel
		return listen(m.events)
	case eventsClosedMsg:
		m.close()
		m.events = nil
		if m.fetch.ctx.Err() != nil {
			return nil
		}
		return m.fetch.subscribeAfter(resubscribeAfter)
	}
	ev := types.Event(msg.(engineEventMsg))
	return tea.Batch(m.takeEvent(ev), listen(m.events))
}

// takeEvent reads again what an event says changed.
func (m *model) takeEvent(ev types.Event) tea.Cmd {
	switch ev.Type {
	case types.EventModule, types.EventLoad, types.EventUnload, types.EventSwitch, types.EventCrash, types.EventRestart:
		return m.read(readStatus)
	case types.EventMeasure:
		// trackact has no report to read: the event is how the console
		// hears of a start or stop made elsewhere.
		if ev.Name == toolTrackAct {
			m.meas.trackact = ev.Message == "started"
		}
	}
	return m.readAll()
}
