package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// handleKey routes a key press: ctrl+c always quits; otherwise an open
// dialog, prompt or help screen has the key; otherwise the key registry.
func (m *model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	if k.String() == "ctrl+c" {
		return m.quit()
	}
	switch {
	case m.dialog != nil:
		return m.handleDialogKey(k)
	case m.form != nil:
		return m.handleFormKey(k)
	case m.prompt != nil:
		return m.handlePromptKey(k)
	case m.showHelp:
		return m.handleHelpKey(k)
	}
	a, off := m.keyFor(k)
	switch {
	case a != nil:
		return m.runKey(a, k)
	case off != nil:
		m.say(toneWarn, fmt.Sprintf("read-only console: %s (%s) would change the engine", off.binding.Help().Key, off.binding.Help().Desc))
	}
	return nil
}

// handleHelpKey scrolls or closes the help screen.
func (m *model) handleHelpKey(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc", "?", "q", "enter":
		m.showHelp = false
	case "up", "k":
		m.help.scroll(-1)
	case "down", "j":
		m.help.scroll(1)
	case ":":
		m.showHelp = false
		return m.openCommandLine()
	}
	return nil
}

// toggleHelp shows or hides the help screen.
func (m *model) toggleHelp() tea.Cmd {
	m.showHelp = !m.showHelp
	m.help.offset = 0
	return nil
}

// setFocus moves the focus to pane p, closing an open overlay.
func (m *model) setFocus(p paneID) tea.Cmd {
	m.closeOverlay()
	m.focus = p
	return nil
}

// cycleFocus moves the focus d panes on.
func (m *model) cycleFocus(d int) tea.Cmd {
	return m.setFocus(paneID((int(m.focus) + d + int(paneCount)) % int(paneCount)))
}

// back closes the detail, or clears the filter.
func (m *model) back() tea.Cmd {
	switch {
	case m.actions.detailOpen():
		m.actions.closeDetail()
	case m.actions.filterText() != "":
		m.actions.setFilter(parseFilter(""))
	}
	return nil
}

// openDetail shows the selected module's detail and asks for its
// description.
func (m *model) openDetail() tea.Cmd {
	m.actions.openDetail()
	if m.actions.detail == nil {
		return nil
	}
	return m.describe(m.actions.detail.name)
}

// sortBy sorts the module table by the column whose number or letter
// (with shift) was pressed; again reverses. The header's arrow shows the
// direction.
func (m *model) sortBy(k tea.KeyPressMsg) tea.Cmd {
	col := sortColumnOf(k.String())
	if col < 0 || col >= len(actionColumns()) {
		return nil
	}
	m.actions.sortBy(col)
	dir := "ascending ↑"
	if m.actions.desc {
		dir = "descending ↓"
	}
	m.say(toneNone, fmt.Sprintf("sorted by %s, %s", actionColumns()[col].title, dir))
	return nil
}
