package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// Logs: the log of a module's action server or of a kept-alive service,
// read from the engine's jsorc_logs in pieces and followed by asking again
// from where the last piece ended — the same in-process and attached.

// logsPoll is how often an open logs view asks for what the log gained.
const logsPoll = 500 * time.Millisecond

// logsKeep bounds the lines a logs view holds.
const logsKeep = 20000

// logsFirst is how much of a log's end a logs view shows first.
const logsFirst = 256 << 10

// logsView shows one log and follows it.
type logsView struct {
	*scrollPane
	name, kind string
	// source is where the log is (a file, a pod); id and next where the
	// next piece starts.
	source, id string
	next       int64
	// partial is a last line the log has not ended yet.
	partial string
	// err is why the log cannot be read now ("" when it can); errShown
	// says the view shows it in place of the log.
	err      string
	errShown bool
	// gen tells this view's reads from those of a view closed before.
	gen uint64
}

// logsMsg brings a piece of a log.
type logsMsg struct {
	gen uint64
	ans types.LogsAnswer
	err error
}

// logsTickMsg asks an open logs view to read again.
type logsTickMsg struct{ gen uint64 }

// openLogs opens the log of a module (kind types.LogModule) or a service.
func (m *model) openLogs(name, kind string) tea.Cmd {
	m.logGen++
	v := &logsView{scrollPane: newScrollPane(m.c, logsKeep, true), name: name, kind: kind, gen: m.logGen}
	v.SetSize(m.c.width, m.bodyHeight())
	m.logs, m.overlay = v, overlayLogs
	return m.readLogs(types.LogsParams{Name: name, Kind: kind, Offset: -1, Max: logsFirst})
}

// readLogs asks for a piece of the open log.
func (m *model) readLogs(p types.LogsParams) tea.Cmd {
	f, gen := m.fetch, m.logGen
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
		defer cancel()
		ans, err := types.Call(ctx, f.backend, types.Logs, p)
		return logsMsg{gen: gen, ans: ans, err: err}
	}
}

// handleLogs takes in a piece of the open log and plans the next read: at
// once while the log holds more, else after logsPoll.
func (m *model) handleLogs(msg tea.Msg) tea.Cmd {
	v := m.logs
	switch msg := msg.(type) {
	case logsTickMsg:
		if v == nil || msg.gen != v.gen {
			return nil
		}
		return m.readLogs(types.LogsParams{Name: v.name, Kind: v.kind, Offset: v.next, ID: v.id, Max: types.MaxLogBytes})
	case logsMsg:
		if v == nil || msg.gen != v.gen {
			return nil
		}
		if msg.err != nil {
			v.err = msg.err.Error()
			if len(v.lines) == 0 || v.errShown {
				v.setLines(wrapLines("✗ "+v.err, max(20, v.w-4)))
				v.errShown = true
			}
		} else {
			if v.errShown {
				v.setLines(nil)
				v.errShown = false
			}
			v.err = ""
			v.take(msg.ans)
			if msg.ans.Next < msg.ans.Size {
				return m.readLogs(types.LogsParams{Name: v.name, Kind: v.kind, Offset: v.next, ID: v.id, Max: types.MaxLogBytes})
			}
		}
		gen := v.gen
		return tea.Tick(logsPoll, func(time.Time) tea.Msg { return logsTickMsg{gen: gen} })
	}
	return nil
}

// take appends a piece of the log.
func (v *logsView) take(a types.LogsAnswer) {
	if a.Reset && v.id != "" {
		v.appendLines([]string{v.partial, fmt.Sprintf("── the log started again (rotated or restarted): %s ──", a.Source)})
		v.partial = ""
	}
	v.source, v.id, v.next = a.Source, a.ID, a.Next
	if a.Text == "" {
		return
	}
	text := v.partial + a.Text
	lines := strings.Split(text, "\n")
	v.partial = lines[len(lines)-1]
	lines = lines[:len(lines)-1]
	if v.partial != "" && len(v.lines) == 0 && len(lines) == 0 {
		// A log of one unfinished line still shows it.
		lines, v.partial = []string{v.partial}, ""
	}
	v.appendLines(lines)
}

// view draws the log in its frame: whose log, where it is, and where the
// view is in it.
func (v *logsView) view() string {
	title := "Logs " + v.name
	if v.kind == types.LogService {
		title = "Logs service " + v.name
	}
	if v.source != "" {
		title += " · " + v.source
	}
	info := v.position()
	if v.err != "" {
		info = "✗ " + v.err
	}
	return v.framed(title, info)
}

// wrapLines wraps text to width w, as lines.
func wrapLines(text string, w int) []string {
	return strings.Split(wrapText(text, w), "\n")
}
