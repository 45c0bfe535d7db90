package ui

import (
	"errors"
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
	readHistory  = "history"
	readEvents   = "events"
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
	case historyMsg:
		if msg.err != nil {
			m.c.log.Debug("no graph history", "module", msg.module, "err", msg.err)
			return nil
		}
		m.graphs.setHistory(msg.module, msg.points)
	}
	return nil
}

// samplesWanted is how many of the engine's latest samples a read asks
// for: those since the last read (the graphs' history came with
// jsorc_history), or ten minutes' worth before any.
func (m *model) samplesWanted() int {
	full := int(10 * time.Minute / types.SampleInterval)
	if m.statsAt.IsZero() || len(m.graphs.engine) == 0 {
		return full
	}
	n := int(m.c.now().Sub(m.statsAt)/types.SampleInterval) + 2
	return max(1, min(full, n))
}

// followSubject shows the graphs of the module whose detail is open, or
// the engine's, and reads the history of a new subject.
func (m *model) followSubject() tea.Cmd {
	if m.layout.dashboard() && m.layout.detail != m.actions.detailOpen() {
		m.resize(m.c.width, m.c.height)
	}
	name := ""
	if m.actions.detailOpen() {
		name = m.actions.selected()
	}
	st := m.modules[name]
	if !m.graphs.setSubject(name, mode(st) != "remote") || name == "" {
		return nil
	}
	return m.fetch.history(name)
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
		m.statsAt = m.c.now()
		m.graphs.addSamples("", m.stats.Series)
		m.graphs.setPodsNote(m.stats.ServersNote)
		if msg.status == nil {
			m.actions.setStats(m.stats)
		}
	}
	if msg.module != "" {
		m.graphs.addSamples(msg.module, msg.modPts)
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
	if msg.stats != nil {
		cmds = append(cmds, m.findEngine())
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
	resize := len(status) != len(m.modules) && m.layout.dashboard()
	m.modules, m.readAt, m.readErr = status, at, nil
	if resize {
		m.resize(m.c.width, m.c.height) // the table's rows changed
	}
	m.actions.setData(m.modules, m.stats)
	return tea.Batch(m.followOps(), m.startSpinner())
}

// readFailed shows a failed read in the header, and the engine as lost
// when it does not answer at all; the log gets each failure once (see
// logFailure).
func (m *model) readFailed(e fetchErrMsg) {
	m.logFailure(e)
	m.readErr = e
	if m.attached() && unreachable(e.err) && (e.read == readStats || e.read == readStatus) {
		m.loseEngine(e.err)
	}
}

// handleEvent reads the engine again when it says something changed, and
// listens for the next event. A stream that ends (the engine went away, or
// an attached one restarted) is asked for again after a while; the 1 Hz
// refresh goes on meanwhile.
func (m *model) handleEvent(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case subscribedMsg:
		if msg.err != nil {
			// Once a minute at most, and not while the engine is away.
			m.logFailure(fetchErrMsg{read: readEvents, what: "the event stream (polling meanwhile)", err: msg.err})
			return m.fetch.subscribeAfter(resubscribeAfter)
		}
		if m.events != nil {
			msg.cancel() // a second subscription raced the first: one is enough
			return nil
		}
		m.events, m.unsubscribe = msg.events, msg.cancel
		// A new stream: the engine may have restarted, or the console
		// missed what happened while it was away.
		cmds := []tea.Cmd{listen(m.events), m.fetch.keptEvents(), m.fetch.history("")}
		if m.graphs.module != "" {
			cmds = append(cmds, m.fetch.history(m.graphs.module))
		}
		return tea.Batch(cmds...)
	case keptEventsMsg:
		if msg.err != nil {
			m.c.log.Debug("no kept events", "err", msg.err)
			return nil
		}
		m.eventsPane.setKept(msg.answer.Boot, msg.answer.Events)
		return nil
	case eventsClosedMsg:
		m.close()
		m.events = nil
		if m.attached() && m.fetch.ctx.Err() == nil {
			// The client closes the stream when the engine stays away.
			m.loseEngine(errors.New("the event stream ended"))
		}
		if m.fetch.ctx.Err() != nil {
			return nil
		}
		return m.fetch.subscribeAfter(resubscribeAfter)
	}
	ev := types.Event(msg.(engineEventMsg))
	m.eventsPane.add(ev)
	cmds := []tea.Cmd{m.takeEvent(ev), listen(m.events)}
	if ev.Type == types.EventReset {
		cmds = append(cmds, m.fetch.keptEvents())
	}
	return tea.Batch(cmds...)
}

// takeEvent reads again what an event says changed.
func (m *model) takeEvent(ev types.Event) tea.Cmd {
	switch ev.Type {
	case types.EventModule, types.EventLoad, types.EventUnload, types.EventSwitch, types.EventCrash, types.EventRestart:
		if d := m.actions.detail; d != nil && d.name == ev.Name && ev.Type != types.EventModule {
			return tea.Batch(m.read(readStatus), m.describe(ev.Name))
		}
		return m.read(readStatus)
	case types.EventMeasure:
		// trackact has no report to read: the event is how the console
		// hears of a start or stop made elsewhere.
		switch ev.Name {
		case toolTrackAct:
			m.meas.trackact = ev.Message == "started"
		case toolTrackSys:
			// The read that follows reads its report while it runs.
			m.meas.sysActive = ev.Message == "started"
		}
	}
	return m.readAll()
}
