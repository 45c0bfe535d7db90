package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// keyAction is one entry of the key registry: a binding, where it applies
// and what it does. The same registry drives the key handling and the help
// screen, so help lists exactly the keys that work where the user is
// (k9s's action registry).
type keyAction struct {
	binding key.Binding
	// group is the help section.
	group string
	// short puts the key in the one-line help at the bottom.
	short bool
	// applies says whether the key does something now; nil: always.
	applies func(m *model) bool
	run     func(m *model, k tea.KeyPressMsg) tea.Cmd
	// dangerous marks a key that changes the engine: a read-only console
	// neither lists nor runs it.
	dangerous bool
	// confirm, when set, says whether the key asks first, and what.
	confirm func(m *model) (title, text string, ask bool)
}

// do adapts a handler that does not need the key.
func do(f func(m *model) tea.Cmd) func(*model, tea.KeyPressMsg) tea.Cmd {
	return func(m *model, _ tea.KeyPressMsg) tea.Cmd { return f(m) }
}

// Help sections, in the order the help screen shows them.
const (
	groupGeneral = "General"
	groupMove    = "Move"
	groupPane    = "This pane"
)

func bind(keys []string, helpKey, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
}

// Predicates of where keys apply.
// While an overlay (logs, output) is open, no pane's keys apply.
func inActions(m *model) bool      { return noOverlay(m) && m.focus == paneActions }
func inActionList(m *model) bool   { return inActions(m) && !m.actions.detailOpen() }
func inServices(m *model) bool     { return noOverlay(m) && m.focus == paneServices }
func inGraphs(m *model) bool       { return noOverlay(m) && m.focus == paneGraphs }
func notInGraphs(m *model) bool    { return m.focus != paneGraphs }
func inBenchmark(m *model) bool    { return noOverlay(m) && m.focus == paneBenchmark }
func inEvents(m *model) bool       { return noOverlay(m) && m.focus == paneEvents }
func notInBenchmark(m *model) bool { return m.focus != paneBenchmark }
func hasSelection(m *model) bool   { return inActions(m) && m.actions.selected() != "" }
func canGoBack(m *model) bool {
	return noOverlay(m) && ((inActions(m) && m.actions.detailOpen()) || m.actions.filterText() != "" ||
		(inGraphs(m) && m.graphs.module != ""))
}
func listMoves(m *model) bool     { return inActionList(m) }
func detailScrolls(m *model) bool { return inActions(m) && m.actions.detailOpen() }

// defaultKeys is the key registry. Order matters where two entries share a
// key: the first that applies wins.
func defaultKeys() []keyAction {
	return append(overlayKeys(), []keyAction{
		// General.
		{binding: bind([]string{"?"}, "?", "help"), group: groupGeneral, short: true, run: do((*model).toggleHelp)},
		{binding: bind([]string{":"}, ":", "command"), group: groupGeneral, short: true, run: do((*model).openCommandLine)},
		{binding: bind([]string{"tab"}, "tab", "next pane"), group: groupGeneral, short: true, run: do(func(m *model) tea.Cmd { return m.cycleFocus(1) })},
		{binding: bind([]string{"shift+tab"}, "shift+tab", "previous pane"), group: groupGeneral, run: do(func(m *model) tea.Cmd { return m.cycleFocus(-1) })},
		{binding: bind([]string{"esc"}, "esc", "back"), group: groupGeneral, short: true, applies: canGoBack, run: do((*model).back)},
		{binding: bind([]string{"p"}, "p", "choose policy"), group: groupGeneral, short: true, run: do((*model).openPolicyDialog), dangerous: true},
		{binding: bind([]string{"b"}, "b", "benchmark start/stop"), group: groupGeneral, applies: notInBenchmark, run: do((*model).benchmarkKey), dangerous: true},
		{binding: bind([]string{"t"}, "t", "trackact start/stop"), group: groupGeneral, run: do((*model).trackactKey), dangerous: true},
		{binding: bind([]string{"s"}, "s", "tracksys start/stop"), group: groupGeneral, applies: notInGraphs, run: do((*model).tracksysKey), dangerous: true},
		{binding: bind([]string{"q"}, "q", "quit"), group: groupGeneral, short: true, applies: noOverlay, run: do((*model).quit), confirm: confirmQuit},
		{binding: bind([]string{"ctrl+c"}, "ctrl+c", "quit (anywhere)"), group: groupGeneral, run: do((*model).quit)},

		// Actions pane.
		{binding: bind([]string{"enter", "d"}, "enter/d", "describe"), group: groupPane, short: true, applies: func(m *model) bool { return inActionList(m) && hasSelection(m) }, run: do((*model).openDetail)},
		{binding: bind([]string{"L"}, "L", "load (asks the mode)"), group: groupPane, short: true, applies: hasSelection, run: do((*model).openLoadDialog), dangerous: true},
		{binding: bind([]string{"c"}, "c", "call"), group: groupPane, short: true, applies: hasSelection, run: do((*model).startCall), dangerous: true},
		{binding: bind([]string{"u"}, "u", "unload"), group: groupPane, short: true, applies: hasSelection, run: do((*model).openUnloadDialog), dangerous: true},
		{binding: bind([]string{"m"}, "m", "switch mode"), group: groupPane, short: true, applies: hasSelection, run: do((*model).switchMode), dangerous: true, confirm: confirmSwitch},
		{binding: bind([]string{"/"}, "/", "filter (regex, ! inverts)"), group: groupPane, short: true, applies: inActionList, run: do((*model).openFilter)},
		{binding: bind([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "1…9 0", "sort by the column of that number (again: reverse)"), group: groupPane, applies: inActionList, run: (*model).sortBy},
		{binding: bind(strings.Split(sortLetters, ""), "shift+N…", "sort: N module O mode V serving S status R calls/s P p50 X p99 M mem C calls E errors K kind Z size I pid T restarts A cpu U url"), group: groupPane, applies: inActionList, run: (*model).sortBy},

		// Graphs pane.
		{binding: bind([]string{"+", "="}, "+", "longer time window"), group: groupPane, short: true, applies: inGraphs, run: do(func(m *model) tea.Cmd { return m.graphs.zoom(1) })},
		{binding: bind([]string{"-", "_"}, "-", "shorter time window"), group: groupPane, short: true, applies: inGraphs, run: do(func(m *model) tea.Cmd { return m.graphs.zoom(-1) })},

		// Benchmark pane: b is its own key there, listed first.
		{binding: bind([]string{"b"}, "b", "benchmark start/stop"), group: groupPane, short: true, applies: inBenchmark, run: do((*model).benchmarkKey), dangerous: true},

		// Graphs pane: s shows its source in the frame.
		{binding: bind([]string{"s"}, "s", "tracksys start/stop"), group: groupPane, short: true, applies: inGraphs, run: do((*model).tracksysKey), dangerous: true},

		// Moving.
		{binding: bind([]string{"up", "k"}, "↑/k", "up"), group: groupMove, applies: listMoves, run: do(func(m *model) tea.Cmd { m.actions.move(-1); return nil })},
		{binding: bind([]string{"down", "j"}, "↓/j", "down"), group: groupMove, applies: listMoves, run: do(func(m *model) tea.Cmd { m.actions.move(1); return nil })},
		{binding: bind([]string{"pgup", "ctrl+u"}, "pgup", "page up"), group: groupMove, applies: listMoves, run: do(func(m *model) tea.Cmd { m.actions.page(-1); return nil })},
		{binding: bind([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"), group: groupMove, applies: listMoves, run: do(func(m *model) tea.Cmd { m.actions.page(1); return nil })},
		{binding: bind([]string{"home", "g"}, "g", "first row"), group: groupMove, applies: listMoves, run: do(func(m *model) tea.Cmd { m.actions.moveTo(0); return nil })},
		{binding: bind([]string{"end", "G"}, "G", "last row"), group: groupMove, applies: listMoves, run: do(func(m *model) tea.Cmd { m.actions.moveTo(-1); return nil })},
		{binding: bind([]string{"up", "k"}, "↑/k", "scroll up"), group: groupMove, applies: detailScrolls, run: do(func(m *model) tea.Cmd { m.actions.detail.scroll(-1); return nil })},
		{binding: bind([]string{"down", "j"}, "↓/j", "scroll down"), group: groupMove, applies: detailScrolls, run: do(func(m *model) tea.Cmd { m.actions.detail.scroll(1); return nil })},
		{binding: bind([]string{"up", "k"}, "↑/k", "up"), group: groupMove, applies: inServices, run: do(func(m *model) tea.Cmd { m.services.move(-1); return nil })},
		{binding: bind([]string{"down", "j"}, "↓/j", "down"), group: groupMove, applies: inServices, run: do(func(m *model) tea.Cmd { m.services.move(1); return nil })},
		{binding: bind([]string{"up", "k"}, "↑/k", "newer events"), group: groupMove, applies: inEvents, run: do(func(m *model) tea.Cmd { m.eventsPane.scroll(-1); return nil })},
		{binding: bind([]string{"down", "j"}, "↓/j", "older events"), group: groupMove, applies: inEvents, run: do(func(m *model) tea.Cmd { m.eventsPane.scroll(1); return nil })},
		{binding: bind([]string{"pgup", "ctrl+u"}, "pgup", "page up"), group: groupMove, applies: inEvents, run: do(func(m *model) tea.Cmd { m.eventsPane.scroll(-m.eventsPane.page()); return nil })},
		{binding: bind([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"), group: groupMove, applies: inEvents, run: do(func(m *model) tea.Cmd { m.eventsPane.scroll(m.eventsPane.page()); return nil })},
		{binding: bind([]string{"home", "g"}, "g", "newest event"), group: groupMove, applies: inEvents, run: do(func(m *model) tea.Cmd { m.eventsPane.offset = 0; return nil })},
		{binding: bind([]string{"left"}, "←", "previous pane"), group: groupMove, applies: noOverlay, run: do(func(m *model) tea.Cmd { return m.cycleFocus(-1) })},
		{binding: bind([]string{"right"}, "→", "next pane"), group: groupMove, applies: noOverlay, run: do(func(m *model) tea.Cmd { return m.cycleFocus(1) })},
	}...)
}

// keyFor finds the registry entry a key press triggers now; off says a
// key that would apply but is off in a read-only console.
func (m *model) keyFor(msg tea.KeyPressMsg) (k *keyAction, off *keyAction) {
	for i := range m.c.keys {
		k := &m.c.keys[i]
		if !key.Matches(msg, k.binding) || (k.applies != nil && !k.applies(m)) {
			continue
		}
		if k.dangerous && m.readOnly {
			if off == nil {
				off = k
			}
			continue
		}
		return k, nil
	}
	return nil, off
}

// activeKeys lists the registry entries that apply now, for help.
func (m *model) activeKeys() []keyAction {
	var out []keyAction
	for _, k := range m.c.keys {
		if (k.applies == nil || k.applies(m)) && !(k.dangerous && m.readOnly) {
			out = append(out, k)
		}
	}
	return out
}

// runKey runs a key's action, asking first when the key says so.
func (m *model) runKey(a *keyAction, k tea.KeyPressMsg) tea.Cmd {
	if a.confirm != nil {
		if title, text, ask := a.confirm(m); ask {
			m.dialog = confirmDialog(title, text, func(m *model) tea.Cmd { return a.run(m, k) })
			return nil
		}
	}
	return a.run(m, k)
}
