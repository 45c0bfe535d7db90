package ui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/themes"
)

// goldenSizes and goldenThemes span the golden files: the smallest screen
// and a large one, the default theme and the colour-blind-safe one.
var (
	goldenSizes  = [][2]int{{80, 24}, {200, 60}}
	goldenThemes = []string{"dark", "high-contrast"}
)

// testModel builds a console on backend at w×h with a fixed clock, and
// feeds it one round of reads, as the first refresh would.
func testModel(tb testing.TB, b Backend, theme string, w, h int) *model {
	tb.Helper()
	th, ok := themes.Builtin(theme)
	if !ok {
		tb.Fatalf("no theme %q", theme)
	}
	m := newModel(context.Background(), b, Options{
		Theme: th, Width: w, Height: h, Environ: []string{},
		Now: func() time.Time { return goldenNow }, Location: time.UTC,
	})
	m.Update(m.readAll()())
	return m
}

// inProfile re-encodes s for a 256-colour terminal, so golden files do not
// depend on how the test's terminal is detected.
func inProfile(tb testing.TB, s string) string {
	tb.Helper()
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ANSI256}
	if _, err := w.Write([]byte(s)); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// checkShape fails unless s is exactly w×h cells.
func checkShape(tb testing.TB, s string, w, h int) {
	tb.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		tb.Errorf("%d lines; want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw != w {
			tb.Errorf("line %d is %d cells wide; want %d: %q", i+1, lw, w, ansi.Strip(l))
		}
	}
}

// TestGolden draws every pane, alone at each size, and the whole screen,
// in each theme, and compares them with testdata (go test -update
// regenerates them).
func TestGolden(t *testing.T) {
	panes := []struct {
		name  string
		setup func(m *model)
		view  func(m *model) string
	}{
		{"actions", nil, func(m *model) string { return m.actions.viewFramed(true) }},
		{"detail", func(m *model) { m.actions.selectName("textenc"); m.actions.openDetail() }, func(m *model) string { return m.actions.viewFramed(true) }},
		{"services", nil, func(m *model) string { return m.services.viewFramed(true) }},
		{"services-none", func(m *model) {
			m.services.setInfo(map[string]types.ServiceInfo{
				"redis": {Name: "redis", Automation: false, State: types.ServiceStopped},
				"db":    {Name: "db", Automation: false, State: types.ServiceStopped},
			})
		}, func(m *model) string { return m.services.viewFramed(true) }},
		{"policy", nil, func(m *model) string { return m.policy.viewFramed(true) }},
		{"graphs", nil, func(m *model) string { return m.graphs.viewFramed(true) }},
		{"benchmark", nil, func(m *model) string { return m.bench.viewFramed(true) }},
		{"benchmark-stopped", func(m *model) {
			m.bench.setLoadTest(types.LoadTestStatus{})
			m.Update(m.fetch.measure(toolBenchmark, "stop")())
		}, func(m *model) string { return m.bench.viewFramed(true) }},
		{"screen", nil, func(m *model) string { return m.render() }},
		{"help", func(m *model) { m.showHelp = true }, func(m *model) string { return m.render() }},
		{"load-dialog", func(m *model) { m.actions.selectName("synth"); m.openLoadDialog() }, func(m *model) string { return m.render() }},
		{"command-line", func(m *model) {
			m.openCommandLine()
			for _, r := range "actions load tex" {
				m.handleKey(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			m.handleKey(tea.KeyPressMsg{Code: tea.KeyTab})
		}, func(m *model) string { return m.render() }},
	}
	for _, p := range panes {
		for _, size := range goldenSizes {
			for _, theme := range goldenThemes {
				w, h := size[0], size[1]
				t.Run(fmt.Sprintf("%s/%dx%d/%s", p.name, w, h, theme), func(t *testing.T) {
					m := testModel(t, newFakeBackend(0, true), theme, w, h)
					for pp := range m.layout.panes {
						m.pane(paneID(pp)).SetSize(w, h)
					}
					if p.name == "screen" || p.name == "help" || p.name == "load-dialog" || p.name == "command-line" {
						m.resize(w, h)
					}
					if p.setup != nil {
						p.setup(m)
					}
					out := p.view(m)
					checkShape(t, out, w, h)
					golden.RequireEqual(t, inProfile(t, out))
				})
			}
		}
	}
}

// TestTooSmall: below 80×24 the console says so instead of drawing panes.
func TestTooSmall(t *testing.T) {
	for _, size := range [][2]int{{79, 24}, {80, 23}, {40, 10}} {
		m := testModel(t, newFakeBackend(0, false), "dark", size[0], size[1])
		out := m.render()
		checkShape(t, out, size[0], size[1])
		if !strings.Contains(ansi.Strip(out), "terminal too small") || !strings.Contains(out, "need 80×24") {
			t.Errorf("%dx%d: no too-small message:\n%s", size[0], size[1], ansi.Strip(out))
		}
	}
}

// TestEverySizeFits: from 80×24 up, every line of the screen is exactly
// as wide as the terminal and nothing wraps, in every pane.
func TestEverySizeFits(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {81, 25}, {99, 30}, {120, 40}, {159, 44}, {160, 45}, {177, 51}, {200, 60}, {301, 90}} {
		for p := paneID(0); p < paneCount; p++ {
			m := testModel(t, newFakeBackend(40, true), "dark", size[0], size[1])
			m.focus = p
			checkShape(t, m.render(), size[0], size[1])
			m.showHelp = true
			checkShape(t, m.render(), size[0], size[1])
		}
	}
}
