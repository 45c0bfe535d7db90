package themes

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Theme is a named palette. The zero Theme is not usable; start from
// Builtin, Load or Parse.
type Theme struct {
	// Name is the built-in's name or the theme file's name.
	Name string
	// Palette holds the semantic colours.
	Palette Palette
	// plain drops every colour (NO_COLOR).
	plain bool
}

// DefaultName is the theme the console uses when none is chosen.
const DefaultName = "dark"

// Default colours of the terminal: a theme whose bg or fg says "default"
// leaves the terminal's own colour alone.
const terminalDefault = "default"

// builtins returns the built-in themes by name. It builds them on each call
// so no caller can change another's copy.
func builtins() map[string]Palette {
	return map[string]Palette{
		"dark": {
			Bg: terminalDefault, Fg: terminalDefault,
			Primary: "#7aa2f7", Accent: "#ff9e64", Muted: "#8089b3",
			Ok: "#9ece6a", Warn: "#e0af68", Err: "#f7768e",
			SelectionFg: "#1a1b26", SelectionBg: "#7aa2f7",
		},
		"light": {
			Bg: "#ffffff", Fg: "#1f2328",
			Primary: "#0550ae", Accent: "#953800", Muted: "#6e7781",
			Ok: "#116329", Warn: "#7d4e00", Err: "#cf222e",
			SelectionFg: "#ffffff", SelectionBg: "#0550ae",
		},
		// Okabe-Ito: distinguishable with every common colour-vision
		// deficiency; white on black for contrast.
		"high-contrast": {
			Bg: "#000000", Fg: "#ffffff",
			Primary: "#56b4e9", Accent: "#e69f00", Muted: "#c8c8c8",
			Ok: "#009e73", Warn: "#f0e442", Err: "#d55e00",
			SelectionFg: "#000000", SelectionBg: "#56b4e9",
		},
	}
}

// Names lists the built-in themes, sorted.
func Names() []string {
	b := builtins()
	out := make([]string, 0, len(b))
	for n := range b {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Builtin returns the built-in theme called name.
func Builtin(name string) (Theme, bool) {
	p, ok := builtins()[name]
	if !ok {
		return Theme{}, false
	}
	return Theme{Name: name, Palette: p}, true
}

// Load returns the built-in theme called spec, or reads the theme file at
// path spec. An empty spec is the default theme.
func Load(spec string) (Theme, error) {
	if spec == "" {
		spec = DefaultName
	}
	if t, ok := Builtin(spec); ok {
		return t, nil
	}
	data, err := os.ReadFile(spec)
	if err != nil {
		if os.IsNotExist(err) && !strings.ContainsAny(spec, `/\.`) {
			return Theme{}, fmt.Errorf("unknown theme %q: want %s, or the path of a theme file", spec, strings.Join(Names(), ", "))
		}
		return Theme{}, fmt.Errorf("theme file %s: %w", spec, err)
	}
	return Parse(spec, data)
}

// Plain returns the theme without colours, for NO_COLOR.
func (t Theme) Plain() Theme {
	t.plain = true
	return t
}

// IsPlain reports whether the theme draws without colours.
func (t Theme) IsPlain() bool { return t.plain }

// Validate checks the theme's colours.
func (t Theme) Validate() error { return t.Palette.Validate() }
