package track_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

// counts returns the Count field of each snapshot.
func counts(ss []track.Snapshot) []uint64 {
	out := make([]uint64, len(ss))
	for i, s := range ss {
		out[i] = s.Count
	}
	return out
}

func TestWindowWraparound(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		pushes   int // snapshots with Count 1, 2, ..., pushes
		n        int
		want     []uint64
	}{
		{"empty", 3, 0, 3, []uint64{}},
		{"partly full", 3, 2, 3, []uint64{1, 2}},
		{"partly full, fewer asked", 3, 2, 1, []uint64{2}},
		{"exactly full", 3, 3, 3, []uint64{1, 2, 3}},
		{"wrapped once", 3, 4, 3, []uint64{2, 3, 4}},
		{"wrapped many times", 3, 10, 3, []uint64{8, 9, 10}},
		{"wrapped, fewer asked", 3, 10, 2, []uint64{9, 10}},
		{"wrapped, more asked", 3, 10, 99, []uint64{8, 9, 10}},
		{"none asked", 3, 10, 0, []uint64{}},
		{"negative asked", 3, 10, -1, []uint64{}},
		{"capacity one", 1, 5, 3, []uint64{5}},
		{"wrapped at the boundary", 4, 8, 4, []uint64{5, 6, 7, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := track.NewWindow(tt.capacity)
			for i := 1; i <= tt.pushes; i++ {
				s := track.Snapshot{Count: uint64(i)}
				s.Buckets[0] = uint64(i)
				w.Push(s)
			}
			if got := counts(w.Last(tt.n)); !slices.Equal(got, tt.want) {
				t.Errorf("Last(%d) = %v, want %v", tt.n, got, tt.want)
			}
			if want := min(tt.pushes, tt.capacity); w.Len() != want || w.Cap() != tt.capacity || w.Total() != uint64(tt.pushes) {
				t.Errorf("Len, Cap, Total = %d, %d, %d; want %d, %d, %d", w.Len(), w.Cap(), w.Total(), want, tt.capacity, tt.pushes)
			}
			var wantSum uint64
			for _, c := range tt.want {
				wantSum += c
			}
			if s := w.Sum(tt.n); s.Count != wantSum || s.Buckets[0] != wantSum {
				t.Errorf("Sum(%d).Count = %d, Buckets[0] = %d; want %d", tt.n, s.Count, s.Buckets[0], wantSum)
			}
			var each []uint64
			w.Each(tt.n, func(i int, s *track.Snapshot) {
				if i != len(each) {
					t.Errorf("Each index %d, want %d", i, len(each))
				}
				each = append(each, s.Count)
			})
			if each == nil {
				each = []uint64{}
			}
			if !slices.Equal(each, tt.want) {
				t.Errorf("Each(%d) visited %v, want %v", tt.n, each, tt.want)
			}
		})
	}
}

func TestWindowLastCopies(t *testing.T) {
	w := track.NewWindow(2)
	w.Push(track.Snapshot{Count: 1})
	got := w.Last(1)
	got[0].Count = 99
	if w.Last(1)[0].Count != 1 {
		t.Error("modifying the result of Last changed the window")
	}
}

func TestNewWindowPanics(t *testing.T) {
	for _, c := range []int{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewWindow(%d) did not panic", c)
				}
			}()
			track.NewWindow(c)
		}()
	}
}

func TestWindowObserve(t *testing.T) {
	var r track.Recorder
	w := track.NewWindow(3)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func(i int) (track.Snapshot, bool) {
		s := r.Snapshot()
		s.At = t0.Add(time.Duration(i) * time.Second)
		return w.Observe(s)
	}
	r.Record(time.Millisecond, true, 0) // before the baseline: never counted
	if _, ok := tick(0); ok || w.Len() != 0 {
		t.Fatalf("first Observe pushed a delta (ok %v, Len %d); want baseline only", ok, w.Len())
	}
	for i := 1; i <= 5; i++ {
		for range i {
			r.Record(2*time.Millisecond, true, 0)
		}
		d, ok := tick(i)
		if !ok || d.Count != uint64(i) || d.Interval != time.Second || d.Rate() != float64(i) {
			t.Errorf("tick %d: ok %v, Count %d, Interval %v, Rate %v; want true, %d, 1s, %d", i, ok, d.Count, d.Interval, d.Rate(), i, i)
		}
	}
	if got := counts(w.Last(3)); !slices.Equal(got, []uint64{3, 4, 5}) {
		t.Errorf("Last(3) counts = %v, want [3 4 5]", got)
	}
	s := w.Sum(2)
	if s.Count != 9 || s.Interval != 2*time.Second || s.Rate() != 4.5 || s.Mean() != 2*time.Millisecond {
		t.Errorf("Sum(2): Count %d, Interval %v, Rate %v, Mean %v; want 9, 2s, 4.5, 2ms", s.Count, s.Interval, s.Rate(), s.Mean())
	}
}

func TestWindowConcurrent(t *testing.T) {
	w := track.NewWindow(8)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				w.Push(track.Snapshot{Count: 1})
				_ = w.Last(4)
				_ = w.Sum(8)
			}
		})
	}
	wg.Wait()
	if w.Total() != 800 || w.Len() != 8 || w.Sum(8).Count != 8 {
		t.Errorf("Total, Len, Sum.Count = %d, %d, %d; want 800, 8, 8", w.Total(), w.Len(), w.Sum(8).Count)
	}
}
