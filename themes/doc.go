// Package themes holds the console's colour themes: a few semantic colours
// (a Palette) per theme, the built-in themes, a loader for user theme files,
// and the one builder that turns a theme into every lipgloss style the
// console draws with (Styles).
//
// It knows lipgloss and nothing of the engine or of Bubble Tea; only package
// ui imports it.
//
// # Built-in themes
//
//   - dark — for dark terminals (the default).
//   - light — for light terminals.
//   - high-contrast — black background, white text and the Okabe-Ito
//     colour-blind-safe palette. The console never tells a state by colour
//     alone: every status carries a symbol and a word as well.
//
// # Theme files
//
// `jsorc console --theme FILE` reads a YAML (or JSON) file. Unknown fields
// are errors, every colour is validated, and errors name the file and the
// field:
//
//	# mytheme.yaml
//	name: solarized          # shown nowhere yet; defaults to the file name
//	extends: dark            # optional: start from a built-in theme; the
//	                         # colours below override its colours
//	palette:                 # optional: your own colour names
//	  base03: "#002b36"
//	  blue: "#268bd2"
//	colors:                  # the semantic colours
//	  bg: base03             # background (also set as the terminal's own)
//	  fg: "#839496"          # text
//	  primary: blue          # titles, the focused pane, keys
//	  accent: "#2aa198"      # the second graph series, highlights
//	  muted: "#586e75"       # secondary text, borders of unfocused panes
//	  ok: "#859900"          # READY, success messages
//	  warn: "#b58900"        # STARTING, warnings
//	  err: "#dc322f"         # CRASHED, errors
//	  selection_fg: "#fdf6e3"
//	  selection_bg: "#073642"
//
// A colour is "#rrggbb", "#rgb", an ANSI colour index from 0 to 255, or a
// name from palette; bg and fg may also be "default", the terminal's own
// colour. Without extends, every one of the ten colours must be given.
//
// # NO_COLOR
//
// When the NO_COLOR environment variable is set (https://no-color.org),
// Theme.Plain drops every colour: Styles then tell the selection, focus and
// states apart with reverse video, bold, underline and symbols.
package themes
