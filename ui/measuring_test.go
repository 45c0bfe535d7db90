package ui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
)

// runCmd runs cmd and feeds what it answers back to the model, as the
// program would; batches are run in order.
func runCmd(m *model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			runCmd(m, c)
		}
	case nil:
	default:
		_, next := m.Update(msg)
		if _, tick := msg.(refreshMsg); tick {
			return // do not follow the refresh chain
		}
		runCmd(m, next)
	}
}

// TestBenchmarkKey: b stops the running benchmark and keeps its report,
// b again starts a new one, empty; the status line says each.
func TestBenchmarkKey(t *testing.T) {
	f := newFakeBackend(0, false)
	m := testModel(t, f, "dark", 120, 40)
	if !m.bench.running || len(m.bench.rows) != 5 {
		t.Fatalf("the first read should show the running benchmark's 5 rows: running %v, %d rows", m.bench.running, len(m.bench.rows))
	}
	m.focus = paneBenchmark
	runCmd(m, press(m, "b"))
	if m.bench.running || m.bench.stoppedAt.IsZero() || len(m.bench.rows) != 5 {
		t.Fatalf("b should stop the benchmark and keep its report: running %v, stopped %v, %d rows", m.bench.running, m.bench.stoppedAt, len(m.bench.rows))
	}
	if !strings.Contains(m.status.text, "benchmark stopped at 15:09:26") {
		t.Fatalf("status %q", m.status.text)
	}
	view := ansi.Strip(m.bench.viewFramed(true))
	for _, want := range []string{"■ stopped at 15:09:26", "virtual_assistant", "52.4", "b start"} {
		if !strings.Contains(view, want) {
			t.Errorf("the stopped pane lacks %q:\n%s", want, view)
		}
	}
	// A refresh now finds none running and changes nothing.
	runCmd(m, m.readAll())
	if m.bench.running || len(m.bench.rows) != 5 {
		t.Fatal("a read after the stop lost the last report")
	}

	runCmd(m, press(m, "b"))
	if !m.bench.running || len(m.bench.rows) != 0 || !f.benchOn {
		t.Fatalf("b should start a new, empty benchmark: running %v, %d rows", m.bench.running, len(m.bench.rows))
	}
	if !strings.Contains(ansi.Strip(m.bench.viewFramed(true)), "running since 15:09:26") {
		t.Fatalf("the pane does not say since when:\n%s", m.bench.viewFramed(true))
	}
	if got := f.measureCalls; got["benchmark stop"] != 1 || got["benchmark start"] != 1 {
		t.Fatalf("calls %v", got)
	}
}

// TestMeasureConflicts: a start refused because the tool runs already (a
// 409 over HTTP) shows on the status line, and the key then stops it.
func TestMeasureConflicts(t *testing.T) {
	f := newFakeBackend(0, false)
	m := testModel(t, f, "dark", 120, 40)
	m.bench.running = false // as if started from the CLI after the read
	runCmd(m, press(m, "b"))
	if m.status.tone != toneErr || !strings.Contains(m.status.text, "benchmark start: benchmark is already running") || !strings.Contains(m.status.text, "(b stops it)") {
		t.Fatalf("status %v %q", m.status.tone, m.status.text)
	}
	if !m.bench.running {
		t.Fatal("after the 409 the console should know the benchmark runs")
	}
	runCmd(m, press(m, "b"))
	if m.bench.running || f.benchOn {
		t.Fatal("b did not stop the benchmark after the 409")
	}

	runCmd(m, m.execute("benchmark report"))
	if m.status.tone != toneErr || !strings.Contains(m.status.text, "benchmark is not running") {
		t.Fatalf("report of no benchmark: %q", m.status.text)
	}
	if m.bench.running {
		t.Fatal("a 409 on report made the benchmark run")
	}
}

// TestMeasureBusy: a second b while the first has not answered waits.
func TestMeasureBusy(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "dark", 120, 40)
	first := press(m, "b")
	if second := press(m, "b"); second != nil {
		t.Fatal("a second b ran while the first was under way")
	}
	if !strings.Contains(m.status.text, "has not answered yet") {
		t.Fatalf("status %q", m.status.text)
	}
	runCmd(m, first)
	if m.bench.running {
		t.Fatal("the first b should have stopped the benchmark")
	}
}

// TestTrackKeys: t starts and stops trackact (stopped with N entries); s
// stops and starts tracksys, whose source the Graphs pane shows.
func TestTrackKeys(t *testing.T) {
	f := newFakeBackend(0, false)
	m := testModel(t, f, "dark", 120, 40)
	runCmd(m, press(m, "t"))
	if !m.meas.trackact || m.status.text != "trackact started: each action's mean latency per second, and every placement change (t stops it)" {
		t.Fatalf("trackact %v, status %q", m.meas.trackact, m.status.text)
	}
	if !strings.Contains(ansi.Strip(m.render()), "measuring benchmark, trackact, tracksys") {
		t.Fatalf("the header does not list what measures:\n%s", m.render())
	}
	runCmd(m, press(m, "t"))
	if m.meas.trackact || !strings.HasPrefix(m.status.text, "trackact stopped with 3 entries") {
		t.Fatalf("trackact %v, status %q", m.meas.trackact, m.status.text)
	}

	m.focus = paneGraphs
	if !strings.Contains(ansi.Strip(m.graphs.viewFramed(true)), "tracksys prometheus · 2 states") {
		t.Fatalf("the Graphs pane does not show tracksys's source:\n%s", m.graphs.viewFramed(true))
	}
	runCmd(m, press(m, "s"))
	if m.meas.sysActive || m.status.text != "tracksys stopped with 2 states from prometheus" {
		t.Fatalf("tracksys %v, status %q", m.meas.sysActive, m.status.text)
	}
	if strings.Contains(m.graphs.viewFramed(true), "tracksys") {
		t.Fatal("the Graphs pane still shows tracksys after it stopped")
	}
	runCmd(m, press(m, "s"))
	if !m.meas.sysActive || !strings.Contains(ansi.Strip(m.graphs.viewFramed(true)), "tracksys (no sample yet)") {
		t.Fatalf("tracksys %v; graphs:\n%s", m.meas.sysActive, m.graphs.viewFramed(true))
	}
	runCmd(m, m.execute("tracksys report"))
	if m.status.text != "tracksys running: 0 states so far from (no sample yet)" {
		t.Fatalf("status %q", m.status.text)
	}
}

// TestStaleMeasureRead: a refresh planned before a stop answered does not
// make the stopped benchmark run again.
func TestStaleMeasureRead(t *testing.T) {
	f := newFakeBackend(0, false)
	m := testModel(t, f, "dark", 120, 40)
	plan := m.plan(true)
	stale := m.fetch.readAll(plan, true) // read while it still runs
	runCmd(m, press(m, "b"))
	m.Update(stale)
	if m.bench.running {
		t.Fatal("a read older than the stop made the benchmark run again")
	}
	m.Update(m.fetch.readAll(m.plan(true), true))
	if m.bench.running || m.bench.stoppedAt.IsZero() {
		t.Fatal("a fresh read changed the stopped benchmark")
	}
}

// TestSysReadCadence: tracksys is read every refresh while it runs, and
// every sysReadEvery refreshes while it does not.
func TestSysReadCadence(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "dark", 120, 40)
	for i := 0; i < 3; i++ {
		if !m.plan(true).sys {
			t.Fatal("tracksys runs: every refresh should read it")
		}
	}
	m.takeSys(types.SysReport{})
	reads := 0
	for i := 0; i < 10*sysReadEvery; i++ {
		if m.plan(true).sys {
			reads++
		}
	}
	if reads != 10 {
		t.Fatalf("%d reads of tracksys in %d refreshes; want 10", reads, 10*sysReadEvery)
	}
	if m.plan(false).sys {
		t.Fatal("a read between refreshes read the idle tracksys")
	}
}

// TestMeasureErrorsOverHTTP: the conflicts are told apart by their kind,
// which an error that came over HTTP carries as its code, not by their
// messages.
func TestMeasureErrorsOverHTTP(t *testing.T) {
	notRunning := func(err error) bool { return errors.Is(err, types.ErrNotStarted) }
	alreadyRunning := func(err error) bool { return errors.Is(err, types.ErrAlreadyStarted) }
	cases := []struct {
		err             error
		notRun, already bool
	}{
		{&client.Error{Status: 409, Code: "not_running", Errors: []string{"benchmark is not running: start it first with `jsorc benchmark start`"}}, true, false},
		{&client.Error{Status: 409, Code: "already_running", Errors: []string{"tracksys is already running (since 2026-03-14T15:00:00Z): stop it first with `jsorc tracksys stop`"}}, false, true},
		{fakeNotRunning("trackact"), true, false},
		{fakeAlreadyRunning("trackact"), false, true},
		{errors.New("benchmark is not running: a message alone is no kind"), false, false},
		{errors.New("no engine at http://127.0.0.1:1: start one with `jsorc serve`"), false, false},
	}
	for _, tc := range cases {
		if notRunning(tc.err) != tc.notRun || alreadyRunning(tc.err) != tc.already {
			t.Errorf("%q: notRunning %v, alreadyRunning %v", tc.err, notRunning(tc.err), alreadyRunning(tc.err))
		}
	}
}

// TestServiceStates: every state has a symbol and a word, so none is told
// by colour alone, and failed ones do not share the healthy symbol.
func TestServiceStates(t *testing.T) {
	all := []types.ServiceState{types.ServiceReady, types.ServiceStarting, types.ServiceCrashed, types.ServiceNotInstalled,
		types.ServiceUnknown, types.ServiceStopped, types.ServiceStopping, types.ServiceObserving, types.ServiceDown, ""}
	for _, st := range all {
		s := serviceState(st)
		if s.symbol == "" || s.word == "" {
			t.Errorf("state %q: symbol %q, word %q", st, s.symbol, s.word)
		}
		if st != types.ServiceReady && s.symbol == "●" {
			t.Errorf("state %q looks ready", st)
		}
	}
}

// TestServicesLayouts: a wide pane has a table, a narrow one stacks each
// service, and both show every field.
func TestServicesLayouts(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "high-contrast", 200, 60)
	for _, w := range []int{wideServices + 40, 44} {
		m.services.SetSize(w, 20)
		out := m.services.viewFramed(true)
		checkShape(t, out, w, 20)
		out = ansi.Strip(out)
		for _, want := range []string{"automation on", "backend local", "4 kept alive, 1 ready", "4790", "127.0.0.1:40125", "15:09:17 failed", "15:09:22 ok",
			"✗ promon crashed", "● redis ready", "◌ cache2 starting", "✗ db not installed", "last error postgres: executable", "restarts 4"} {
			if w >= wideServices {
				// The table: state and name in their own columns.
				want = strings.NewReplacer("promon ", "", "redis ", "", "cache2 ", "", "db ", "", "last error ", "", "restarts ", "").Replace(want)
			}
			if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
				t.Errorf("width %d: no %q in\n%s", w, want, out)
			}
		}
	}
}

// TestServicesAutomationSummary: the summary says automation is on only
// when every kept service is automated, and names the ones only observed
// (the engine's own task service is always automated, so it alone must
// not make the line say "on" over observed promon and redis).
func TestServicesAutomationSummary(t *testing.T) {
	m := testModel(t, newFakeBackend(0, false), "high-contrast", 200, 60)
	svc := func(name string, auto, kept bool) types.ServiceInfo {
		return types.ServiceInfo{Name: name, Automation: auto, Enabled: kept}
	}
	for _, tc := range []struct {
		name string
		info []types.ServiceInfo
		want string
	}{
		{"all automated", []types.ServiceInfo{svc("redis", true, true), svc("task", true, true)}, "automation on ·"},
		{"none automated", []types.ServiceInfo{svc("promon", false, true), svc("redis", false, true)}, "automation off (only observed)"},
		{"mixed", []types.ServiceInfo{svc("promon", false, true), svc("redis", false, true), svc("task", true, true)}, "automation off for promon, redis (only observed)"},
		{"nothing kept, automation on", []types.ServiceInfo{svc("redis", true, false)}, "automation on ·"},
		{"nothing kept, automation off", []types.ServiceInfo{svc("redis", false, false)}, "automation off (only observed)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := map[string]types.ServiceInfo{}
			for _, in := range tc.info {
				info[in.Name] = in
			}
			m.services.setInfo(info)
			got := strings.Join(strings.Fields(ansi.Strip(m.services.summary(200))), " ")
			if !strings.Contains(got, tc.want) {
				t.Errorf("summary %q, want %q in it", got, tc.want)
			}
		})
	}
}
