package measure_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/track"
)

// TestBenchmarkResume: a benchmark saved after 10 s, resumed after 50 s of
// downtime and run 5 s more reports every request of both parts, its
// throughput over the 15 s it ran, and its original start; the state
// survives JSON.
func TestBenchmarkResume(t *testing.T) {
	b := measure.NewBenchmark()
	if err := b.Start(t0); err != nil {
		t.Fatal(err)
	}
	whole := measure.NewBenchmark() // the same requests without a restart
	if err := whole.Start(t0); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		d := time.Duration(i+1) * time.Millisecond
		for _, bm := range []*measure.Benchmark{b, whole} {
			bm.Record("walker_run", "faq", d, true)
			bm.Record("walker_run", "", 2*d, i%10 != 0)
		}
	}
	st, ok := b.State(t0.Add(10 * time.Second))
	if !ok || st.Elapsed != 10*time.Second || !st.Start.Equal(t0) || len(st.Keys) != 2 {
		t.Fatalf("State = %+v, %v", st, ok)
	}
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back measure.BenchState
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved state of 2 keys, 200 requests: %d bytes of JSON", len(js))

	resumed := measure.NewBenchmark()
	t1 := t0.Add(time.Minute)
	if err := resumed.Resume(back, t1); err != nil {
		t.Fatal(err)
	}
	if since, ok := resumed.Active(); !ok || !since.Equal(t0) {
		t.Errorf("Active after Resume = %v, %v; want the original start", since, ok)
	}
	for i := range 50 {
		d := time.Duration(i+1) * time.Millisecond
		for _, bm := range []*measure.Benchmark{resumed, whole} {
			bm.Record("walker_run", "faq", 3*d, true)
		}
	}
	got, err := resumed.Stop(t1.Add(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := whole.Stop(t0.Add(15 * time.Second))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resumed report\n%+v\nwant (no restart, 15 s)\n%+v", got, want)
	}
	if tp := got["walker_run"]["all"].Throughput; tp < 16.66 || tp > 16.67 {
		t.Errorf("throughput %.3f, want 16.667 (250 requests over the 15 s it ran, not the 65 s since it began)", tp)
	}
}

func TestBenchmarkResumeRefusesBadState(t *testing.T) {
	good := measure.SavedStats{Count: 2, Sum: 2 * time.Millisecond, Min: time.Millisecond, Max: time.Millisecond,
		Buckets: map[int]uint64{track.BucketIndex(time.Millisecond): 2}}
	tests := []struct {
		name  string
		state measure.BenchState
	}{
		{"count mismatch", measure.BenchState{Keys: []measure.BenchKeyState{{Type: "t", Name: "n",
			Stats: measure.SavedStats{Count: 3, Buckets: good.Buckets}}}}},
		{"bucket out of range", measure.BenchState{Keys: []measure.BenchKeyState{{Type: "t", Name: "n",
			Stats: measure.SavedStats{Count: 1, Buckets: map[int]uint64{track.NumBuckets: 1}}}}}},
		{"negative elapsed", measure.BenchState{Elapsed: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := measure.NewBenchmark()
			if err := b.Resume(tt.state, t0); err == nil {
				t.Error("Resume accepted a bad state")
			}
			if _, ok := b.Active(); ok {
				t.Error("a failed Resume left a benchmark running")
			}
		})
	}
	b := measure.NewBenchmark()
	_ = b.Start(t0)
	if err := b.Resume(measure.BenchState{}, t0); !errors.Is(err, measure.ErrAlreadyStarted) {
		t.Errorf("Resume while running: %v", err)
	}
}

// TestTrackersResume: trackact and tracksys hand out their entries in
// pieces (EntriesSince) and, resumed from them, carry on as if the engine
// had not stopped, the first tick after setting a new baseline.
func TestTrackersResume(t *testing.T) {
	a := measure.NewActionTracker(5)
	if err := a.Start(t0); err != nil {
		t.Fatal(err)
	}
	var saved []measure.Entry
	var n uint64
	var open measure.OpenPeriod
	calls := map[string]track.Snapshot{}
	modes := []string{"module", "remote"}
	for i := range 8 {
		calls["m.a"] = track.Snapshot{Count: uint64(i + 1), Sum: time.Duration(i+1) * time.Second}
		// A change of placement every other tick: a period per two ticks.
		if err := a.Tick(t0.Add(time.Duration(i)*time.Second), calls, map[string]string{"m": modes[i/2%2]}); err != nil {
			t.Fatal(err)
		}
		var fresh []measure.Entry
		var total uint64
		var ok bool
		_, fresh, total, open, ok = a.EntriesSince(n)
		if !ok {
			t.Fatal("EntriesSince: not running")
		}
		saved, n = append(saved, fresh...), total
	}
	if len(saved) != 3 || n != 3 {
		t.Fatalf("saved %d periods of %d, want 3", len(saved), n)
	}
	b := measure.NewActionTracker(5)
	if err := b.Resume(t0, saved, open); err != nil {
		t.Fatal(err)
	}
	if got, want := b.History(), a.History(); !reflect.DeepEqual(got, want) {
		t.Errorf("resumed history\n%v\nwant\n%v", got, want)
	}
	// The engine's recorders start from zero after a restart: the first
	// tick sets their baseline, the calls after it join the open period.
	before := b.History()[3].ActionsCalls["m.a"]
	_ = b.Tick(t0.Add(20*time.Second), map[string]track.Snapshot{"m.a": {Count: 1, Sum: time.Second}}, map[string]string{"m": "remote"})
	_ = b.Tick(t0.Add(21*time.Second), map[string]track.Snapshot{"m.a": {Count: 3, Sum: 5 * time.Second}}, map[string]string{"m": "remote"})
	h := b.History()
	if len(h) != 4 {
		t.Fatalf("after the restart %d entries, want the same 4: %+v", len(h), h)
	}
	// The open period held one call of 1 s (the call of the tick that saw
	// the change went to the period before) and gains 2 calls of 2 s.
	if got := h[3].ActionsCalls["m.a"]; before != 1 || math.Abs(got-5.0/3) > 1e-9 {
		t.Errorf("open period mean %v before, %v after; want 1 and 5/3", before, got)
	}

	s := measure.NewSysTracker(3)
	_ = s.Start(t0)
	for i := range 4 {
		_ = s.Tick(t0.Add(time.Duration(i)*time.Second), map[string]string{"m": "remote"}, nil, measure.SourceProc)
	}
	start, states, total, ok := s.StatesSince(1)
	if !ok || !start.Equal(t0) || total != 4 || len(states) != 3 {
		t.Fatalf("StatesSince(1) = %v %d %d %v", start, len(states), total, ok)
	}
	if _, fresh, _, _ := s.StatesSince(3); len(fresh) != 1 {
		t.Errorf("StatesSince(3): %d states, want 1", len(fresh))
	}
	r := measure.NewSysTracker(3)
	if err := r.Resume(start, states); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Report(), s.Report()) {
		t.Errorf("resumed tracksys %+v, want %+v", r.Report(), s.Report())
	}
}
