package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// The call form (c): a field per parameter of an action, built from the
// action's spec (jsorc_actions_describe); what the fields hold becomes the
// call's JSON arguments, and the result lands in the output.

// callForm is an open call form. While it is open it has every key.
type callForm struct {
	action types.ActionSpec
	inputs []textinput.Model
	focus  int
	// err says why the fields cannot make a call yet.
	err string
}

// startCall asks for the selected module's actions; the form opens when
// they arrive.
func (m *model) startCall() tea.Cmd {
	name := m.actions.selected()
	if name == "" {
		return nil
	}
	m.calling = name
	return m.describe(name)
}

// offerCall opens the form of the module's one action, or asks which.
func (m *model) offerCall(msg describedMsg) tea.Cmd {
	if msg.err != nil {
		m.say(toneErr, fmt.Sprintf("describing %s: %v", msg.name, msg.err))
		return nil
	}
	acts := msg.ans.Actions
	switch len(acts) {
	case 0:
		m.say(toneWarn, msg.name+"'s actions are known once it serves: load it first (L)")
		return nil
	case 1:
		return m.openCallForm(acts[0])
	}
	d := &dialog{title: "Call an action of " + msg.name}
	for i, a := range acts {
		k := ""
		if i < 9 {
			k = fmt.Sprint(i + 1)
		}
		d.choices = append(d.choices, choice{label: a.Name, key: k, run: func(m *model) tea.Cmd { return m.openCallForm(a) }})
	}
	m.dialog = d
	return nil
}

// openCallForm opens the form of one action.
func (m *model) openCallForm(a types.ActionSpec) tea.Cmd {
	f := &callForm{action: a}
	st := textinput.DefaultStyles(true)
	st.Cursor.Blink = false
	st.Focused.Prompt, st.Blurred.Prompt = m.c.styles.Prompt, m.c.styles.Muted
	st.Focused.Text = m.c.styles.Input
	st.Focused.Placeholder, st.Blurred.Placeholder = m.c.styles.Muted, m.c.styles.Muted
	for _, p := range a.Params {
		in := textinput.New()
		in.Prompt = "› "
		in.Placeholder = placeholder(p)
		in.SetStyles(st)
		in.SetWidth(44)
		f.inputs = append(f.inputs, in)
	}
	m.form = f
	return f.focusOn(0)
}

// placeholder says what a field takes.
func placeholder(p types.ParamSpec) string {
	switch p.Kind {
	case types.ParamRest:
		return `JSON list, e.g. [1, "two"] (optional)`
	case types.ParamOpts:
		return `JSON object, e.g. {"k": "v"} (optional)`
	}
	what := "text or JSON"
	switch p.Type {
	case "str":
		what = "text"
	case "int", "float":
		what = "a number"
	case "bool":
		what = "true or false"
	case "list":
		what = "a JSON list"
	case "dict":
		what = "a JSON object"
	}
	if p.Kind == types.ParamOptional {
		def := "its default"
		if p.Default != nil {
			def = compactJSON(p.Default)
		}
		what += ", empty: " + def
	}
	return what
}

// focusOn moves the focus to field i.
func (f *callForm) focusOn(i int) tea.Cmd {
	if len(f.inputs) == 0 {
		return nil
	}
	f.focus = (i + len(f.inputs)) % len(f.inputs)
	var cmd tea.Cmd
	for j := range f.inputs {
		if j == f.focus {
			cmd = f.inputs[j].Focus()
		} else {
			f.inputs[j].Blur()
		}
	}
	return cmd
}

// handleFormKey edits the form, moves between its fields, calls, or
// cancels.
func (m *model) handleFormKey(k tea.KeyPressMsg) tea.Cmd {
	f := m.form
	switch k.String() {
	case "esc":
		m.form = nil
		return nil
	case "tab", "down":
		return f.focusOn(f.focus + 1)
	case "shift+tab", "up":
		return f.focusOn(f.focus - 1)
	case "enter":
		if f.focus < len(f.inputs)-1 {
			return f.focusOn(f.focus + 1)
		}
		return m.submitCall()
	case "ctrl+s":
		return m.submitCall()
	}
	if len(f.inputs) == 0 {
		return nil
	}
	var cmd tea.Cmd
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(k)
	f.err = ""
	return cmd
}

// submitCall calls the action with the form's arguments.
func (m *model) submitCall() tea.Cmd {
	f := m.form
	args, err := f.args()
	if err != nil {
		f.err = err.Error()
		return nil
	}
	m.form = nil
	m.say(toneNone, "calling "+f.action.Name+"…")
	return m.fetch.call(f.action.Name, args)
}

// args turns the fields into the call's arguments: an empty field is left
// out (the action's default applies), a text field takes the text, the
// others JSON (or, where the type is not known, JSON when it reads as
// JSON and the text otherwise).
func (f *callForm) args() (map[string]any, error) {
	args := map[string]any{}
	for i, p := range f.action.Params {
		raw := strings.TrimSpace(f.inputs[i].Value())
		if raw == "" {
			continue
		}
		name := p.Name // variadics travel under their spec names ("*rest")
		var v any
		jsonErr := json.Unmarshal([]byte(raw), &v)
		switch {
		case p.Type == "str":
			var s string
			if json.Unmarshal([]byte(raw), &s) != nil {
				s = f.inputs[i].Value() // plain text, as typed
			}
			v = s
		case jsonErr == nil:
		case p.Type == "" || p.Type == "any":
			if p.Kind == types.ParamRest || p.Kind == types.ParamOpts {
				return nil, fmt.Errorf("%s: %v (it takes %s)", p.Name, jsonErr, placeholder(p))
			}
			v = f.inputs[i].Value()
		default:
			return nil, fmt.Errorf("%s: %v (it takes %s)", p.Name, jsonErr, placeholder(p))
		}
		args[name] = v
	}
	return args, nil
}

// view draws the form as a framed box at most w cells wide.
func (f *callForm) view(c *common, w int) string {
	s := c.styles
	var b strings.Builder
	b.WriteString(s.Title.Render("Call " + f.action.Name))
	if f.action.Doc != "" {
		b.WriteString("\n" + s.Muted.Render(f.action.Doc))
	}
	b.WriteString("\n")
	if len(f.inputs) == 0 {
		b.WriteString("\n" + s.Muted.Render("It takes no parameters."))
	}
	for i, p := range f.action.Params {
		label := paramText(p)
		if p.Kind == types.ParamRequired {
			label += s.Warn.Render(" *")
		}
		b.WriteString("\n" + label + "\n" + f.inputs[i].View())
	}
	if f.err != "" {
		b.WriteString("\n\n" + s.Err.Render(wrapText("✗ "+f.err, min(56, w-8))))
	}
	b.WriteString("\n\n" + s.Muted.Render("tab next field · enter call (from the last) · ctrl+s call · esc cancel"))
	return s.Dialog.Render(b.String())
}
