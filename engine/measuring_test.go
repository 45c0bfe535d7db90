package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// runApps configures n one-step apps calling echo in-process and runs each
// once, so that a benchmark holds n request names.
func runApps(t *testing.T, e *engine.Engine, prefix string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s%04d: {steps: [{action: echo.echo, args: {value: %d}}]}\n", prefix, i, i)
	}
	if _, err := e.ConfigureApps(context.Background(), "apps.yaml", []byte(b.String())); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := e.RunApp(t.Context(), fmt.Sprintf("%s%04d", prefix, i), nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMeasurementsSurviveRestart: a running benchmark, trackact and
// tracksys carry on after the engine restarts, with what they had, and a
// stopped one does not come back.
func TestMeasurementsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	load(t, e.Engine, "echo", "module")
	began := time.Now()
	for _, start := range []func(context.Context) error{e.BenchmarkStart, e.TrackActStart, e.TrackSysStart} {
		if err := start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	runApps(t, e.Engine, "a", 40)
	time.Sleep(2500 * time.Millisecond) // trackact and tracksys ticks
	before, err := e.BenchmarkReport()
	if err != nil {
		t.Fatal(err)
	}
	states := len(e.TrackSysReport().States)
	if states == 0 {
		t.Fatal("tracksys has no state before the restart")
	}
	closeEngine(t, e)

	time.Sleep(3 * time.Second) // the engine is down
	e2 := openEngine(t, dir)
	after, err := e2.BenchmarkReport()
	if err != nil {
		t.Fatalf("the benchmark did not survive the restart: %v", err)
	}
	if n, m := len(before[engine.ReqTypeApp]), len(after[engine.ReqTypeApp]); n != 41 || m != n {
		t.Errorf("request names: %d before, %d after the restart, want 41 (40 apps and all)", n, m)
	}
	if got := e2.TrackSysReport(); !got.Active || len(got.States) < states {
		t.Errorf("tracksys after the restart: active %v, %d states (had %d)", got.Active, len(got.States), states)
	}
	load(t, e2.Engine, "echo", "module")
	runApps(t, e2.Engine, "a", 10)
	time.Sleep(1500 * time.Millisecond)
	r, err := e2.BenchmarkStop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(began).Seconds()
	all := r[engine.ReqTypeApp]["all"]
	if all.Throughput <= 0 || r[engine.ReqTypeApp]["a0000"].Throughput <= 0 {
		t.Fatalf("report after the restart: %+v", r)
	}
	// 50 requests over the time it ran, which excludes the 3 s downtime.
	ran := 50 / all.Throughput
	if ran < 4 || ran > wall-2.5 {
		t.Errorf("the benchmark ran %.1f s by its throughput, %.1f s of wall time with 3 s down; want 4 s to %.1f s", ran, wall, wall-2.5)
	}
	t.Logf("benchmark: %.1f s of running time over %.1f s of wall time with 3 s down", ran, wall)
	h, err := e2.TrackActStop(context.Background())
	if err != nil || len(h) == 0 {
		t.Errorf("trackact after the restart: %d entries, %v", len(h), err)
	}
	if _, err := e2.TrackSysStop(context.Background()); err != nil {
		t.Error(err)
	}
	closeEngine(t, e2)
	e3 := openEngine(t, dir)
	if _, err := e3.BenchmarkReport(); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("a stopped benchmark came back after a restart: %v", err)
	}
	if e3.TrackSysReport().Active {
		t.Error("a stopped tracksys came back")
	}
	stored, err := e3.Reports("benchmark", 0)
	if err != nil || len(stored) != 1 {
		t.Errorf("stored benchmark reports: %d, %v", len(stored), err)
	}
}

// TestBenchmarkStopOnFullDisk: on a full disk, stopping a benchmark whose
// report cannot be stored answers the error (ErrStorage) and the benchmark
// keeps running; once there is room, the stop stores it.
func TestBenchmarkStopOnFullDisk(t *testing.T) {
	dir := tinyDisk(t, "4m")
	e := openEngine(t, dir)
	load(t, e.Engine, "echo", "module")
	if err := e.BenchmarkStart(context.Background()); err != nil {
		t.Fatal(err)
	}
	runApps(t, e.Engine, "app", 3000) // a report of about 500 KB
	filler := fillDisk(t, dir)

	_, err := e.BenchmarkStop(context.Background())
	if !errors.Is(err, engine.ErrStorage) || !strings.Contains(err.Error(), "no space left on device") ||
		!strings.Contains(err.Error(), "keeps running") {
		t.Fatalf("BenchmarkStop on a full disk: %v; want ErrStorage saying so", err)
	}
	t.Logf("on a full disk: %v", err)
	if _, err := e.BenchmarkReport(); err != nil {
		t.Fatalf("the benchmark stopped although its report was not stored: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	r, err := e.BenchmarkStop(context.Background())
	if err != nil {
		t.Fatalf("BenchmarkStop with room: %v", err)
	}
	stored, err := e.Reports("benchmark", 0)
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored reports: %d, %v", len(stored), err)
	}
	if len(r[engine.ReqTypeApp]) != 3001 {
		t.Errorf("report of %d names, want 3001", len(r[engine.ReqTypeApp]))
	}
}

// tinyDisk mounts a tmpfs of size under a temporary directory and returns
// it; only root may. Elsewhere the test is skipped, loudly (and fails
// under CI=true, which runs as root).
func tinyDisk(t *testing.T, size string) string {
	t.Helper()
	msg := "mounting a tiny tmpfs needs root"
	if os.Geteuid() == 0 {
		dir := filepath.Join(t.TempDir(), "disk")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
		if err == nil {
			t.Cleanup(func() {
				if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
					t.Errorf("umount %s: %v %s", dir, err, out)
				}
			})
			return dir
		}
		msg = fmt.Sprintf("mount -t tmpfs failed: %v %s", err, out)
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %s", msg)
	}
	fmt.Fprintf(os.Stderr, "\n*** SKIPPED %s: %s ***\n\n", t.Name(), msg)
	t.Skip(msg)
	return ""
}

// fillDisk writes a file in dir until the file system is full and returns
// its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int{64 << 10, 4 << 10, 512} {
		buf := make([]byte, size)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
	return path
}
