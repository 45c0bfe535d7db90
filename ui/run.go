package ui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/jsorc/jsorc/themes"
)

// Options configure the console.
type Options struct {
	// Theme is the colour theme; the zero Theme follows the terminal:
	// dark, or light on a light background.
	Theme themes.Theme
	// Engine says which engine the console shows, for the header and the
	// window title: "in-process" or an attached engine's URL.
	Engine string
	// APIAddr is where the in-process engine's API listens, shown so the
	// CLI can be pointed at it; "" when the console serves none.
	APIAddr string
	// ReadOnly shows everything and changes nothing: the keys that would
	// change the engine are off, and so are the `:` verbs that would.
	ReadOnly bool
	// HistoryFile keeps the command line's history across restarts; ""
	// keeps it in memory only.
	HistoryFile string
	// Logger receives the console's logs; it must not write to the
	// terminal the console draws on. nil discards them.
	Logger *slog.Logger
	// Input and Output replace the terminal, for tests; nil is the
	// process's terminal.
	Input  io.Reader
	Output io.Writer
	// Width and Height set the initial size, for tests; 0 asks the terminal.
	Width, Height int
	// Environ is the environment the console reads NO_COLOR and the
	// terminal's colour support from; nil is the process's.
	Environ []string
	// ColorProfile forces a colour profile, for tests; nil detects it.
	ColorProfile *colorprofile.Profile
	// Now is the clock, for tests; nil is time.Now.
	Now func() time.Time
	// Location is the time zone times are shown in; nil is time.Local.
	Location *time.Location
}

// frameRate is how often the console's frames are flushed at most: the
// data changes once a second, and a key's echo within 67 ms reads as
// immediate. Bubble Tea's default, 60, wakes the renderer four times as
// often for nothing: an attached console at rest spent about half its CPU
// in those wake-ups.
const frameRate = 15

// Run runs the console on backend until the user quits or ctx is done.
// Quitting returns nil; so does ctx ending.
func Run(ctx context.Context, backend Backend, o Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := newModel(ctx, backend, o)
	defer m.close()
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(frameRate)}
	if o.Input != nil {
		opts = append(opts, tea.WithInput(o.Input))
	}
	if o.Output != nil {
		opts = append(opts, tea.WithOutput(o.Output))
	}
	if o.Width > 0 && o.Height > 0 {
		opts = append(opts, tea.WithWindowSize(o.Width, o.Height))
	}
	if o.Environ != nil {
		opts = append(opts, tea.WithEnvironment(o.Environ))
	}
	if o.ColorProfile != nil {
		opts = append(opts, tea.WithColorProfile(*o.ColorProfile))
	}
	_, err := tea.NewProgram(m, opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	if errors.Is(err, tea.ErrInterrupted) {
		return nil
	}
	return err
}

// noColor reports whether NO_COLOR is set (https://no-color.org).
func noColor(environ []string) bool {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok {
			// "when present and not an empty string", whatever its value.
			return v != ""
		}
	}
	return false
}

// resolveTheme picks the theme: the chosen one or the default, without
// colours under NO_COLOR. chosen reports whether the user chose it.
func resolveTheme(o Options) (t themes.Theme, chosen bool) {
	t, chosen = o.Theme, o.Theme.Name != ""
	if !chosen {
		t, _ = themes.Builtin(themes.DefaultName)
	}
	env := o.Environ
	if env == nil {
		env = os.Environ()
	}
	if noColor(env) {
		t = t.Plain()
	}
	return t, chosen
}
