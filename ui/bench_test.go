package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend/local"
	"github.com/jsorc/jsorc/engine/enginetest"
)

// BenchmarkView draws the whole 200×60 screen with 200 configured modules
// and the four graphs, with fresh samples every frame (the graphs are
// drawn again each time). Target: at most 5 ms per frame.
func BenchmarkView(b *testing.B) {
	m := testModel(b, newFakeBackend(194, true), "dark", 200, 60)
	if len(m.modules) != 200 {
		b.Fatalf("%d modules; want 200", len(m.modules))
	}
	b.ReportAllocs()
	for b.Loop() {
		m.graphs.dirty = true
		_ = m.View()
	}
}

// BenchmarkView1000 draws the dashboard at 200×60 with 1,000 configured
// modules and the four graphs drawn again each frame. Target: 5 ms.
func BenchmarkView1000(b *testing.B) {
	m := testModel(b, newFakeBackend(994, true), "dark", 200, 60)
	if len(m.modules) != 1000 || !m.layout.dashboard() {
		b.Fatalf("%d modules, dashboard %v; want 1000 on the dashboard", len(m.modules), m.layout.dashboard())
	}
	b.ReportAllocs()
	for b.Loop() {
		m.graphs.dirty = true
		_ = m.View()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
	b.ReportMetric(5, "ms-target")
}

// BenchmarkViewCompact is BenchmarkView on an 80×24 screen showing the
// Graphs pane.
func BenchmarkViewCompact(b *testing.B) {
	m := testModel(b, newFakeBackend(194, true), "dark", 80, 24)
	m.focus = paneGraphs
	b.ReportAllocs()
	for b.Loop() {
		m.graphs.dirty = true
		_ = m.View()
	}
}

// BenchmarkRefresh takes in one refresh of 200 modules (statuses and
// measurements), as the console does once a second.
func BenchmarkRefresh(b *testing.B) {
	f := newFakeBackend(194, true)
	m := testModel(b, f, "dark", 200, 60)
	st, _ := f.StatusAll(context.Background())
	stats, _ := f.Stats(context.Background(), 600)
	b.ReportAllocs()
	for b.Loop() {
		m.handleRead(refreshMsg{status: st, stats: &stats, at: goldenNow})
	}
}

// Idle cost: the console on a real engine with 200 configured modules,
// refreshing at 1 Hz with nothing to do, for idleWindow. It runs in a child
// process (this test binary again) so the figures are the console's alone:
// in-process, the child runs the engine too; attached, the engine runs in
// the parent and the child is only the console, on the engine's HTTP API
// and event stream.
const (
	idleWindow    = 5 * time.Second
	idleChildEnv  = "JSORC_UI_IDLE_CHILD"
	idleAttachEnv = "JSORC_UI_IDLE_ATTACH"
	// idleProfileEnv names a file for the child's CPU profile.
	idleProfileEnv = "JSORC_UI_IDLE_PROFILE"
	// Targets: 3% of one core and 80 MB of RSS in-process; 1% of one core
	// attached (events instead of polling).
	maxIdleCPU         = 0.03
	maxIdleAttachedCPU = 0.01
	maxIdleRSSMB       = 80
)

// idleFigures are what the child measured.
type idleFigures struct {
	cpu   float64 // share of one core over the window
	rssMB float64
}

// TestIdleCost checks that the console at rest costs at most 3% of a core
// and 80 MB of RSS with 200 modules configured, and an attached console at
// most 1% of a core. Under -race the figures are only reported.
func TestIdleCost(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the console for several seconds; skipped with -short")
	}
	for _, attached := range []bool{false, true} {
		f := measureIdle(t, attached)
		what, maxCPU := "in-process", maxIdleCPU
		if attached {
			what, maxCPU = "attached", maxIdleAttachedCPU
		}
		t.Logf("console at rest (%s), 200 modules, 1 Hz refresh: CPU %.2f%% of one core (target ≤ %.0f%%), RSS %.1f MB (target ≤ %d MB)",
			what, f.cpu*100, maxCPU*100, f.rssMB, maxIdleRSSMB)
		if raceEnabled {
			t.Log("race detector on: figures reported, not judged")
			continue
		}
		if load := loadPerCPU(); attached && load >= 1 {
			// A tenth of a percent is within the noise of a busy machine.
			t.Logf("machine busy (load %.1f per CPU): the attached figure is reported, not judged", load)
			continue
		}
		if f.cpu > maxCPU {
			t.Errorf("%s: idle CPU %.2f%% of one core; want at most %.0f%%", what, f.cpu*100, maxCPU*100)
		}
		if f.rssMB > maxIdleRSSMB {
			t.Errorf("%s: RSS %.1f MB; want at most %d MB", what, f.rssMB, maxIdleRSSMB)
		}
	}
}

// BenchmarkIdleConsole reports the idle figures of the in-process console
// for `make bench` (targets: 3% of a core, 80 MB).
func BenchmarkIdleConsole(b *testing.B) {
	for b.Loop() {
		f := measureIdle(b, false)
		b.ReportMetric(f.cpu*100, "cpu%")
		b.ReportMetric(maxIdleCPU*100, "cpu%-target")
		b.ReportMetric(f.rssMB, "RSS-MB")
	}
}

// BenchmarkIdleAttachedConsole reports the idle figures of a console
// attached to an engine in another process (target: 1% of a core).
func BenchmarkIdleAttachedConsole(b *testing.B) {
	for b.Loop() {
		f := measureIdle(b, true)
		b.ReportMetric(f.cpu*100, "cpu%")
		b.ReportMetric(maxIdleAttachedCPU*100, "cpu%-target")
		b.ReportMetric(f.rssMB, "RSS-MB")
	}
}

// idleEngine starts an engine with 200 configured modules.
func idleEngine(tb testing.TB) *engine.Engine {
	tb.Helper()
	e := enginetest.Start(tb, engine.Options{DataDir: tb.TempDir(), Backend: local.Options{Executable: "/bin/false"}}).Engine
	var cfg strings.Builder
	for i := 0; i < 197; i++ {
		fmt.Fprintf(&cfg, "mod%03d: {builtin: synth, params: {mem_mb: 1, actions: [a, b]}, local_mem_requirement: 1}\n", i)
	}
	if _, err := e.ConfigureActions(context.Background(), "all", "many.yaml", []byte(cfg.String())); err != nil {
		tb.Fatal(err)
	}
	if n := len(e.Modules()); n != 200 {
		tb.Fatalf("%d modules configured; want 200", n)
	}
	return e
}

// measureIdle runs TestIdleChild in a child process and reads its figures;
// attached, the engine runs here and the child attaches to its API.
func measureIdle(tb testing.TB, attached bool) idleFigures {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	args := []string{"-test.run=^TestIdleChild$", "-test.count=1", "-test.v"}
	if prof := os.Getenv(idleProfileEnv); prof != "" {
		args = append(args, "-test.cpuprofile="+prof) // where the child's time goes
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), idleChildEnv+"=1")
	if attached {
		addr, stop := serveAPI(tb, idleEngine(tb), "127.0.0.1:0")
		defer stop()
		cmd.Env = append(cmd.Env, idleAttachEnv+"="+addr)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("idle child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "IDLE "); ok {
			var f idleFigures
			if _, err := fmt.Sscanf(rest, "cpu=%g rss_mb=%g", &f.cpu, &f.rssMB); err != nil {
				tb.Fatalf("idle child said %q: %v", line, err)
			}
			return f
		}
	}
	tb.Fatalf("idle child printed no figures:\n%s", out)
	return idleFigures{}
}

// TestIdleChild is the child of TestIdleCost: it does nothing unless
// started by it.
func TestIdleChild(t *testing.T) {
	if os.Getenv(idleChildEnv) != "1" {
		t.Skip("run by TestIdleCost")
	}
	var backend Backend
	if addr := os.Getenv(idleAttachEnv); addr != "" {
		backend = client.New("http://"+addr, client.WithToken(attachToken), client.WithCause(types.CauseConsole))
	} else {
		backend = api.Local(idleEngine(t), types.CauseConsole)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := newModel(ctx, backend, Options{Width: 200, Height: 60, Environ: []string{}})
	defer m.close()
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard),
		tea.WithWindowSize(200, 60), tea.WithoutSignals(), tea.WithFPS(frameRate))
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	time.Sleep(2 * time.Second) // start-up: first reads and draws
	before, start := cpuTime(t), time.Now()
	time.Sleep(idleWindow)
	used, wall := cpuTime(t)-before, time.Since(start)
	rss := rssMB(t)
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fmt.Printf("IDLE cpu=%g rss_mb=%g\n", used.Seconds()/wall.Seconds(), rss)
}

// loadPerCPU is the machine's one-minute load average per CPU (0 when it
// cannot be read).
func loadPerCPU() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var load float64
	if _, err := fmt.Sscanf(string(data), "%g", &load); err != nil {
		return 0
	}
	return load / float64(runtime.NumCPU())
}

// cpuTime is the CPU time (user and system) this process used so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMB is this process's resident set size in MB.
func rssMB(tb testing.TB) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb / 1024
		}
	}
	tb.Fatal("no VmRSS in /proc/self/status")
	return 0
}
