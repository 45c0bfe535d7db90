package themes

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles is every style the console draws with, built from one theme by
// Theme.Styles.
type Styles struct {
	// Bg and Fg are the colours the console asks the terminal to use for
	// its background and text; nil leaves the terminal's own.
	Bg, Fg color.Color
	// Plain is set when the theme has no colours (NO_COLOR).
	Plain bool

	// Text styles.
	Text, Muted, Bold, Title lipgloss.Style
	// OK, Warn and Err mark healthy, transitional and failed states.
	OK, Warn, Err lipgloss.Style

	// Header: the application's name and the engine's facts.
	AppName, HeaderLabel, HeaderValue lipgloss.Style
	// Tab and TabActive name the panes in the tab bar.
	Tab, TabActive lipgloss.Style

	// Border and BorderFocused draw the frames of panes; PaneTitle their
	// titles (PaneTitleFocused on the focused one).
	Border, BorderFocused         lipgloss.Style
	PaneTitle, PaneTitleFocused   lipgloss.Style
	TableHeader, Row, RowSelected lipgloss.Style

	// Key and KeyDesc draw key help.
	Key, KeyDesc lipgloss.Style

	// Prompt, Input, Cursor and Suggestion draw the command line and the
	// filter.
	Prompt, Input, Cursor, Suggestion lipgloss.Style

	// Dialog draws the frame of a dialog; Choice and ChoiceSelected its
	// options, ChoiceDisabled the ones that cannot be chosen.
	Dialog, Choice, ChoiceSelected, ChoiceDisabled lipgloss.Style

	// Series are the colours of graph series (nil when Plain); Axis the
	// colour of their axes and labels.
	Series []color.Color
	Axis   color.Color
}

// Styles builds every style of the console from the theme.
func (t Theme) Styles() *Styles {
	if t.plain {
		return plainStyles()
	}
	p := t.Palette
	c := mustColor
	s := lipgloss.NewStyle
	st := &Styles{
		Text:  s(),
		Muted: s().Foreground(c(p.Muted)),
		Bold:  s().Bold(true),
		Title: s().Foreground(c(p.Primary)).Bold(true),
		OK:    s().Foreground(c(p.Ok)),
		Warn:  s().Foreground(c(p.Warn)),
		Err:   s().Foreground(c(p.Err)).Bold(true),

		AppName:     s().Foreground(c(p.SelectionFg)).Background(c(p.Primary)).Bold(true).Padding(0, 1),
		HeaderLabel: s().Foreground(c(p.Muted)),
		HeaderValue: s().Foreground(c(p.Primary)),
		Tab:         s().Foreground(c(p.Muted)).Padding(0, 1),
		TabActive:   s().Foreground(c(p.SelectionFg)).Background(c(p.Primary)).Bold(true).Padding(0, 1),

		Border:           s().Foreground(c(p.Muted)),
		BorderFocused:    s().Foreground(c(p.Primary)),
		PaneTitle:        s().Foreground(c(p.Muted)).Bold(true),
		PaneTitleFocused: s().Foreground(c(p.Primary)).Bold(true),
		TableHeader:      s().Foreground(c(p.Primary)).Bold(true),
		Row:              s(),
		RowSelected:      s().Foreground(c(p.SelectionFg)).Background(c(p.SelectionBg)).Bold(true),

		Key:     s().Foreground(c(p.Primary)).Bold(true),
		KeyDesc: s().Foreground(c(p.Muted)),

		Prompt:     s().Foreground(c(p.Primary)).Bold(true),
		Input:      s(),
		Cursor:     s().Reverse(true),
		Suggestion: s().Foreground(c(p.Muted)),

		Dialog:         s().Border(lipgloss.RoundedBorder()).BorderForeground(c(p.Primary)).Padding(0, 1),
		Choice:         s().Padding(0, 1),
		ChoiceSelected: s().Foreground(c(p.SelectionFg)).Background(c(p.SelectionBg)).Bold(true).Padding(0, 1),
		ChoiceDisabled: s().Foreground(c(p.Muted)).Strikethrough(true).Padding(0, 1),

		Series: []color.Color{c(p.Primary), c(p.Accent)},
		Axis:   c(p.Muted),
	}
	if p.Bg != terminalDefault {
		st.Bg = c(p.Bg)
	}
	if p.Fg != terminalDefault {
		st.Fg = c(p.Fg)
	}
	return st
}

// plainStyles tells things apart without colour: reverse video for the
// selection, bold and underline for focus.
func plainStyles() *Styles {
	s := lipgloss.NewStyle
	return &Styles{
		Plain: true,
		Text:  s(), Muted: s().Faint(true), Bold: s().Bold(true), Title: s().Bold(true),
		OK: s(), Warn: s().Bold(true), Err: s().Bold(true),

		AppName:     s().Reverse(true).Bold(true).Padding(0, 1),
		HeaderLabel: s(),
		HeaderValue: s().Bold(true),
		Tab:         s().Padding(0, 1),
		TabActive:   s().Reverse(true).Bold(true).Padding(0, 1),

		Border:           s(),
		BorderFocused:    s().Bold(true),
		PaneTitle:        s(),
		PaneTitleFocused: s().Bold(true).Underline(true),
		TableHeader:      s().Bold(true).Underline(true),
		Row:              s(),
		RowSelected:      s().Reverse(true),

		Key:     s().Bold(true),
		KeyDesc: s(),

		Prompt:     s().Bold(true),
		Input:      s(),
		Cursor:     s().Reverse(true),
		Suggestion: s().Faint(true),

		Dialog:         s().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		Choice:         s().Padding(0, 1),
		ChoiceSelected: s().Reverse(true).Padding(0, 1),
		ChoiceDisabled: s().Strikethrough(true).Padding(0, 1),
	}
}
