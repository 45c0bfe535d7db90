package track_test

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

func TestRecord(t *testing.T) {
	type obs struct {
		d     time.Duration
		ok    bool
		bytes int
	}
	tests := []struct {
		name       string
		obs        []obs
		wantCount  uint64
		wantErrors uint64
		wantBytes  uint64
		wantSum    time.Duration
		wantMin    time.Duration
		wantMax    time.Duration
	}{
		{"none", nil, 0, 0, 0, 0, 0, 0},
		{"one", []obs{{time.Millisecond, true, 100}}, 1, 0, 100, time.Millisecond, time.Millisecond, time.Millisecond},
		{"errors counted", []obs{{time.Millisecond, false, 0}, {time.Millisecond, true, 0}, {time.Millisecond, false, 0}}, 3, 2, 0, 3 * time.Millisecond, time.Millisecond, time.Millisecond},
		{"negative clamped to zero", []obs{{-time.Second, true, -50}}, 1, 0, 0, 0, 0, 0},
		{"zero latency", []obs{{0, true, 1}, {5, true, 1}}, 2, 0, 2, 5, 0, 5},
		{"overflow bucket", []obs{{200 * time.Second, true, 0}, {time.Millisecond, true, 0}}, 2, 0, 0, 200*time.Second + time.Millisecond, time.Millisecond, 200 * time.Second},
		{"largest duration", []obs{{math.MaxInt64, true, 0}}, 1, 0, 0, math.MaxInt64, math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r track.Recorder
			for _, o := range tt.obs {
				r.Record(o.d, o.ok, o.bytes)
			}
			s := r.Snapshot()
			if s.Count != tt.wantCount || s.Errors != tt.wantErrors || s.Bytes != tt.wantBytes || s.Sum != tt.wantSum {
				t.Errorf("Count, Errors, Bytes, Sum = %d, %d, %d, %v; want %d, %d, %d, %v",
					s.Count, s.Errors, s.Bytes, s.Sum, tt.wantCount, tt.wantErrors, tt.wantBytes, tt.wantSum)
			}
			if s.Min != tt.wantMin || s.Max != tt.wantMax {
				t.Errorf("Min, Max = %v, %v; want %v, %v", s.Min, s.Max, tt.wantMin, tt.wantMax)
			}
			if r.Count() != tt.wantCount {
				t.Errorf("Recorder.Count = %d, want %d", r.Count(), tt.wantCount)
			}
			if s.At.IsZero() || s.Interval != 0 {
				t.Errorf("At, Interval = %v, %v; want now, 0", s.At, s.Interval)
			}
			if tt.wantMax >= 1<<37 {
				// The overflow bucket answers with Max.
				if got := s.Quantile(1); got != tt.wantMax {
					t.Errorf("Quantile(1) = %v, want %v", got, tt.wantMax)
				}
			}
		})
	}
}

func TestRecordSince(t *testing.T) {
	var r track.Recorder
	start := time.Now()
	time.Sleep(2 * time.Millisecond)
	r.RecordSince(start, false, 3)
	s := r.Snapshot()
	if s.Count != 1 || s.Errors != 1 || s.Bytes != 3 || s.Min < 2*time.Millisecond {
		t.Errorf("Count %d, Errors %d, Bytes %d, Min %v; want 1, 1, 3, >= 2ms", s.Count, s.Errors, s.Bytes, s.Min)
	}
}

// TestConcurrentRecord hammers one Recorder from many goroutines while others
// take snapshots, then checks that every count adds up.
func TestConcurrentRecord(t *testing.T) {
	const (
		writers = 16
		each    = 5_000
	)
	var r track.Recorder
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := r.Snapshot()
				if s.Count < last {
					t.Errorf("Count went backwards: %d after %d", s.Count, last)
					return
				}
				last = s.Count
				if s.Count > 0 && (s.Min > s.Max || s.Quantile(0.5) < s.Min || s.Quantile(0.5) > s.Max) {
					t.Errorf("inconsistent snapshot: Min %v, Max %v, p50 %v", s.Min, s.Max, s.Quantile(0.5))
					return
				}
			}
		})
	}
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Latencies 1µs .. 5ms spread across the goroutines; every
				// third call fails; bytes 1..7.
				d := time.Duration(1+(w*each+i)%5000) * time.Microsecond
				r.Record(d, i%3 != 0, 1+i%7)
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	var wantErrors, wantBytes uint64
	var wantSum time.Duration
	for w := range writers {
		for i := range each {
			wantSum += time.Duration(1+(w*each+i)%5000) * time.Microsecond
			if i%3 == 0 {
				wantErrors++
			}
			wantBytes += uint64(1 + i%7)
		}
	}
	s := r.Snapshot()
	if s.Count != writers*each || s.Errors != wantErrors || s.Bytes != wantBytes || s.Sum != wantSum {
		t.Errorf("Count, Errors, Bytes, Sum = %d, %d, %d, %v; want %d, %d, %d, %v",
			s.Count, s.Errors, s.Bytes, s.Sum, writers*each, wantErrors, wantBytes, wantSum)
	}
	if s.Min != time.Microsecond || s.Max != 5*time.Millisecond {
		t.Errorf("Min, Max = %v, %v; want 1µs, 5ms", s.Min, s.Max)
	}
}

// TestRecordAllocs asserts the hot path does not allocate.
func TestRecordAllocs(t *testing.T) {
	var r track.Recorder
	start := time.Now()
	d := time.Duration(0)
	snap := recorded(time.Millisecond, 3*time.Millisecond)
	prev := recorded(time.Millisecond)
	tests := []struct {
		name string
		f    func()
	}{
		{"Record", func() { d += 997; r.Record(d, d%2 == 0, 64) }},
		{"RecordSince", func() { r.RecordSince(start, true, 64) }},
		{"Quantile", func() { _ = snap.Quantile(0.99) }},
		{"Sub", func() { _ = snap.Sub(prev) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
				t.Errorf("%s: %v allocations per call, want 0", tt.name, n)
			}
		})
	}
}

// TestRecordUntimed: a sampled caller's calls are all counted, errors and
// bytes included; the untimed ones carry the latest timed latency, and
// the extremes are the timed calls'.
func TestRecordUntimed(t *testing.T) {
	var r track.Recorder
	if s := func() track.Snapshot { r.RecordUntimed(true, 0); return r.Snapshot() }(); s.Count != 1 || s.Min != 0 || s.Max != 0 {
		t.Fatalf("an untimed call before any timed one: %+v, want count 1, min and max 0", s)
	}
	r = track.Recorder{}
	for i, d := range []time.Duration{100, 1700, 3300} {
		r.Record(d, true, 10)
		for j := range 15 {
			r.RecordUntimed(j%2 == 0 || i == 0, 10)
		}
	}
	s := r.Snapshot()
	if s.Count != 48 || s.Bytes != 480 || s.Errors != 14 {
		t.Errorf("count %d bytes %d errors %d, want 48, 480, 14", s.Count, s.Bytes, s.Errors)
	}
	if want := time.Duration(16 * (100 + 1700 + 3300)); s.Sum != want || s.Min != 100 || s.Max != 3300 {
		t.Errorf("sum %v min %v max %v, want %v, 100ns, 3.3µs", s.Sum, s.Min, s.Max, want)
	}
	if s.Buckets[track.BucketIndex(1700)] != 16 {
		t.Errorf("the bucket of 1.7µs holds %d, want the timed call and the 15 after it", s.Buckets[track.BucketIndex(1700)])
	}
}

// TestTick: a sampled caller times its calls until one was timed, then
// about one in SampleEvery.
func TestTick(t *testing.T) {
	var r track.Recorder
	for range 3 {
		if !r.Tick() {
			t.Fatal("a call untimed before any was timed")
		}
	}
	r.Record(time.Microsecond, true, 0)
	const n = 1 << 18
	timed := 0
	for range n {
		if r.Tick() {
			timed++
		}
	}
	if want := n / track.SampleEvery; timed < want*9/10 || timed > want*11/10 {
		t.Errorf("%d of %d calls timed, want %d ± 10%%", timed, n, want)
	}
}
