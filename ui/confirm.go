package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// Confirmations: a key that changes what serves calls, or ends an engine,
// asks first. The dialog's cursor starts on "no", so a stray enter does
// nothing.

// confirmDialog asks a yes/no question; yes runs run.
func confirmDialog(title, text string, run func(m *model) tea.Cmd) *dialog {
	return &dialog{title: title, text: text, cursor: 1, choices: []choice{
		{label: "yes", key: "y", run: run},
		{label: "no", key: "n", run: func(*model) tea.Cmd { return nil }},
	}}
}

// confirmSwitch asks before m moves the selected module to its other mode.
func confirmSwitch(m *model) (string, string, bool) {
	name := m.actions.selected()
	st, ok := m.actions.selectedStatus()
	if !ok {
		return "", "", false
	}
	to := ""
	switch mode(st) {
	case "module":
		to = "remote"
	case "remote":
		if !hasInProcess(st) {
			return "", "", false // switchMode says why it cannot
		}
		to = "module"
	default:
		return "", "", false
	}
	return fmt.Sprintf("Switch %s to %s mode?", name, to),
		fmt.Sprintf("%s serves in %s mode now. Calls keep going there until the %s placement is READY, then move; none fails.", name, mode(st), to), true
}

// confirmQuit asks before q stops an in-process engine that serves
// modules: quitting the console stops its engine and action servers.
func confirmQuit(m *model) (string, string, bool) {
	if m.engine != "in-process" {
		return "", "", false
	}
	servers, loaded := 0, 0
	for _, st := range m.modules {
		if mode(st) != "" || st.Serving != "" {
			loaded++
		}
		if st.Remote.Status != "" && !st.Remote.External {
			servers++
		}
	}
	if loaded == 0 && servers == 0 {
		return "", "", false
	}
	var title string
	switch servers {
	case 0:
		title = fmt.Sprintf("Quit and stop the engine (%s loaded)?", plural(loaded, "module"))
	default:
		title = fmt.Sprintf("Quit and stop %s?", plural(servers, "action server"))
	}
	text := fmt.Sprintf("The engine runs in this console: quitting stops it, with its %s loaded and %s. "+
		"Their modes are kept and come back at the next start. (To leave an engine running, run `jsorc serve` and attach with `jsorc console --attach URL`.)", plural(loaded, "module"), plural(servers, "action server"))
	return title, text, true
}

// plural says n things, in the singular for one.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
