package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func press(m *model, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "ctrl+c":
			msg = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		last = m.handleKey(msg)
	}
	return last
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// TestGlobalKeysWaitWhileTyping: in the command line and the filter, keys
// are text; only ctrl+c still quits.
func TestGlobalKeysWaitWhileTyping(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "dark", 120, 40)
	press(m, ":")
	for _, k := range []string{"q", "l", "u", "?", "p", "/", "b"} {
		if cmd := press(m, k); isQuit(cmd) || m.dialog != nil || m.showHelp || m.prompt == nil {
			t.Fatalf("%q fired a global key while the command line was open", k)
		}
	}
	if got := m.prompt.edit.String(); got != "qlu?p/b" {
		t.Fatalf("command line holds %q; want the typed keys", got)
	}
	press(m, "esc")
	if m.prompt != nil {
		t.Fatal("esc did not close the command line")
	}

	press(m, "/", "q", "u")
	if m.prompt == nil || m.prompt.kind != promptFilter || m.actions.filterText() != "qu" {
		t.Fatalf("the filter should hold %q, live; it holds %q", "qu", m.actions.filterText())
	}
	if !isQuit(press(m, "ctrl+c")) {
		t.Fatal("ctrl+c does not quit from the filter")
	}
}

// TestKeysHiddenWhereTheyDoNothing: each pane's help lists its own keys
// and not the others'.
func TestKeysHiddenWhereTheyDoNothing(t *testing.T) {
	m := testModel(t, newFakeBackend(0, true), "dark", 120, 40)
	has := func(desc string) bool {
		for _, k := range m.activeKeys() {
			if k.binding.Help().Desc == desc {
				return true
			}
		}
		return false
	}
	cases := []struct {
		focus   paneID
		present []string
		absent  []string
	}{
		{paneActions, []string{"load (asks the mode)", "unload", "switch mode", "describe", "filter (regex, ! inverts)", "help", "command"}, []string{"longer time window", "back"}},
		{paneGraphs, []string{"longer time window", "shorter time window", "help"}, []string{"load (asks the mode)", "describe", "up", "filter (regex, ! inverts)"}},
		{panePolicy, []string{"choose policy", "help", "benchmark start/stop", "trackact start/stop", "tracksys start/stop"}, []string{"load (asks the mode)", "longer time window", "up"}},
		{paneBenchmark, []string{"benchmark start/stop", "trackact start/stop", "tracksys start/stop"}, []string{"load (asks the mode)", "longer time window"}},
	}
	for _, tc := range cases {
		m.focus = tc.focus
		for _, d := range tc.present {
			if !has(d) {
				t.Errorf("%s: %q missing from help", tc.focus, d)
			}
		}
		for _, d := range tc.absent {
			if has(d) {
				t.Errorf("%s: %q listed, but does nothing there", tc.focus, d)
			}
		}
	}
	// b is the Benchmark pane's own key there, s the Graphs pane's: each
	// is listed once, in the pane's section and the short help.
	for _, tc := range []struct {
		focus paneID
		key   string
	}{{paneBenchmark, "b"}, {paneGraphs, "s"}} {
		m.focus = tc.focus
		n := 0
		for _, k := range m.activeKeys() {
			if k.binding.Help().Key == tc.key {
				n++
				if k.group != groupPane || !k.short {
					t.Errorf("%s: %s is not the pane's short key", tc.focus, tc.key)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %s listed %d times", tc.focus, tc.key, n)
		}
	}
	m.focus = paneActions
	press(m, "enter")
	if !m.actions.detailOpen() || !has("back") || has("describe") {
		t.Fatal("the detail offers esc back and no second detail")
	}
	press(m, "esc")
	if m.actions.detailOpen() {
		t.Fatal("esc did not close the detail")
	}
}

// TestSortKeys sorts by a column and reverses on the second press.
func TestSortKeys(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "dark", 120, 40)
	first := func() string { return m.actions.rows[m.actions.shown[0]].name }
	press(m, "5") // calls/s, ascending: a module without calls first
	if first() == "textenc" {
		t.Fatalf("ascending calls/s puts the busiest first")
	}
	press(m, "5")
	if first() != "textenc" {
		t.Fatalf("descending calls/s: first is %s; want textenc", first())
	}
	press(m, "1")
	if first() != "echo" {
		t.Fatalf("by name: first is %s; want echo", first())
	}
}

// TestDialogs: L asks the mode (module disabled without an in-process
// implementation), u asks before unloading, esc cancels.
func TestDialogs(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "dark", 120, 40)
	m.actions.selectName("ext_only")
	press(m, "L")
	if m.dialog == nil || !m.dialog.choices[0].disabled || m.dialog.cursor != 1 {
		t.Fatalf("loading a URL-only module must offer remote alone: %+v", m.dialog)
	}
	press(m, "m")
	if m.dialog == nil || !strings.Contains(m.status.text, "no in-process implementation") {
		t.Fatalf("choosing the disabled mode must say why and keep the dialog: dialog %v, status %q", m.dialog, m.status.text)
	}
	press(m, "esc")
	m.actions.selectName("synth")
	press(m, "u")
	if m.dialog != nil || !strings.Contains(m.status.text, "synth is not loaded") {
		t.Fatalf("unloading an unloaded module: dialog %v, status %q", m.dialog, m.status.text)
	}
	m.actions.selectName("textenc")
	press(m, "u")
	if m.dialog == nil || len(m.dialog.choices) != 3 {
		t.Fatalf("unloading a remote module offers retire, keep warm, cancel: %+v", m.dialog)
	}
	press(m, "esc")
	if m.dialog != nil || len(m.ops) != 0 {
		t.Fatal("esc must cancel the unload")
	}
}
