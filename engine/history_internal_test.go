package engine

import (
	"runtime"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// TestHistoryDownsamples: a series fed one point a second keeps ten
// minutes at 1 s, an hour at 10 s and six hours at 1 min; a coarse point
// averages rates, weights p50 by calls and keeps the largest p99; a read
// returns each time once, oldest first, at the finest resolution kept.
func TestHistoryDownsamples(t *testing.T) {
	h := newHistory()
	start := time.Unix(1_700_000_000, 0)
	const secs = 2 * 3600
	for i := 1; i <= secs; i++ {
		at := start.Add(time.Duration(i) * time.Second)
		rate := float64(i % 10) // 0..9 within each 10 s
		smp := types.Sample{TS: at, Rate: rate, P50MS: 2, P99MS: float64(i % 10), CPUCores: 0.5, MemBytes: 64 << 20, SysSource: "proc"}
		mod := smp
		smp.ReqRate, smp.ReqP50MS, smp.ReqP99MS = rate/2, 20, float64(i%10)*10
		h.add(smp, map[string]types.Sample{"busy": mod})
	}
	e := &Engine{hist: h}
	pts := e.History("", time.Time{}, 0)
	for i := 1; i < len(pts); i++ {
		if !pts[i].TS.After(pts[i-1].TS) {
			t.Fatalf("point %d at %v is not after %v", i, pts[i].TS, pts[i-1].TS)
		}
	}
	end := start.Add(secs * time.Second)
	count := func(from, to time.Duration, step time.Duration) int {
		n := 0
		for i := 1; i < len(pts); i++ {
			age := end.Sub(pts[i].TS)
			if age >= from && age < to && pts[i].TS.Sub(pts[i-1].TS) == step {
				n++
			}
		}
		return n
	}
	if n := count(0, 9*time.Minute, time.Second); n < 539 {
		t.Errorf("%d points 1 s apart in the last 9 minutes; want 540", n)
	}
	if n := count(15*time.Minute, 55*time.Minute, 10*time.Second); n != 240 {
		t.Errorf("%d points 10 s apart between 15 and 55 minutes ago; want 240", n)
	}
	if n := count(75*time.Minute, 115*time.Minute, time.Minute); n != 40 {
		t.Errorf("%d points 1 min apart between 75 and 115 minutes ago; want 40", n)
	}
	// A 10 s point: rates 0..9 average 4.5; p99 the largest, 9.
	for _, p := range pts {
		if end.Sub(p.TS) == 30*time.Minute {
			if p.Rate != 4.5 || p.P99MS != 9 || p.P50MS != 2 || p.SysSource != "proc" || p.MemBytes != 64<<20 {
				t.Errorf("10 s point %+v; want rate 4.5, p50 2, p99 9, 64 MiB from proc", p)
			}
			// The requests' series, beside the calls', folds alike.
			if p.ReqRate != 2.25 || p.ReqP50MS != 20 || p.ReqP99MS != 90 {
				t.Errorf("10 s point's requests %+v; want 2.25 requests/s, p50 20, p99 90", p)
			}
		}
	}
	if got := e.History("busy", time.Time{}, 0); len(got) != len(pts) {
		t.Errorf("the module has %d points; the engine %d", len(got), len(pts))
	} else if got[len(got)-4].ReqRate != 0 || got[len(got)-4].ReqP99MS != 0 {
		t.Errorf("a module's point carries the engine's requests: %+v", got[len(got)-4])
	}
	if p := pts[len(pts)-4]; !p.TS.Equal(end.Add(-3*time.Second)) || p.ReqRate != 3.5 || p.ReqP50MS != 20 || p.ReqP99MS != 70 {
		t.Errorf("1 s point 3 s before the end %+v; want 3.5 requests/s, p50 20, p99 70", p)
	}
	if got := e.History("idle", time.Time{}, 0); len(got) != 0 {
		t.Errorf("a module never active has %d points", len(got))
	}
	// Since and span.
	if got := e.History("", end.Add(-5*time.Second), 0); len(got) != 5 {
		t.Errorf("%d points after 5 s ago; want 5", len(got))
	}
	if got := e.History("", time.Time{}, time.Hour); len(got) == 0 || end.Sub(got[0].TS) > time.Hour {
		t.Errorf("an hour's span starts at %v", end.Sub(got[0].TS))
	}
	h.forget("busy")
	if got := e.History("busy", time.Time{}, 0); len(got) != 0 {
		t.Errorf("a forgotten module keeps %d points", len(got))
	}
}

// hourOfHistory fills a history with an hour of samples of the engine and
// of n active modules.
func hourOfHistory(n int) *history {
	h := newHistory()
	start := time.Unix(1_700_000_000, 0)
	names := make([]string, n)
	for i := range names {
		names[i] = "mod" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
	}
	mods := make(map[string]types.Sample, n)
	for s := 1; s <= 3600; s++ {
		smp := types.Sample{TS: start.Add(time.Duration(s) * time.Second), Rate: 10, P50MS: 1, P99MS: 3, CPUCores: 0.1, MemBytes: 1 << 26, SysSource: "proc"}
		for _, name := range names {
			mods[name] = smp
		}
		h.add(smp, mods)
	}
	return h
}

// heapGrowth is how much the live heap grows while f's result is alive.
func heapGrowth(f func() any) (uint64, any) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return after.HeapAlloc - before.HeapAlloc, keep
}

// historyBudget is the target for an hour of history of the engine and
// 200 active modules.
const historyBudget = 20 << 20

// TestHistoryMemory: an hour of history of the engine and of 200 active
// modules stays within 20 MB.
func TestHistoryMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("fills an hour of history; skipped with -short")
	}
	grew, keep := heapGrowth(func() any { return hourOfHistory(200) })
	runtime.KeepAlive(keep)
	t.Logf("an hour of graph history, the engine and 200 active modules: %.1f MB (target ≤ 20 MB)", float64(grew)/(1<<20))
	if grew > historyBudget {
		t.Errorf("an hour of history takes %.1f MB; want at most 20 MB", float64(grew)/(1<<20))
	}
}

// BenchmarkHistoryMemory reports the memory of an hour of history of the
// engine and 200 active modules (target ≤ 20 MB), and what one second of
// sampling costs.
func BenchmarkHistoryMemory(b *testing.B) {
	grew, keep := heapGrowth(func() any { return hourOfHistory(200) })
	runtime.KeepAlive(keep)
	h := keep.(*history)
	at := time.Unix(1_800_000_000, 0)
	mods := map[string]types.Sample{}
	for name := range h.modules {
		mods[name] = types.Sample{Rate: 1}
	}
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(time.Second)
		h.add(types.Sample{TS: at}, mods)
	}
	b.ReportMetric(float64(grew)/(1<<20), "MB/hour-200-modules")
	b.ReportMetric(20, "MB-target")
}
