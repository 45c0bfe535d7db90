package ui

import (
	"fmt"
	"sort"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// operation is a load or unload under way. A remote load is followed on
// each status read until the server is READY, so it never blocks the UI.
type operation struct {
	name, kind, mode string
	started          time.Time
	// awaitReady is set once the engine accepted a remote load.
	awaitReady bool
}

// readyTimeout bounds how long the console follows a remote load.
const readyTimeout = 120 * time.Second

// describe says what the operation is doing, for the status line.
func (o *operation) describe(now time.Time) string {
	verb := "loading"
	if o.kind == "unload" {
		verb = "unloading"
	}
	what := fmt.Sprintf("%s %s", verb, o.name)
	if o.mode != "" && o.mode != "auto" {
		what += " in " + o.mode + " mode"
	}
	if o.awaitReady {
		what += ", waiting for READY"
	}
	return what + "… " + fmtElapsed(now.Sub(o.started))
}

// begin records a new operation, or refuses while the module is busy.
// An unload cancels a load the console still follows: the engine stops
// the server that was starting.
func (m *model) begin(name, kind, mode string) bool {
	if op, busy := m.ops[name]; busy && kind == "unload" && op.kind == "load" {
		m.finish(name, toneWarn, fmt.Sprintf("cancelling the load of %s in %s mode after %s", name, op.mode, fmtElapsed(m.c.now().Sub(op.started))))
	}
	if op, busy := m.ops[name]; busy {
		m.say(toneWarn, fmt.Sprintf("%s is busy: %s", name, op.describe(m.c.now())))
		return false
	}
	m.ops[name] = &operation{name: name, kind: kind, mode: mode, started: m.c.now()}
	m.c.log.Info("operation started", "module", name, "op", kind, "mode", mode)
	return true
}

// finish ends an operation with a message.
func (m *model) finish(name string, t tone, text string) {
	delete(m.ops, name)
	m.say(t, text)
}

// startLoad loads a module; remote loads return at once and are followed.
func (m *model) startLoad(name, mode string) tea.Cmd {
	mode = modeName(mode)
	if !m.begin(name, "load", mode) {
		return nil
	}
	return tea.Batch(m.fetch.load(name, mode), m.startSpinner())
}

// startUnload unloads a module.
func (m *model) startUnload(name, mode string, retire bool) tea.Cmd {
	if !m.begin(name, "unload", mode) {
		return nil
	}
	return tea.Batch(m.fetch.unload(name, mode, retire), m.startSpinner())
}

// followOps checks the remote loads under way against fresh statuses.
func (m *model) followOps() tea.Cmd {
	now := m.c.now()
	for name, op := range m.ops {
		if !op.awaitReady {
			continue
		}
		st, ok := m.modules[name]
		if !ok {
			m.finish(name, toneErr, fmt.Sprintf("%s is no longer configured", name))
			continue
		}
		state := stateOf(st)
		took := fmtElapsed(now.Sub(op.started))
		switch {
		case state.word == "READY" && st.Serving == op.mode:
			m.finish(name, toneOK, fmt.Sprintf("%s READY in %s mode after %s", name, op.mode, took))
		case state.tone == toneErr:
			why := st.LastError
			if why == "" {
				why = st.Remote.LastError
			}
			m.finish(name, toneErr, fmt.Sprintf("loading %s in %s mode: %s after %s: %s", name, op.mode, state.word, took, why))
		case mode(st) != op.mode:
			m.finish(name, toneWarn, fmt.Sprintf("%s: the load in %s mode was superseded (mode now %s)", name, op.mode, orNone(mode(st))))
		case now.Sub(op.started) > readyTimeout:
			m.finish(name, toneErr, fmt.Sprintf("%s is not READY after %s; the engine keeps trying (enter shows its detail)", name, took))
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// activeOps lists the operations under way, oldest first.
func (m *model) activeOps() []*operation {
	out := make([]*operation, 0, len(m.ops))
	for _, op := range m.ops {
		out = append(out, op)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].started.Before(out[j].started) })
	return out
}

// busy reports whether anything is changing: an operation under way or a
// module starting or stopping. The spinner turns only then, so an idle
// console does no work between refreshes.
func (m *model) busy() bool {
	if len(m.ops) > 0 {
		return true
	}
	for _, r := range m.actions.rows {
		if r.state.busy {
			return true
		}
	}
	return false
}

// startSpinner starts the spinner if something is changing.
func (m *model) startSpinner() tea.Cmd {
	if m.spinning || !m.busy() {
		return nil
	}
	m.spinning = true
	return m.spinner.Tick
}

// handleSpin advances the spinner, or lets it stop once nothing changes.
func (m *model) handleSpin(msg spinner.TickMsg) tea.Cmd {
	if !m.busy() {
		m.spinning = false
		return nil
	}
	var cmd tea.Cmd
	m.spinner, cmd = m.spinner.Update(msg)
	m.actions.spin = m.spinner.View()
	return cmd
}
