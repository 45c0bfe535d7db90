package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// Overlays are the views that take the whole body over the panes: the
// logs of a module or service, and the output history. esc goes back to
// the panes; their keys come from the same registry as every other.

// overlayID names the open overlay.
type overlayID int

const (
	overlayNone overlayID = iota
	overlayLogs
	overlayOutput
)

// overlays is the root model's part that holds them.
type overlays struct {
	overlay overlayID
	logs    *logsView
	output  *outputView
	// logGen numbers the logs views opened, so a closed view's reads are
	// dropped.
	logGen uint64
	// form is the open call form; calling the module whose actions a
	// call form waits for.
	form    *callForm
	calling string
	// where is where the engine runs things (jsorc_engine_info).
	where types.EngineInfoAnswer
}

// Help section of the overlays' keys.
const groupView = "This view"

// Predicates of the overlays' keys.
func inOverlay(m *model) bool   { return m.overlay != overlayNone }
func noOverlay(m *model) bool   { return m.overlay == overlayNone }
func unwrapped(m *model) bool   { s := m.scrolled(); return s != nil && !s.vp.SoftWrap }
func hasMatches(m *model) bool  { s := m.scrolled(); return s != nil && s.matches > 0 }
func logsTarget(m *model) bool  { _, _, ok := m.logsTarget(); return ok }
func outputShown(m *model) bool { return m.overlay == overlayOutput }

// overlayKeys are the keys of the overlays, and those that open them.
func overlayKeys() []keyAction {
	scroll := func(f func(s *scrollPane)) func(*model, tea.KeyPressMsg) tea.Cmd {
		return func(m *model, _ tea.KeyPressMsg) tea.Cmd {
			if s := m.scrolled(); s != nil {
				f(s)
			}
			return nil
		}
	}
	return []keyAction{
		{binding: bind([]string{"esc", "q"}, "esc", "back to the panes"), group: groupView, short: true, applies: inOverlay, run: do((*model).closeOverlay)},
		{binding: bind([]string{"up", "k"}, "↑/k", "scroll up"), group: groupView, applies: inOverlay, run: scroll(func(s *scrollPane) { s.scroll(-1) })},
		{binding: bind([]string{"down", "j"}, "↓/j", "scroll down"), group: groupView, applies: inOverlay, run: scroll(func(s *scrollPane) { s.scroll(1) })},
		{binding: bind([]string{"pgup", "ctrl+u", "b"}, "pgup", "page up"), group: groupView, applies: inOverlay, run: scroll(func(s *scrollPane) { s.page(-1) })},
		{binding: bind([]string{"pgdown", "ctrl+d", "space"}, "pgdn", "page down"), group: groupView, applies: inOverlay, run: scroll(func(s *scrollPane) { s.page(1) })},
		{binding: bind([]string{"home", "g"}, "g", "top (stops following)"), group: groupView, applies: inOverlay, run: scroll((*scrollPane).top)},
		{binding: bind([]string{"end", "G"}, "G", "end, and follow"), group: groupView, short: true, applies: inOverlay, run: scroll((*scrollPane).bottom)},
		{binding: bind([]string{"/"}, "/", "search (regex)"), group: groupView, short: true, applies: inOverlay, run: do((*model).openSearch)},
		{binding: bind([]string{"n"}, "n", "next match"), group: groupView, short: true, applies: hasMatches, run: scroll(func(s *scrollPane) { s.nextMatch(1) })},
		{binding: bind([]string{"N"}, "N", "previous match"), group: groupView, applies: hasMatches, run: scroll(func(s *scrollPane) { s.nextMatch(-1) })},
		{binding: bind([]string{"w"}, "w", "wrap long lines on/off"), group: groupView, short: true, applies: inOverlay, run: scroll((*scrollPane).toggleWrap)},
		{binding: bind([]string{"left", "h"}, "←/h", "scroll left"), group: groupView, applies: unwrapped, run: scroll(func(s *scrollPane) { s.sideways(-8) })},
		{binding: bind([]string{"right", "l"}, "→/l", "scroll right"), group: groupView, applies: unwrapped, run: scroll(func(s *scrollPane) { s.sideways(8) })},
		{binding: bind([]string{"o"}, "o", "close the output"), group: groupView, applies: outputShown, run: do((*model).closeOverlay)},

		// Opening them.
		{binding: bind([]string{"l"}, "l", "logs"), group: groupPane, short: true, applies: logsTarget, run: do((*model).openSelectedLogs)},
		{binding: bind([]string{"o"}, "o", "output"), group: groupGeneral, short: true, applies: noOverlay, run: do((*model).openOutput)},
	}
}

// logsTarget is whose log l shows: the module or service under the
// cursor.
func (m *model) logsTarget() (name, kind string, ok bool) {
	if m.overlay != overlayNone {
		return "", "", false
	}
	switch m.focus {
	case paneActions:
		if n := m.actions.selected(); n != "" {
			return n, types.LogModule, true
		}
	case paneServices:
		if n := m.services.selected(); n != "" {
			return n, types.LogService, true
		}
	}
	return "", "", false
}

// openSelectedLogs opens the log of the module or service under the cursor.
func (m *model) openSelectedLogs() tea.Cmd {
	name, kind, ok := m.logsTarget()
	if !ok {
		return nil
	}
	return m.openLogs(name, kind)
}

// openOutput shows the output history.
func (m *model) openOutput() tea.Cmd {
	m.output.SetSize(m.c.width, m.bodyHeight())
	m.output.unseen = 0
	m.overlay = overlayOutput
	return nil
}

// closeOverlay goes back to the panes; an open log stops being followed.
func (m *model) closeOverlay() tea.Cmd {
	if m.overlay == overlayLogs {
		m.logs = nil
		m.logGen++
	}
	m.overlay = overlayNone
	return nil
}

// scrolled is the open overlay's text, nil when none is open.
func (m *model) scrolled() *scrollPane {
	switch m.overlay {
	case overlayLogs:
		if m.logs != nil {
			return m.logs.scrollPane
		}
	case overlayOutput:
		return m.output.scrollPane
	}
	return nil
}

// overlayView draws the open overlay.
func (m *model) overlayView() string {
	switch m.overlay {
	case overlayLogs:
		if m.logs != nil {
			return m.logs.view()
		}
	case overlayOutput:
		return m.output.view()
	}
	return ""
}

// bodyHeight is the height of the body between header and footer.
func (m *model) bodyHeight() int { return m.layout.bodyH }

// sizeOverlays gives the overlays the body's size.
func (m *model) sizeOverlays() {
	if m.logs != nil {
		m.logs.SetSize(m.c.width, m.bodyHeight())
	}
	m.output.SetSize(m.c.width, m.bodyHeight())
}

// openSearch opens the search line of the open overlay.
func (m *model) openSearch() tea.Cmd {
	p := &prompt{kind: promptSearch}
	if s := m.scrolled(); s != nil {
		p.prior = s.search
		p.edit.set(s.search)
	}
	m.prompt = p
	return nil
}

// helpTitle names where the user is, for the help's "this pane" section.
func (m *model) helpTitle() string {
	switch m.overlay {
	case overlayLogs:
		return "Logs"
	case overlayOutput:
		return "Output"
	}
	return m.focus.String()
}
