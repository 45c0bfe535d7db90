package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// link is what the console knows of its connection to the engine: when
// it was lost (zero while the engine answers), and which read failures it
// already logged, so a dead engine costs the log one line, not one per
// read per second.
type link struct {
	// lostAt is when the engine stopped answering; zero while it answers.
	lostAt time.Time
	// logged is the last failure logged of each read, and when.
	logged map[string]loggedFailure
}

type loggedFailure struct {
	text string
	at   time.Time
}

// relogAfter is how long the same failure of the same read stays out of
// the log.
const relogAfter = time.Minute

// unreachable reports whether a failed read means the engine cannot be
// reached (no answer at all), rather than that it refused the request.
func unreachable(err error) bool {
	if errors.Is(err, types.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	_, known := types.KindOf(err)
	return !known // a transport error carries no kind of the API
}

// lost reports whether the engine is unreachable.
func (m *model) lost() bool { return !m.link.lostAt.IsZero() }

// attached reports whether the console shows an engine over HTTP.
func (m *model) attached() bool { return m.engine != inProcess }

// inProcess is the engine's name in the header when the console runs it.
const inProcess = "in-process"

// loseEngine marks the engine unreachable: the rows show their last known
// state as unknown, the header says since when, and the status line says
// what to do; the log gets one line.
func (m *model) loseEngine(err error) {
	if m.lost() {
		return
	}
	m.link.lostAt = m.c.now()
	m.actions.setLost(true)
	// What to do comes first: a narrow status line cuts the rest (the
	// output pane keeps it whole).
	text := "lost the engine: the console retries each second; the table shows what was last known"
	if m.attached() {
		text = "lost the engine at " + m.engine + ": start it again (jsorc serve) or attach to another (jsorc console --attach URL); " +
			"the console retries each second; the table shows what was last known"
	}
	m.c.log.Warn("engine unreachable", "engine", m.engine, "err", err)
	m.status.set(m.c.now(), toneErr, text)
	m.output.add(m.c.now().In(m.c.loc), toneErr, text, "")
}

// findEngine marks the engine reachable again; it reads what may have
// changed meanwhile, the graph history included.
func (m *model) findEngine() tea.Cmd {
	if !m.lost() {
		return nil
	}
	m.c.log.Info("engine reachable again", "engine", m.engine, "after", m.c.now().Sub(m.link.lostAt).Round(time.Second))
	m.link.lostAt = time.Time{}
	m.link.logged = nil
	m.actions.setLost(false)
	m.say(toneOK, "the engine answers again")
	cmds := []tea.Cmd{m.read(readStatus), m.fetch.history(""), m.fetch.keptEvents()}
	if m.events == nil {
		cmds = append(cmds, m.fetch.subscribe())
	}
	return tea.Batch(cmds...)
}

// logFailure logs a failed read unless the same failure of the same read
// was logged within relogAfter, or the engine is known to be unreachable
// (that was logged once).
func (m *model) logFailure(e fetchErrMsg) {
	if m.lost() {
		return
	}
	if m.link.logged == nil {
		m.link.logged = map[string]loggedFailure{}
	}
	text, now := e.Error(), m.c.now()
	if last, ok := m.link.logged[e.read]; ok && last.text == text && now.Sub(last.at) < relogAfter {
		return
	}
	m.link.logged[e.read] = loggedFailure{text: text, at: now}
	m.c.log.Warn("reading the engine failed", "what", e.what, "err", e.err)
}
