package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// choice is one option of a dialog.
type choice struct {
	label string
	// key chooses it directly.
	key string
	// disabled options are shown struck out with why.
	disabled bool
	why      string
	run      func(m *model) tea.Cmd
}

// dialog asks the user to pick one of a few choices. While open it has
// every key.
type dialog struct {
	title, text string
	choices     []choice
	cursor      int
}

// handleDialogKey moves in the open dialog, or chooses.
func (m *model) handleDialogKey(k tea.KeyPressMsg) tea.Cmd {
	d := m.dialog
	switch k.String() {
	case "esc", "q":
		m.dialog = nil
		return nil
	case "left", "up", "h", "k", "shift+tab":
		d.step(-1)
		return nil
	case "right", "down", "l", "j", "tab":
		d.step(1)
		return nil
	case "enter", "space":
		return m.choose(d.cursor)
	}
	for i, c := range d.choices {
		if c.key != "" && k.String() == c.key {
			return m.choose(i)
		}
	}
	return nil
}

// step moves the cursor to the next choice that can be chosen.
func (d *dialog) step(dir int) {
	n := len(d.choices)
	for i := 1; i <= n; i++ {
		j := ((d.cursor+dir*i)%n + n) % n
		if !d.choices[j].disabled {
			d.cursor = j
			return
		}
	}
}

func (m *model) choose(i int) tea.Cmd {
	c := m.dialog.choices[i]
	if c.disabled {
		m.say(toneWarn, c.why)
		return nil
	}
	m.dialog = nil
	return c.run(m)
}

// view draws the dialog as a framed box at most w cells wide, as narrow
// as its content allows.
func (d *dialog) view(c *common, w int) string {
	s := c.styles
	labels := make([]string, len(d.choices))
	inner := max(widthOf(d.title), 26)
	for i, ch := range d.choices {
		label := ch.label
		if ch.key != "" {
			label = "[" + ch.key + "] " + label
		}
		if ch.disabled {
			label += " — " + ch.why
		}
		labels[i] = label
		inner = max(inner, widthOf(label)+4)
	}
	inner = min(inner, w-6)
	var b strings.Builder
	b.WriteString(s.Title.Render(d.title))
	if d.text != "" {
		text := wrapText(d.text, max(inner, min(56, w-6)))
		for _, l := range strings.Split(text, "\n") {
			inner = max(inner, widthOf(l))
		}
		b.WriteString("\n\n" + text)
	}
	b.WriteString("\n")
	for i, ch := range d.choices {
		st, mark := s.Choice, "  "
		switch {
		case ch.disabled:
			st = s.ChoiceDisabled
		case i == d.cursor:
			st, mark = s.ChoiceSelected, "▸ "
		}
		b.WriteString("\n" + st.Render(fit(mark+labels[i], inner-2)))
	}
	b.WriteString("\n\n" + s.Muted.Render("enter choose · esc cancel"))
	return s.Dialog.Render(b.String())
}

// openLoadDialog asks in which mode to load the selected module.
func (m *model) openLoadDialog() tea.Cmd {
	name := m.actions.selected()
	st, ok := m.actions.selectedStatus()
	if !ok {
		return nil
	}
	cur := mode(st)
	mk := func(md, label, key string) choice {
		return choice{label: label, key: key, run: func(m *model) tea.Cmd { return m.startLoad(name, md) }}
	}
	module := mk("module", "module — in-process", "m")
	if !hasInProcess(st) {
		module.disabled, module.why = true, "no in-process implementation"
	}
	remote := mk("remote", "remote — its own action server", "r")
	d := &dialog{title: "Load " + name, choices: []choice{module, remote}}
	if cur != "" {
		d.text = fmt.Sprintf("%s is loaded in %s mode now; loading it in the other mode switches it without failing a call.", name, cur)
	}
	if cur == "module" || module.disabled {
		d.cursor = 1
	}
	m.dialog = d
	return nil
}

// openUnloadDialog asks before unloading the selected module.
func (m *model) openUnloadDialog() tea.Cmd {
	name := m.actions.selected()
	st, ok := m.actions.selectedStatus()
	if !ok {
		return nil
	}
	cur := mode(st)
	if cur == "" && !(st.Remote.Status != "" && st.Remote.PID > 0) {
		m.say(toneWarn, name+" is not loaded")
		return nil
	}
	unload := func(retire bool) func(m *model) tea.Cmd {
		return func(m *model) tea.Cmd { return m.startUnload(name, "auto", retire) }
	}
	d := &dialog{title: "Unload " + name}
	switch {
	case cur == "remote" && st.Serving != "remote" && !st.Remote.External:
		// Still starting (or down): unloading cancels the load.
		state := orNone(st.Remote.Status)
		if st.Serving != "" {
			state += ", calls served in " + st.Serving + " mode meanwhile"
		}
		d.text = fmt.Sprintf("%s is not serving in remote mode yet (its action server: %s). Unloading cancels the load and stops the server.", name, state)
		d.choices = []choice{{label: "cancel the load and stop its action server", key: "y", run: unload(true)}}
	case cur == "remote" && !st.Remote.External:
		d.text = fmt.Sprintf("%s serves in remote mode. Unloading stops its calls.", name)
		d.choices = []choice{
			{label: "unload and stop its action server", key: "y", run: unload(true)},
			{label: "unload, keep the server warm", key: "w", run: unload(false)},
		}
	case cur == "":
		d.text = fmt.Sprintf("%s is not loaded, but its action server is still up (warm).", name)
		d.choices = []choice{{label: "stop the warm action server", key: "y", run: unload(true)}}
	default:
		d.text = fmt.Sprintf("%s serves in %s mode. Unloading stops its calls.", name, cur)
		d.choices = []choice{{label: "unload", key: "y", run: unload(true)}}
	}
	d.choices = append(d.choices, choice{label: "cancel", key: "n", run: func(*model) tea.Cmd { return nil }})
	m.dialog = d
	return nil
}

// openPolicyDialog lets the user choose the action policy.
func (m *model) openPolicyDialog() tea.Cmd {
	if len(m.policyNow.Available) == 0 {
		m.say(toneWarn, "the engine has not said which policies it knows yet: try again in a moment")
		return nil
	}
	d := &dialog{title: "Action policy", text: "Choose the policy that decides the modes from now on."}
	for i, name := range m.policyNow.Available {
		name := name
		label := name
		if name == m.policyNow.Name {
			label += " (active)"
			d.cursor = i
		}
		set := func(m *model) tea.Cmd { return m.fetch.setPolicy(name, nil) }
		d.choices = append(d.choices, choice{label: label, key: fmt.Sprint(i + 1), run: func(m *model) tea.Cmd {
			if name == m.policyNow.Name {
				return set(m)
			}
			m.dialog = confirmDialog("Set policy "+name+"?",
				fmt.Sprintf("%s decides the modes from now on instead of %s, and may move modules at once.", name, orNone(m.policyNow.Name)), set)
			return nil
		}})
	}
	m.dialog = d
	return nil
}

// switchMode loads the selected module in its other mode.
func (m *model) switchMode() tea.Cmd {
	name := m.actions.selected()
	st, ok := m.actions.selectedStatus()
	if !ok {
		return nil
	}
	switch mode(st) {
	case "module":
		return m.startLoad(name, "remote")
	case "remote":
		if !hasInProcess(st) {
			m.say(toneWarn, name+" has no in-process implementation: it can only run remotely")
			return nil
		}
		return m.startLoad(name, "module")
	}
	m.say(toneWarn, name+" is not loaded: l loads it")
	return nil
}
