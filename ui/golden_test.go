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
	m.Update(m.fetch.history("")())
	m.Update(m.fetch.keptEvents()())
	m.Update(m.readWhere()())
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
		{"events", nil, func(m *model) string { return m.eventsPane.viewFramed(true) }},
		{"graphs-module", func(m *model) {
			m.actions.selectName("textenc")
			m.openDetail()
			m.Update(m.followSubject()())
		}, func(m *model) string { return m.graphs.viewFramed(true) }},
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
					screen := p.name == "screen" || p.name == "help" || p.name == "load-dialog" || p.name == "command-line"
					sizePanes := func() {
						for pp := range m.layout.panes {
							m.pane(paneID(pp)).SetSize(w, h)
						}
					}
					if !screen {
						sizePanes()
					}
					if p.setup != nil {
						p.setup(m)
					}
					if !screen {
						sizePanes() // a setup may lay the screen out again
					}
					out := p.view(m)
					checkShape(t, out, w, h)
					golden.RequireEqual(t, inProfile(t, out))
				})
			}
		}
	}
}

// TestScreens draws the whole screen where its layout changes: the
// dashboard (120×40 and up: the module table, the four graphs, the
// policy's decisions, the services and the events at once; the benchmark
// too from 180 columns), and the compact view of a screen smaller than
// 80×24 (a 160×23 split, 100×20), in each theme; on the dashboard a module
// whose detail is open has its own graphs.
func TestScreens(t *testing.T) {
	screens := []struct {
		name  string
		w, h  int
		setup func(m *model)
	}{
		{"dashboard", 120, 40, nil},
		{"dashboard", 200, 60, nil},
		{"dashboard-module", 200, 60, func(m *model) {
			m.actions.selectName("textenc")
			m.openDetail()
			m.Update(m.followSubject()())
		}},
		{"dashboard-benchmark", 120, 40, func(m *model) { m.setFocus(paneBenchmark) }},
		{"compact", 160, 23, nil},
		{"compact", 100, 20, nil},
		{"compact-events", 100, 20, func(m *model) { m.setFocus(paneEvents) }},
	}
	for _, sc := range screens {
		for _, theme := range goldenThemes {
			t.Run(fmt.Sprintf("%s/%dx%d/%s", sc.name, sc.w, sc.h, theme), func(t *testing.T) {
				m := testModel(t, newFakeBackend(0, true), theme, sc.w, sc.h)
				if sc.setup != nil {
					sc.setup(m)
				}
				out := m.render()
				checkShape(t, out, sc.w, sc.h)
				golden.RequireEqual(t, inProfile(t, out))
			})
		}
	}
}

// TestDashboardShowsAll: from 120×40 the first screen shows the module
// table, the graphs, the policy's latest decision, the services and the
// events together; at 80×24 it is one pane and tabs.
func TestDashboardShowsAll(t *testing.T) {
	want := []string{"Actions [6]", "textenc", "CPU", "Memory", "Call latency", "Calls", "Request latency",
		"Policy", "echo — → module", "Services", "redis", "Events [9]", "load test started"}
	for _, size := range [][2]int{{120, 40}, {140, 45}, {200, 60}, {300, 80}} {
		m := testModel(t, newFakeBackend(0, true), "dark", size[0], size[1])
		out := ansi.Strip(m.render())
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%dx%d: the dashboard does not show %q:\n%s", size[0], size[1], w, out)
			}
		}
	}
	m := testModel(t, newFakeBackend(0, true), "dark", 80, 24)
	if out := ansi.Strip(m.render()); strings.Contains(out, "latency") || strings.Contains(out, "Events [") {
		t.Errorf("80x24 shows more than the focused pane:\n%s", out)
	}
}

// TestTooSmall: below 50×10 the console says so instead of drawing panes;
// from there to 80×24 it draws the compact view.
func TestTooSmall(t *testing.T) {
	for _, size := range [][2]int{{49, 24}, {80, 9}, {40, 10}} {
		m := testModel(t, newFakeBackend(0, false), "dark", size[0], size[1])
		out := m.render()
		checkShape(t, out, size[0], size[1])
		if !strings.Contains(ansi.Strip(out), "terminal too small") || !strings.Contains(out, "need 50×10") {
			t.Errorf("%dx%d: no too-small message:\n%s", size[0], size[1], ansi.Strip(out))
		}
	}
	for _, size := range [][2]int{{50, 10}, {79, 24}, {80, 23}, {160, 23}, {100, 20}} {
		for p := paneID(0); p < paneCount; p++ {
			m := testModel(t, newFakeBackend(40, true), "dark", size[0], size[1])
			m.focus = p
			out := m.render()
			checkShape(t, out, size[0], size[1])
			if strings.Contains(ansi.Strip(out), "terminal too small") {
				t.Errorf("%dx%d: too small for the compact view", size[0], size[1])
			}
		}
	}
}

// TestEverySizeFits: from 80×24 up, every line of the screen is exactly
// as wide as the terminal and nothing wraps, in every pane.
func TestEverySizeFits(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {81, 25}, {99, 30}, {119, 39}, {120, 40}, {159, 44}, {160, 45}, {177, 51}, {179, 50}, {180, 50}, {200, 60}, {301, 90}} {
		for p := paneID(0); p < paneCount; p++ {
			m := testModel(t, newFakeBackend(40, true), "dark", size[0], size[1])
			m.focus = p
			checkShape(t, m.render(), size[0], size[1])
			m.showHelp = true
			checkShape(t, m.render(), size[0], size[1])
		}
	}
}
