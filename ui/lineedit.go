package ui

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
)

// lineEdit is a one-line text editor: insert, delete, move, and the
// readline keys users expect (ctrl+a/e/u/w). It has no cursor blink, so an
// open command line costs nothing while the user thinks.
type lineEdit struct {
	value []rune
	pos   int
}

// String is the edited text.
func (e *lineEdit) String() string { return string(e.value) }

// set replaces the text and puts the cursor at its end.
func (e *lineEdit) set(s string) {
	e.value = []rune(s)
	e.pos = len(e.value)
}

// insert types s at the cursor.
func (e *lineEdit) insert(s string) {
	rs := []rune(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s))
	v := make([]rune, 0, len(e.value)+len(rs))
	v = append(v, e.value[:e.pos]...)
	v = append(v, rs...)
	v = append(v, e.value[e.pos:]...)
	e.value = v
	e.pos += len(rs)
}

// edit applies an editing key and reports whether it was one.
func (e *lineEdit) edit(k tea.KeyPressMsg) bool {
	switch k.String() {
	case "backspace", "ctrl+h":
		if e.pos > 0 {
			e.value = append(e.value[:e.pos-1], e.value[e.pos:]...)
			e.pos--
		}
	case "delete", "ctrl+d":
		if e.pos < len(e.value) {
			e.value = append(e.value[:e.pos], e.value[e.pos+1:]...)
		}
	case "left", "ctrl+b":
		e.pos = max(0, e.pos-1)
	case "right", "ctrl+f":
		e.pos = min(len(e.value), e.pos+1)
	case "home", "ctrl+a":
		e.pos = 0
	case "end", "ctrl+e":
		e.pos = len(e.value)
	case "ctrl+u":
		e.value = append([]rune(nil), e.value[e.pos:]...)
		e.pos = 0
	case "ctrl+k":
		e.value = e.value[:e.pos]
	case "ctrl+w", "alt+backspace":
		i := e.pos
		for i > 0 && e.value[i-1] == ' ' {
			i--
		}
		for i > 0 && e.value[i-1] != ' ' {
			i--
		}
		e.value = append(e.value[:i], e.value[e.pos:]...)
		e.pos = i
	default:
		if k.Text == "" || k.Mod.Contains(tea.ModCtrl) || k.Mod.Contains(tea.ModAlt) {
			return false
		}
		e.insert(k.Text)
	}
	return true
}

// view draws the text with the cursor as a reverse-video cell.
func (e *lineEdit) view(c *common) string {
	before := string(e.value[:e.pos])
	at, after := " ", ""
	if e.pos < len(e.value) {
		at, after = string(e.value[e.pos]), string(e.value[e.pos+1:])
	}
	return c.styles.Input.Render(before) + c.styles.Cursor.Render(at) + c.styles.Input.Render(after)
}
