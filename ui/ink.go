package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/jsorc/jsorc/themes"
)

// ink is a style reduced to the escape sequences around its text. Painting
// one line with an ink is a concatenation, where Style.Render measures and
// lays out; the hot paths (table rows, frames, key help) paint with inks.
type ink struct{ open, close string }

// inkOf reduces a single-line style (colours, attributes, padding) to an
// ink.
func inkOf(st lipgloss.Style) ink {
	r := st.Render("x")
	i := strings.LastIndex(r, "x")
	if i < 0 {
		return ink{}
	}
	return ink{r[:i], r[i+1:]}
}

// paint wraps one line of text in the ink.
func (k ink) paint(s string) string {
	if k.open == "" && k.close == "" {
		return s
	}
	return k.open + s + k.close
}

// Inks the hot paths use, by name.
type inkID int

const (
	inkBorder inkID = iota
	inkBorderFocused
	inkPaneTitle
	inkPaneTitleFocused
	inkMuted
	inkOK
	inkWarn
	inkErr
	inkRowSelected
	inkTableHeader
	inkKey
	inkKeyDesc
	inkHeaderLabel
	inkHeaderValue
	inkTab
	inkTabActive
	inkCount
)

// setStyles installs a theme's styles and the inks made from them.
func (c *common) setStyles(st *themes.Styles) {
	c.styles = st
	for id, s := range map[inkID]lipgloss.Style{
		inkBorder: st.Border, inkBorderFocused: st.BorderFocused,
		inkPaneTitle: st.PaneTitle, inkPaneTitleFocused: st.PaneTitleFocused,
		inkMuted: st.Muted, inkOK: st.OK, inkWarn: st.Warn, inkErr: st.Err,
		inkRowSelected: st.RowSelected, inkTableHeader: st.TableHeader,
		inkKey: st.Key, inkKeyDesc: st.KeyDesc,
		inkHeaderLabel: st.HeaderLabel, inkHeaderValue: st.HeaderValue,
		inkTab: st.Tab, inkTabActive: st.TabActive,
	} {
		c.inks[id] = inkOf(s)
	}
}

// paint paints one line with the ink id.
func (c *common) paint(id inkID, s string) string { return c.inks[id].paint(s) }

// toneInk is the ink of a tone.
func (c *common) toneInk(t tone) ink {
	switch t {
	case toneMuted:
		return c.inks[inkMuted]
	case toneOK:
		return c.inks[inkOK]
	case toneWarn:
		return c.inks[inkWarn]
	case toneErr:
		return c.inks[inkErr]
	}
	return ink{}
}
