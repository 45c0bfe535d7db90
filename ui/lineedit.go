package ui

import (
	"strings"
	"unicode"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// lineEdit is the bottom line's editor — the `:` command line, the `/`
// filter and searches — on bubbles' textinput: the readline keys users
// expect (ctrl+a/e/u/k/w, alt+←/→), horizontal scrolling of a line wider
// than the screen, and the completion the command line offers shown as a
// suggestion after the cursor. Its cursor does not blink, so an open line
// costs nothing while the user thinks.
type lineEdit struct {
	ti    textinput.Model
	ready bool
}

// init makes the textinput on first use (the zero lineEdit is usable).
func (e *lineEdit) init() {
	if e.ready {
		return
	}
	e.ti = textinput.New()
	e.ti.Prompt = ""
	e.ti.ShowSuggestions = true
	e.ti.KeyMap.Paste.SetEnabled(false) // the terminal's bracketed paste arrives as a PasteMsg
	// up, down and tab are the prompt's (history, completion).
	e.ti.KeyMap.NextSuggestion.SetEnabled(false)
	e.ti.KeyMap.PrevSuggestion.SetEnabled(false)
	e.ti.KeyMap.AcceptSuggestion.SetEnabled(false)
	st := e.ti.Styles()
	st.Cursor.Blink = false
	e.ti.SetStyles(st)
	e.ti.Focus()
	e.ready = true
}

// String is the edited text.
func (e *lineEdit) String() string {
	e.init()
	return e.ti.Value()
}

// set replaces the text and puts the cursor at its end.
func (e *lineEdit) set(s string) {
	e.init()
	e.ti.SetValue(s)
	e.ti.CursorEnd()
}

// insert types s at the cursor, without control characters.
func (e *lineEdit) insert(s string) {
	e.init()
	rs := []rune(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s))
	v := []rune(e.ti.Value())
	pos := min(e.ti.Position(), len(v))
	out := make([]rune, 0, len(v)+len(rs))
	out = append(out, v[:pos]...)
	out = append(out, rs...)
	out = append(out, v[pos:]...)
	e.ti.SetValue(string(out))
	e.ti.SetCursor(pos + len(rs))
}

// edit applies an editing key and reports whether it changed the text or
// moved the cursor.
func (e *lineEdit) edit(k tea.KeyPressMsg) bool {
	e.init()
	before, pos := e.ti.Value(), e.ti.Position()
	e.ti, _ = e.ti.Update(k)
	return e.ti.Value() != before || e.ti.Position() != pos
}

// setWidth sets how many cells the text may take; a longer line scrolls.
func (e *lineEdit) setWidth(w int) {
	e.init()
	e.ti.SetWidth(max(1, w))
}

// suggest offers full lines the text may complete to; the first that
// extends it shows after the cursor.
func (e *lineEdit) suggest(lines []string) {
	e.init()
	e.ti.SetSuggestions(lines)
}

// view draws the text with the cursor and the suggestion.
func (e *lineEdit) view(c *common) string {
	e.init()
	st := e.ti.Styles()
	st.Focused.Text, st.Focused.Suggestion, st.Focused.Prompt = c.styles.Input, c.styles.Suggestion, c.styles.Input
	e.ti.SetStyles(st)
	return e.ti.View()
}
