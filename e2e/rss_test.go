package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rssBudgetMB is the budget for an engine at rest.
const rssBudgetMB = 40

// restDelay is how long the engine idles before its RSS is read.
const restDelay = 2 * time.Second

// vmRSSMB reads VmRSS of a process in MB (2^20 bytes).
func vmRSSMB(t testing.TB, pid int) float64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatalf("reading /proc/%d/status: %v", pid, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		v, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) != 2 || fields[1] != "kB" {
			t.Fatalf("unexpected VmRSS line %q", line)
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			t.Fatalf("VmRSS line %q: %v", line, err)
		}
		return kb / 1024
	}
	t.Fatalf("/proc/%d/status has no VmRSS", pid)
	return 0
}

// restingEngineRSS starts an engine on a fresh data dir (the built-in set
// is configured on first start), checks nothing is loaded, lets it rest and
// returns its RSS in MB.
func restingEngineRSS(t testing.TB) float64 {
	t.Helper()
	e := startEngine(t, t.TempDir())
	all := e.statusAll(t)
	for _, m := range []string{"echo", "synth", "textenc"} {
		st, ok := all[m]
		if !ok {
			t.Fatalf("fresh engine: built-in %s not configured", m)
		}
		if st.mode() != "null" || st.Module.Loaded {
			t.Fatalf("fresh engine: %s mode %s loaded %v; want nothing loaded", m, st.mode(), st.Module.Loaded)
		}
	}
	time.Sleep(restDelay)
	if e.exited() {
		t.Fatalf("engine exited while at rest")
	}
	return vmRSSMB(t, e.PID)
}

// TestEngineRSSAtRest checks the budget: at most 40 MB RSS at rest.
func TestEngineRSSAtRest(t *testing.T) {
	slow(t)
	t.Parallel()
	mb := restingEngineRSS(t)
	t.Logf("engine at rest: VmRSS %.1f MB (budget %d MB)", mb, rssBudgetMB)
	if mb > rssBudgetMB {
		t.Errorf("engine at rest uses %.1f MB RSS; budget %d MB", mb, rssBudgetMB)
	}
}

// BenchmarkEngineRSSAtRest reports the RSS of an engine at rest as rss-MB.
// Each iteration starts a fresh engine, so one iteration takes over 2 s.
func BenchmarkEngineRSSAtRest(b *testing.B) {
	var sum float64
	n := 0
	for b.Loop() {
		sum += restingEngineRSS(b)
		n++
	}
	b.ReportMetric(sum/float64(n), "rss-MB")
	b.ReportMetric(0, "ns/op")
}
