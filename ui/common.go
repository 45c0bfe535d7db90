package ui

import (
	"log/slog"
	"time"

	"github.com/jsorc/jsorc/themes"
)

// common is what every pane shares with the root: the screen's size, the
// styles, the key registry, the logger and the clock. Panes hold a pointer
// to the root's one copy.
type common struct {
	width, height int
	styles        *themes.Styles
	// inks are the styles the hot paths paint with (see setStyles).
	inks [inkCount]ink
	keys []keyAction
	log  *slog.Logger
	// now is the clock and loc the time zone; tests fix both so golden
	// files stay stable.
	now func() time.Time
	loc *time.Location
}

// pane is one component of the screen. Only the root model returns a
// tea.View; panes render strings of exactly the size they were given.
type pane interface {
	// SetSize gives the pane its outer size, frame included.
	SetSize(w, h int)
	// View renders the pane: h lines of at most w cells.
	View() string
}
