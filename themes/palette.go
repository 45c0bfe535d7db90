package themes

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
)

// Palette is a theme's semantic colours. Each is "#rrggbb", "#rgb" or an
// ANSI colour index "0"…"255"; see ParseColor.
type Palette struct {
	// Bg is the background and Fg the text.
	Bg string `json:"bg"`
	Fg string `json:"fg"`
	// Primary marks titles, the focused pane and keys.
	Primary string `json:"primary"`
	// Accent is the second graph series and highlights.
	Accent string `json:"accent"`
	// Muted is secondary text and the borders of unfocused panes.
	Muted string `json:"muted"`
	// Ok, Warn and Err colour healthy, transitional and failed states.
	Ok   string `json:"ok"`
	Warn string `json:"warn"`
	Err  string `json:"err"`
	// SelectionFg and SelectionBg draw the selected row.
	SelectionFg string `json:"selection_fg"`
	SelectionBg string `json:"selection_bg"`
}

// colorField is one colour of a palette with its name in theme files.
type colorField struct {
	name string
	ptr  *string
}

// fields lists the palette's colours with their names in theme files, in
// the order errors report them.
func (p *Palette) fields() []colorField {
	return []colorField{
		{"bg", &p.Bg}, {"fg", &p.Fg}, {"primary", &p.Primary}, {"accent", &p.Accent},
		{"muted", &p.Muted}, {"ok", &p.Ok}, {"warn", &p.Warn}, {"err", &p.Err},
		{"selection_fg", &p.SelectionFg}, {"selection_bg", &p.SelectionBg},
	}
}

// Validate checks that every colour is set and well formed. Bg and Fg may
// also be "default": the terminal's own colour.
func (p Palette) Validate() error {
	for _, f := range p.fields() {
		if *f.ptr == "" {
			return fmt.Errorf("colors.%s is missing", f.name)
		}
		if *f.ptr == terminalDefault && (f.ptr == &p.Bg || f.ptr == &p.Fg) {
			continue
		}
		if _, err := ParseColor(*f.ptr); err != nil {
			return fmt.Errorf("colors.%s: %w", f.name, err)
		}
	}
	return nil
}

// ParseColor reads a colour: "#rrggbb", "#rgb", or an ANSI index 0–255.
func ParseColor(s string) (color.Color, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "#") {
		hex := s[1:]
		if len(hex) != 6 && len(hex) != 3 {
			return nil, fmt.Errorf("%q is not a colour: want #rrggbb, #rgb or an ANSI index 0-255", s)
		}
		if _, err := strconv.ParseUint(hex, 16, 32); err != nil {
			return nil, fmt.Errorf("%q is not a colour: %q is not hexadecimal", s, hex)
		}
		return lipgloss.Color(s), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return nil, fmt.Errorf("%q is not a colour: want #rrggbb, #rgb or an ANSI index 0-255", s)
	}
	return lipgloss.Color(s), nil
}

// mustColor is ParseColor for colours already validated.
func mustColor(s string) color.Color {
	c, err := ParseColor(s)
	if err != nil {
		return lipgloss.NoColor{}
	}
	return c
}
