package measure_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/track"
)

func TestActionTrackerLifecycle(t *testing.T) {
	tests := []struct {
		name string
		run  func(a *measure.ActionTracker) error
		want error
	}{
		{"tick before start", func(a *measure.ActionTracker) error {
			return a.Tick(t0, nil, nil)
		}, measure.ErrNotStarted},
		{"stop before start", func(a *measure.ActionTracker) error {
			_, err := a.Stop(t0)
			return err
		}, measure.ErrNotStarted},
		{"start twice", func(a *measure.ActionTracker) error {
			if err := a.Start(t0); err != nil {
				return err
			}
			return a.Start(t0)
		}, measure.ErrAlreadyStarted},
		{"tick after stop", func(a *measure.ActionTracker) error {
			if err := a.Start(t0); err != nil {
				return err
			}
			if _, err := a.Stop(t0); err != nil {
				return err
			}
			return a.Tick(t0, nil, nil)
		}, measure.ErrNotStarted},
		{"restart", func(a *measure.ActionTracker) error {
			for range 3 {
				if err := a.Start(t0); err != nil {
					return err
				}
				if err := a.Tick(t0, nil, map[string]string{"m": "module"}); err != nil {
					return err
				}
				h, err := a.Stop(t0)
				if err != nil {
					return err
				}
				if len(h) != 1 {
					return fmt.Errorf("history of a new run has %d entries, want 1", len(h))
				}
			}
			return nil
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(measure.NewActionTracker(0))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "jsorc trackact") {
				t.Errorf("error %q does not say what to do", err)
			}
		})
	}
}

// fakeCalls keeps cumulative per-action recorders as the engine does and
// snapshots them for Tick.
type fakeCalls struct{ set *track.Set }

func (f fakeCalls) call(name string, d time.Duration, n int) {
	r := f.set.Get(name)
	for range n {
		r.Record(d, true, 0)
	}
}

func (f fakeCalls) snap(names ...string) map[string]track.Snapshot {
	out := map[string]track.Snapshot{}
	for _, n := range names {
		out[n] = f.set.Get(n).Snapshot()
	}
	return out
}

// TestActionTrackerHistory: one entry per placement period, as JSORC kept
// it: the first holds every call from the start until the first change and
// carries no state; each change opens an entry carrying the new placement
// ({"m": {"mode": ...}}, null for a module that serves in none).
func TestActionTrackerHistory(t *testing.T) {
	f := fakeCalls{track.NewSet()}
	a := measure.NewActionTracker(0)
	f.call("use_qa.qa_classify", time.Second, 5) // before start: never reported
	if err := a.Start(t0); err != nil {
		t.Fatal(err)
	}
	if a.History() == nil {
		t.Fatal("History of a running tracker is nil")
	}
	placeA := map[string]string{"use_qa": "module", "text_seg": "remote", "bi_enc": ""}
	placeB := map[string]string{"use_qa": "remote", "text_seg": "remote", "bi_enc": ""}
	names := []string{"use_qa.qa_classify", "text_seg.get_segments"}
	ticks := []struct {
		do        func()
		placement map[string]string
	}{
		// 0: baseline, right after Start.
		{func() {}, placeA},
		// 1, 2: 10 calls of 20 ms, 2 of 100 ms, then 10 more of 40 ms.
		{func() {
			f.call("use_qa.qa_classify", 20*time.Millisecond, 10)
			f.call("text_seg.get_segments", 100*time.Millisecond, 2)
		}, placeA},
		{func() { f.call("use_qa.qa_classify", 40*time.Millisecond, 10) }, placeA},
		// 3: a module that serves in no mode is configured: no change.
		{func() {}, map[string]string{"use_qa": "module", "text_seg": "remote", "bi_enc": "", "new": ""}},
		// 4: placement changes: a new period.
		{func() {}, placeB},
		// 5: calls of 5 ms in the new period.
		{func() { f.call("use_qa.qa_classify", 5*time.Millisecond, 4) }, placeB},
	}
	for i, tk := range ticks {
		tk.do()
		if err := a.Tick(t0.Add(time.Duration(i)*time.Second), f.snap(names...), tk.placement); err != nil {
			t.Fatal(err)
		}
	}
	placeB["use_qa"] = "mutated by the caller" // not retained
	h, err := a.Stop(t0.Add(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want := []measure.Entry{
		{TS: unix(t0), ActionsCalls: map[string]float64{"use_qa.qa_classify": 0.030, "text_seg.get_segments": 0.100}},
		{TS: unix(t0.Add(4 * time.Second)), ActionsCalls: map[string]float64{"use_qa.qa_classify": 0.005},
			ActionsState: map[string]measure.ActionMode{"use_qa": {Mode: "remote"}, "text_seg": {Mode: "remote"}, "bi_enc": {}}},
	}
	if len(h) != len(want) {
		t.Fatalf("history has %d entries, want %d: %+v", len(h), len(want), h)
	}
	for i := range want {
		if !entryEqual(h[i], want[i]) {
			t.Errorf("entry %d = %+v, want %+v", i, h[i], want[i])
		}
	}
	// After Stop, History still shows the last run.
	if got := a.History(); len(got) != len(want) {
		t.Errorf("History after Stop has %d entries", len(got))
	}
}

// TestActionTrackerModulesLoadedAfterStart: the calls of an action first
// seen after the start (its module loaded later) all count, and a recorder
// that begins again from zero (unloaded and loaded) loses none.
func TestActionTrackerModulesLoadedAfterStart(t *testing.T) {
	f := fakeCalls{track.NewSet()}
	a := measure.NewActionTracker(10)
	if err := a.Start(t0); err != nil {
		t.Fatal(err)
	}
	place := map[string]string{"m": "module"}
	tick := func(i int, calls map[string]track.Snapshot) {
		t.Helper()
		if err := a.Tick(t0.Add(time.Duration(i)*time.Second), calls, place); err != nil {
			t.Fatal(err)
		}
	}
	tick(0, f.snap("m.a")) // baseline
	f.call("m.b", 10*time.Millisecond, 3)
	tick(1, f.snap("m.a", "m.b")) // m.b is new: its three calls count
	f.call("m.b", 30*time.Millisecond, 1)
	tick(2, f.snap("m.a", "m.b"))
	fresh := fakeCalls{track.NewSet()} // m.b's recorder begins again
	fresh.call("m.b", 50*time.Millisecond, 2)
	tick(3, map[string]track.Snapshot{"m.b": fresh.set.Get("m.b").Snapshot()})
	h, err := a.Stop(t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 {
		t.Fatalf("history %+v, want one period", h)
	}
	// (3×10 + 30 + 2×50) ms over 6 calls: the restarted recorder's 2
	// calls count from its new zero, the 4 before are kept.
	got := h[0].ActionsCalls["m.b"]
	if want := 0.160 / 6; math.Abs(got-want) > 1e-9 {
		t.Fatalf("m.b mean %v, want %v", got, want)
	}
}

// TestActionTrackerBounded: flapping placements keep at most capacity
// entries, the newest, the open period last.
func TestActionTrackerBounded(t *testing.T) {
	tests := []struct {
		capacity, changes int
		wantLen           int
		wantEvicted       uint64
	}{
		{3, 1, 2, 0},
		{3, 2, 3, 0},
		{3, 6, 3, 4},
		{1, 5, 2, 4}, // capacity 1 is taken as 2: the closed period and the open one
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.capacity, "/", tt.changes), func(t *testing.T) {
			f := fakeCalls{track.NewSet()}
			a := measure.NewActionTracker(tt.capacity)
			if err := a.Start(t0); err != nil {
				t.Fatal(err)
			}
			modes := []string{"module", "remote"}
			if err := a.Tick(t0, f.snap("m.a"), map[string]string{"m": modes[0]}); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= tt.changes; i++ {
				f.call("m.a", time.Duration(i)*time.Millisecond, 1)
				if err := a.Tick(t0.Add(time.Duration(i)*time.Second), f.snap("m.a"), map[string]string{"m": modes[i%2]}); err != nil {
					t.Fatal(err)
				}
			}
			h := a.History()
			if len(h) != tt.wantLen || a.Evicted() != tt.wantEvicted {
				t.Fatalf("%d entries, %d evicted; want %d, %d", len(h), a.Evicted(), tt.wantLen, tt.wantEvicted)
			}
			if last := h[len(h)-1]; last.TS != unix(t0.Add(time.Duration(tt.changes)*time.Second)) {
				t.Errorf("the last entry starts at %v, want the last change", last.TS)
			}
		})
	}
}

func TestActionTrackerJSON(t *testing.T) {
	f := fakeCalls{track.NewSet()}
	a := measure.NewActionTracker(0)
	if err := a.Start(t0); err != nil {
		t.Fatal(err)
	}
	if err := a.Tick(t0, f.snap("m.a"), map[string]string{"m": "remote", "n": ""}); err != nil {
		t.Fatal(err)
	}
	f.call("m.a", 250*time.Millisecond, 2)
	if err := a.Tick(t0.Add(time.Second), f.snap("m.a"), map[string]string{"m": "module", "n": ""}); err != nil {
		t.Fatal(err)
	}
	h, err := a.Stop(t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	ts0, _ := json.Marshal(unix(t0))
	ts1, _ := json.Marshal(unix(t0.Add(time.Second)))
	want := fmt.Sprintf(`[{"ts":%s,"actions_calls":{"m.a":0.25}},{"ts":%s,"actions_calls":{},"actions_state":{"m":{"mode":"module"},"n":{"mode":null}}}]`, ts0, ts1)
	if string(js) != want {
		t.Fatalf("got  %s\nwant %s", js, want)
	}

	// A run without calls answers its one period.
	b := measure.NewActionTracker(0)
	if err := b.Start(t0); err != nil {
		t.Fatal(err)
	}
	h, _ = b.Stop(t0)
	if js, _ := json.Marshal(h); string(js) != fmt.Sprintf(`[{"ts":%s,"actions_calls":{}}]`, ts0) {
		t.Fatalf("empty history: %s", js)
	}
}

// TestActionTrackerMemoryFlat runs ten million calls through the engine's
// kind of recorders, ticking the tracker as they go, and checks the heap
// does not grow after warm-up.
func TestActionTrackerMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("ten million calls")
	}
	const actions = 50
	calls := 10_000_000
	if raceEnabled {
		calls = 2_000_000 // the full run is left to the tests without -race
	}
	perTick := calls / 500
	set := track.NewSet()
	names := make([]string, actions)
	recs := make([]*track.Recorder, actions)
	for i := range names {
		names[i] = fmt.Sprintf("mod%d.act", i)
		recs[i] = set.Get(names[i])
	}
	placement := map[string]string{}
	for i := range 10 {
		placement[fmt.Sprint("mod", i)] = "module"
	}
	a := measure.NewActionTracker(100)
	if err := a.Start(t0); err != nil {
		t.Fatal(err)
	}
	snaps := make(map[string]track.Snapshot, actions)
	tick := 0
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var warm uint64
	for i := range calls {
		recs[i%actions].Record(time.Duration(i%5000)*time.Microsecond, true, 0)
		if (i+1)%perTick != 0 {
			continue
		}
		for j, r := range recs {
			snaps[names[j]] = r.Snapshot()
		}
		tick++
		if tick%2 == 0 { // a change every other tick: a new period each time
			placement["mod0"] = map[string]string{"module": "remote", "remote": "module"}[placement["mod0"]]
		}
		if err := a.Tick(t0.Add(time.Duration(tick)*time.Second), snaps, placement); err != nil {
			t.Fatal(err)
		}
		if tick == 400 { // the history of 100 is full and has turned over
			warm = heap()
		}
	}
	end := heap()
	t.Logf("heap after warm-up %d KiB, after %d calls %d KiB (%d ticks, %d evicted)",
		warm>>10, calls, end>>10, tick, a.Evicted())
	if end > warm+256<<10 {
		t.Errorf("heap grew from %d to %d bytes", warm, end)
	}
	if len(a.History()) != 100 {
		t.Errorf("history has %d entries, want 100", len(a.History()))
	}
}

func TestActionTrackerTickAllocs(t *testing.T) {
	f := fakeCalls{track.NewSet()}
	var names []string
	for i := range 50 {
		names = append(names, fmt.Sprintf("m%d.a", i))
	}
	a := measure.NewActionTracker(8)
	if err := a.Start(t0); err != nil {
		t.Fatal(err)
	}
	place := map[string]string{"m0": "module"}
	i := 0
	tick := func() {
		for _, n := range names {
			f.call(n, time.Millisecond, 1)
		}
		i++
		if err := a.Tick(t0.Add(time.Duration(i)*time.Second), f.snap(names...), place); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 {
		tick()
	}
	snaps := f.snap(names...)
	if n := testing.AllocsPerRun(100, func() {
		i++
		for k, s := range snaps {
			s.Count++
			s.Sum += time.Millisecond
			snaps[k] = s
		}
		if err := a.Tick(t0.Add(time.Duration(i)*time.Second), snaps, place); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("steady-state Tick: %g allocations", n)
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func entryEqual(a, b measure.Entry) bool {
	if a.TS != b.TS || len(a.ActionsCalls) != len(b.ActionsCalls) || len(a.ActionsState) != len(b.ActionsState) {
		return false
	}
	if (a.ActionsState == nil) != (b.ActionsState == nil) {
		return false
	}
	for k, v := range b.ActionsCalls {
		if got, ok := a.ActionsCalls[k]; !ok || math.Abs(got-v) > 1e-9 {
			return false
		}
	}
	for k, v := range b.ActionsState {
		if a.ActionsState[k] != v {
			return false
		}
	}
	return true
}
