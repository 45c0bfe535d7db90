package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/jsorc/jsorc/api/types"
)

// run runs a command and feeds its message back, as the program would,
// following at most depth further commands (ticks are not run).
func run(m *model, cmd tea.Cmd, depth int) {
	if cmd == nil || depth == 0 {
		return
	}
	msg := cmd()
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			run(m, c, depth)
		}
		return
	case nil:
		return
	}
	_, next := m.Update(msg)
	run(m, next, depth-1)
}

// opsScreens are the screens of the logs, output, description, call form,
// confirmations and read-only console.
func opsScreens() []struct {
	name     string
	readOnly bool
	setup    func(m *model, f *fakeBackend)
} {
	return []struct {
		name     string
		readOnly bool
		setup    func(m *model, f *fakeBackend)
	}{
		{"logs", false, func(m *model, f *fakeBackend) {
			for i := range 40 {
				f.appendLog(fmt.Sprintf("time=15:08:%02d level=INFO msg=\"call done\" action=encode ms=4.%d\n", i%60, i%10))
			}
			m.actions.selectName("textenc")
			run(m, press(m, "l"), 1)
			press(m, "/", "ms=4.7", "enter")
		}},
		{"output", false, func(m *model, _ *fakeBackend) {
			m.say(toneOK, "echo READY in module mode after 0.1s")
			m.Update(calledMsg{name: "textenc.topk", result: map[string]any{"ranked": []any{"cats", "car", "dog"}, "scores": []any{0.81, 0.42, 0.1}}})
			m.say(toneErr, "setting policy nosuch: unknown policy \"nosuch\" (known: default, evaluation, costmodel); its parameters were not looked at, nothing changed, and this message is long enough to be cut on the status line")
			press(m, "o")
		}},
		{"describe", false, func(m *model, _ *fakeBackend) {
			m.actions.selectName("textenc")
			run(m, press(m, "d"), 1)
		}},
		{"call-form", false, func(m *model, _ *fakeBackend) {
			m.actions.selectName("textenc")
			run(m, press(m, "c"), 1)
			press(m, "3") // topk
			press(m, "cat", "tab", `["dog", "cats"]`)
		}},
		{"confirm-switch", false, func(m *model, _ *fakeBackend) {
			m.actions.selectName("echo")
			press(m, "m")
		}},
		{"confirm-quit", false, func(m *model, _ *fakeBackend) { press(m, "q") }},
		{"readonly", true, func(m *model, _ *fakeBackend) { press(m, "u") }},
		{"readonly-help", true, func(m *model, _ *fakeBackend) { press(m, "?") }},
	}
}

// TestGoldenOps draws the screens of the operator's tools at the golden
// sizes and themes.
func TestGoldenOps(t *testing.T) {
	for _, sc := range opsScreens() {
		for _, size := range goldenSizes {
			for _, theme := range goldenThemes {
				w, h := size[0], size[1]
				t.Run(fmt.Sprintf("%s/%dx%d/%s", sc.name, w, h, theme), func(t *testing.T) {
					f := newFakeBackend(0, true)
					m := testModel(t, f, theme, w, h)
					m.readOnly = sc.readOnly
					m.engine = "in-process"
					sc.setup(m, f)
					out := m.render()
					checkShape(t, out, w, h)
					golden.RequireEqual(t, inProfile(t, out))
				})
			}
		}
	}
}

// typeText sends each rune of s as a key press (press sends one rune of a
// word).
func typeText(m *model, s string) {
	for _, r := range s {
		m.handleKey(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// TestLogsFollowGrowing: the logs view shows what the log gains on the
// next read, keeps following at the end, and stops following when the
// user scrolls up.
func TestLogsFollowGrowing(t *testing.T) {
	f := newFakeBackend(0, false)
	m := testModel(t, f, "dark", 120, 30)
	f.appendLog("first line\n")
	m.actions.selectName("textenc")
	run(m, press(m, "l"), 1)
	screen := func() string { return ansi.Strip(m.render()) }
	if s := screen(); !strings.Contains(s, "first line") || !strings.Contains(s, "Logs textenc · "+fakeLogSource) {
		t.Fatalf("the log is not shown:\n%s", s)
	}
	for i := range 60 {
		f.appendLog(fmt.Sprintf("line %02d\n", i))
	}
	f.appendLog("half a line")
	run(m, func() tea.Msg { return logsTickMsg{gen: m.logGen} }, 3)
	s := screen()
	if !strings.Contains(s, "line 59") || strings.Contains(s, "first line") || !strings.Contains(s, "following") {
		t.Fatalf("after the log grew the view should follow its end:\n%s", s)
	}
	f.appendLog(" ends here\n")
	run(m, func() tea.Msg { return logsTickMsg{gen: m.logGen} }, 3)
	if s := screen(); !strings.Contains(s, "half a line ends here") {
		t.Fatalf("a line written in two pieces is not joined:\n%s", s)
	}
	press(m, "k")
	if s := screen(); strings.Contains(s, "following") {
		t.Fatalf("scrolling up should stop following:\n%s", s)
	}
	press(m, "G")
	if s := screen(); !strings.Contains(s, "following") {
		t.Fatalf("G should follow again:\n%s", s)
	}
	gen := m.logGen
	press(m, "esc")
	if m.logs != nil || m.overlay != overlayNone {
		t.Fatal("esc should close the logs")
	}
	if _, cmd := m.Update(logsTickMsg{gen: gen}); cmd != nil {
		t.Fatal("a closed logs view still reads")
	}
}

// TestCallForm: the form is built from the action's parameters; a list
// that is not JSON is refused in the form, a good call's result lands in
// the output whole.
func TestCallForm(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "dark", 120, 40)
	m.actions.selectName("textenc")
	run(m, press(m, "c"), 1)
	if m.dialog == nil || len(m.dialog.choices) != 3 {
		t.Fatalf("textenc has three actions; the console should ask which: %+v", m.dialog)
	}
	press(m, "3")
	if m.form == nil || m.form.action.Name != "textenc.topk" || len(m.form.inputs) != 3 {
		t.Fatalf("form %+v; want topk's three fields", m.form)
	}
	typeText(m, "cat")
	press(m, "tab")
	typeText(m, "dog, cats")
	press(m, "tab", "enter")
	if m.form == nil || !strings.Contains(m.form.err, "candidates") {
		t.Fatalf("a list that is not JSON must be refused naming the field: %+v", m.form)
	}
	press(m, "tab", "tab")
	m.form.inputs[1].SetValue(`["dog", "cats"]`)
	args, err := m.form.args()
	if err != nil || args["query"] != "cat" || len(args["candidates"].([]any)) != 2 || args["k"] != nil {
		t.Fatalf("args %v, %v; want query, candidates, no k (its default)", args, err)
	}
	cmd := m.submitCall()
	if m.form != nil {
		t.Fatal("the form stays open after the call")
	}
	run(m, cmd, 1)
	if m.output.entries == 0 || !strings.Contains(strings.Join(m.output.lines, "\n"), `"called": "textenc.topk"`) {
		t.Fatalf("the result is not in the output:\n%s", strings.Join(m.output.lines, "\n"))
	}
}

// TestConfirmations: m asks before switching and n cancels it; q on an
// in-process engine with modules loaded asks before quitting; an attached
// console quits at once.
func TestConfirmations(t *testing.T) {
	f := newFakeBackend(0, false)
	m := testModel(t, f, "dark", 120, 40)
	m.engine = "in-process"
	m.actions.selectName("echo")
	if cmd := press(m, "m"); cmd != nil || m.dialog == nil || !strings.Contains(m.dialog.title, "Switch echo to remote mode?") {
		t.Fatalf("m should ask first: %+v", m.dialog)
	}
	if m.dialog.cursor != 1 {
		t.Fatal("the confirmation should start on no")
	}
	press(m, "n")
	if m.dialog != nil || len(m.ops) != 0 {
		t.Fatal("n should cancel the switch")
	}
	press(m, "m")
	run(m, press(m, "y"), 1)
	if st, _ := f.StatusAll(t.Context()); st["echo"].Serving != "remote" {
		t.Fatalf("y should switch echo: %s", st["echo"])
	}
	if cmd := press(m, "q"); isQuit(cmd) || m.dialog == nil || !strings.Contains(m.dialog.title, "Quit and stop") {
		t.Fatalf("q should ask first with modules loaded in-process: %+v", m.dialog)
	}
	if cmd := press(m, "y"); !isQuit(cmd) {
		t.Fatal("y should quit")
	}
	m.engine = "http://127.0.0.1:8799"
	if cmd := press(m, "q"); !isQuit(cmd) {
		t.Fatal("an attached console quits without asking")
	}
}

// TestReadOnly: the keys that change the engine are off and unlisted,
// and so are the `:` verbs that would; reads still work.
func TestReadOnly(t *testing.T) {
	f := newFakeBackend(0, false)
	m := testModel(t, f, "dark", 120, 40)
	m.readOnly = true
	m.actions.selectName("echo")
	for _, k := range []string{"L", "u", "m", "c", "p", "b", "t"} {
		if cmd := press(m, k); cmd != nil || m.dialog != nil || m.form != nil {
			t.Fatalf("%s did something in a read-only console", k)
		}
		if !strings.Contains(m.status.text, "read-only console: "+k) {
			t.Fatalf("%s: status %q; want it to say it is off", k, m.status.text)
		}
	}
	for _, k := range m.activeKeys() {
		if k.dangerous {
			t.Errorf("help lists %s in a read-only console", k.binding.Help().Key)
		}
	}
	for _, line := range []string{"actions load echo -mode remote", "actions unload echo", "actionpolicy set default", "benchmark start", "config set META_CONFIG {}", "actions call echo.echo -ctx {}"} {
		if cmd := m.execute(line); cmd != nil || !strings.Contains(m.status.text, "read-only console") {
			t.Errorf("%q ran in a read-only console: %q", line, m.status.text)
		}
	}
	for _, line := range []string{"config get META_CONFIG", "actions describe echo", "benchmark report", "logs echo"} {
		if cmd := m.execute(line); cmd == nil {
			t.Errorf("%q, a read, is refused: %q", line, m.status.text)
		}
	}
	if f.measureCalls["benchmark start"] != 0 {
		t.Fatal("the benchmark was started")
	}
	if !types.IsRead(types.Logs.Name()) || types.IsRead(types.ActionsLoad.Name()) {
		t.Fatal("types.IsRead is wrong")
	}
}

// TestSortEveryColumn: every column sorts, by shift+letter or digit,
// again reverses, and the header shows the column and direction.
func TestSortEveryColumn(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "dark", 200, 60)
	header := func() string {
		s := ansi.Strip(m.actions.viewFramed(true))
		return strings.Split(s, "\n")[1]
	}
	first := func() string { return m.actions.rows[m.actions.shown[0]].name }
	press(m, "U") // away from the name, which the table starts sorted by
	for i, c := range actionColumns() {
		k := string(sortLetters[i])
		press(m, k)
		if m.actions.sortCol != i || m.actions.desc {
			t.Fatalf("%s: sorted by column %d (desc %v); want %s ascending", k, m.actions.sortCol, m.actions.desc, c.title)
		}
		if !strings.Contains(header(), c.title+"↑") {
			t.Errorf("%s: the header does not show %s↑: %s", k, c.title, header())
		}
		press(m, k)
		if !m.actions.desc || !strings.Contains(header(), c.title+"↓") {
			t.Errorf("%s again: not reversed: %s", k, header())
		}
	}
	press(m, "T", "T") // restarts, descending
	if first() != "use_qa" {
		t.Errorf("by restarts descending, first is %s; want use_qa (5 restarts)", first())
	}
	press(m, "0")
	if m.actions.sortCol != 9 {
		t.Errorf("0 sorts by the tenth column, not %d", m.actions.sortCol)
	}
}

// TestCommandLineKeepsHistoryAndHints: the command history survives a
// restart of the console (its file), and JSON that a shell would split
// gets a hint.
func TestCommandLineKeepsHistoryAndHints(t *testing.T) {
	file := t.TempDir() + "/console-history"
	open := func() *model {
		m := testModel(t, newFakeBackend(0, false), "dark", 120, 40)
		m.historyFile = file
		h, err := loadHistory(file)
		if err != nil {
			t.Fatal(err)
		}
		m.history = h
		return m
	}
	m := open()
	m.execute("config get META_CONFIG")
	m.execute(`actions call echo.echo -ctx {"value": 1}`)
	if !strings.Contains(m.status.text, "hint: the line is split at blanks") || !strings.Contains(m.status.text, `-ctx '{"value": 1}'`) {
		t.Fatalf("no quoting hint: %q", m.status.text)
	}
	m = open()
	press(m, ":")
	m.handleKey(tea.KeyPressMsg{Code: tea.KeyUp})
	if got := m.prompt.edit.String(); got != `actions call echo.echo -ctx {"value": 1}` {
		t.Fatalf("after a restart ↑ gives %q; want the last line run", got)
	}
	m.handleKey(tea.KeyPressMsg{Code: tea.KeyUp})
	if got := m.prompt.edit.String(); got != "config get META_CONFIG" {
		t.Fatalf("↑↑ gives %q", got)
	}
}

// TestCommandLineScrollsAndSuggests: a line wider than the screen scrolls
// to keep the cursor in view, and the completion shows as a suggestion.
func TestCommandLineScrollsAndSuggests(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "dark", 80, 24)
	press(m, ":")
	typeText(m, "actions load tex")
	if line, _ := m.promptView(80); !strings.Contains(ansi.Strip(line), "actions load textenc") {
		t.Fatalf("no suggestion of textenc: %q", ansi.Strip(line))
	}
	typeText(m, "enc -mode remote ")
	typeText(m, strings.Repeat("x", 120))
	line, _ := m.promptView(80)
	plain := ansi.Strip(line)
	if ansi.StringWidth(line) != 80 || !strings.Contains(plain, "xxxxxxxx") || strings.Contains(plain, "actions load") {
		t.Fatalf("a long line should scroll to its end within 80 cells: %q", plain)
	}
}

// TestTrackSysReportWhenIdle: `:tracksys report` with nothing running says
// so, not "stopped: 0 states" (bug 6).
func TestTrackSysReportWhenIdle(t *testing.T) {
	f := newFakeBackend(0, false)
	f.sysOn, f.sys = false, types.SysReport{States: []types.SysState{}}
	m := testModel(t, f, "dark", 120, 40)
	run(m, m.execute("tracksys report"), 1)
	if !strings.Contains(m.status.text, "tracksys is not running and holds no states") {
		t.Fatalf("status %q", m.status.text)
	}
}
