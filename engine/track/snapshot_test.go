package track_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

var quantiles = []float64{0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}

// distribution draws one latency.
type distribution struct {
	name string
	draw func(r *rand.Rand) time.Duration
}

var distributions = []distribution{
	{"uniform 100ns-1ms", func(r *rand.Rand) time.Duration {
		return 100 + time.Duration(r.Int64N(int64(time.Millisecond)-100))
	}},
	{"exponential mean 5ms", func(r *rand.Rand) time.Duration {
		return time.Duration(r.ExpFloat64() * 5e6)
	}},
	{"lognormal median 2ms", func(r *rand.Rand) time.Duration {
		return time.Duration(2e6 * math.Exp(1.5*r.NormFloat64()))
	}},
	{"log-uniform 100ns-100s", func(r *rand.Rand) time.Duration {
		return time.Duration(math.Exp(math.Log(100) + r.Float64()*(math.Log(1e11)-math.Log(100))))
	}},
	{"bimodal 200us and 2s", func(r *rand.Rand) time.Duration {
		if r.IntN(10) == 0 {
			return time.Duration(2e9 * (1 + 0.1*r.NormFloat64()))
		}
		return time.Duration(2e5 * (1 + 0.1*r.NormFloat64()))
	}},
	{"tiny 0-40ns", func(r *rand.Rand) time.Duration {
		return time.Duration(r.IntN(41))
	}},
	{"constant 1.234567ms", func(*rand.Rand) time.Duration {
		return 1234567
	}},
}

// exactQuantile is the nearest-rank quantile of sorted samples, the
// definition Snapshot.Quantile estimates.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// checkQuantiles compares the quantiles of s with the exact ones of samples.
func checkQuantiles(t *testing.T, s track.Snapshot, samples []time.Duration) {
	t.Helper()
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	if s.Count != uint64(len(sorted)) {
		t.Fatalf("Count = %d, want %d", s.Count, len(sorted))
	}
	for _, q := range quantiles {
		want := exactQuantile(sorted, q)
		got := s.Quantile(q)
		if err := math.Abs(float64(got - want)); err > float64(want)*track.MaxRelativeError {
			t.Errorf("Quantile(%v) = %v, exact %v: relative error %.4f > %.4f",
				q, got, want, err/float64(want), track.MaxRelativeError)
		}
	}
}

func draw(seed uint64, d distribution, n int) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 42))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = max(0, d.draw(r))
	}
	return out
}

func TestQuantileAccuracy(t *testing.T) {
	for i, d := range distributions {
		for _, n := range []int{1, 7, 100, 10_000} {
			samples := draw(uint64(i*100+n), d, n)
			t.Run(d.name+"/n="+strconv.Itoa(n), func(t *testing.T) {
				var r track.Recorder
				for _, v := range samples {
					r.Record(v, true, 0)
				}
				s := r.Snapshot()
				checkQuantiles(t, s, samples)
				if s.Min != slices.Min(samples) || s.Max != slices.Max(samples) {
					t.Errorf("Min, Max = %v, %v; want %v, %v", s.Min, s.Max, slices.Min(samples), slices.Max(samples))
				}
				var sum time.Duration
				for _, v := range samples {
					sum += v
				}
				if s.Sum != sum || s.Mean() != sum/time.Duration(n) {
					t.Errorf("Sum, Mean = %v, %v; want %v, %v", s.Sum, s.Mean(), sum, sum/time.Duration(n))
				}
			})
		}
	}
}

// TestQuantileAccuracyDelta checks quantiles of a Sub delta against the exact
// quantiles of only the observations recorded in the interval, including
// when the interval's extremes are not the recorder's.
func TestQuantileAccuracyDelta(t *testing.T) {
	for i, d := range distributions {
		t.Run(d.name, func(t *testing.T) {
			before := draw(uint64(i), d, 5_000)
			during := draw(uint64(i+1000), d, 5_000)
			var r track.Recorder
			for _, v := range before {
				r.Record(v, true, 0)
			}
			prev := r.Snapshot()
			for _, v := range during {
				r.Record(v, true, 0)
			}
			delta := r.Snapshot().Sub(prev)
			checkQuantiles(t, delta, during)
		})
	}
}

// TestQuantileAccuracyMerge checks quantiles of merged snapshots of two
// recorders against the exact quantiles of all their observations.
func TestQuantileAccuracyMerge(t *testing.T) {
	for i, d := range distributions {
		t.Run(d.name, func(t *testing.T) {
			a := draw(uint64(i), d, 3_000)
			b := draw(uint64(i+1000), distributions[(i+1)%len(distributions)], 2_000)
			var ra, rb track.Recorder
			for _, v := range a {
				ra.Record(v, true, 0)
			}
			for _, v := range b {
				rb.Record(v, true, 0)
			}
			checkQuantiles(t, ra.Snapshot().Merge(rb.Snapshot()), slices.Concat(a, b))
		})
	}
}

func TestQuantileArguments(t *testing.T) {
	var r track.Recorder
	for _, v := range []time.Duration{10 * time.Microsecond, 20 * time.Microsecond, 30 * time.Microsecond} {
		r.Record(v, true, 0)
	}
	s := r.Snapshot()
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{math.NaN(), s.Min},
		{math.Inf(-1), s.Min},
		{-0.5, s.Min},
		{0, s.Min},
		{1, s.Max},
		{1.5, s.Max},
		{math.Inf(1), s.Max},
	}
	for _, tt := range tests {
		if got := s.Quantile(tt.q); got != tt.want {
			t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestEmptySnapshot(t *testing.T) {
	var r track.Recorder
	snaps := map[string]track.Snapshot{
		"zero value":        {},
		"zero recorder":     r.Snapshot(),
		"sub of empties":    r.Snapshot().Sub(r.Snapshot()),
		"sub of zero":       track.Snapshot{}.Sub(track.Snapshot{}),
		"merge of empties":  r.Snapshot().Merge(track.Snapshot{}),
		"empty window sum":  track.NewWindow(4).Sum(4),
		"sub, no new calls": recorded(time.Millisecond).Sub(recorded(time.Millisecond)),
	}
	for name, s := range snaps {
		t.Run(name, func(t *testing.T) {
			if s.Count != 0 || s.Errors != 0 || s.Sum != 0 || s.Bytes != 0 || s.Min != 0 || s.Max != 0 {
				t.Errorf("not empty: %+v", struct {
					Count, Errors, Bytes uint64
					Sum, Min, Max        time.Duration
				}{s.Count, s.Errors, s.Bytes, s.Sum, s.Min, s.Max})
			}
			for _, q := range append(quantiles, -1, 2, math.NaN()) {
				if got := s.Quantile(q); got != 0 {
					t.Errorf("Quantile(%v) = %v, want 0", q, got)
				}
			}
			if s.Mean() != 0 || s.Rate() != 0 || s.ErrorRatio() != 0 {
				t.Errorf("Mean, Rate, ErrorRatio = %v, %v, %v; want zeros", s.Mean(), s.Rate(), s.ErrorRatio())
			}
		})
	}
}

// recorded returns a snapshot of a fresh recorder given the observations.
func recorded(ds ...time.Duration) track.Snapshot {
	var r track.Recorder
	for _, d := range ds {
		r.Record(d, true, 0)
	}
	return r.Snapshot()
}

func TestSub(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	type obs struct {
		d     time.Duration
		ok    bool
		bytes int
	}
	ms := time.Millisecond
	tests := []struct {
		name        string
		before      []obs // recorded before prev
		during      []obs // recorded between prev and cur
		zeroPrev    bool  // subtract the zero Snapshot instead of prev
		wantCount   uint64
		wantErrors  uint64
		wantBytes   uint64
		wantSum     time.Duration
		wantMin     time.Duration
		wantMax     time.Duration
		exactMinMax bool // else within MaxRelativeError
		wantIntvl   time.Duration
	}{
		{
			name:      "nothing before",
			during:    []obs{{2 * ms, true, 10}, {4 * ms, false, 20}},
			wantCount: 2, wantErrors: 1, wantBytes: 30, wantSum: 6 * ms,
			wantMin: 2 * ms, wantMax: 4 * ms, exactMinMax: true, wantIntvl: time.Second,
		},
		{
			name:      "new extremes during the interval",
			before:    []obs{{5 * ms, false, 7}},
			during:    []obs{{1 * ms, true, 1}, {9 * ms, false, 2}},
			wantCount: 2, wantErrors: 1, wantBytes: 3, wantSum: 10 * ms,
			wantMin: 1 * ms, wantMax: 9 * ms, exactMinMax: true, wantIntvl: time.Second,
		},
		{
			name:      "extremes before the interval",
			before:    []obs{{1 * ms, true, 0}, {90 * ms, true, 0}},
			during:    []obs{{7 * ms, true, 0}, {33 * ms, true, 0}, {20 * ms, true, 0}},
			wantCount: 3, wantSum: 60 * ms,
			wantMin: 7 * ms, wantMax: 33 * ms, wantIntvl: time.Second,
		},
		{
			name:      "no calls during the interval",
			before:    []obs{{3 * ms, false, 5}},
			wantIntvl: time.Second,
		},
		{
			name:      "zero prev gives the cumulative snapshot",
			before:    []obs{{3 * ms, false, 5}},
			during:    []obs{{4 * ms, true, 6}},
			zeroPrev:  true,
			wantCount: 2, wantErrors: 1, wantBytes: 11, wantSum: 7 * ms,
			wantMin: 3 * ms, wantMax: 4 * ms, exactMinMax: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r track.Recorder
			for _, o := range tt.before {
				r.Record(o.d, o.ok, o.bytes)
			}
			prev := r.Snapshot()
			prev.At = t0
			for _, o := range tt.during {
				r.Record(o.d, o.ok, o.bytes)
			}
			cur := r.Snapshot()
			cur.At = t0.Add(time.Second)
			if tt.zeroPrev {
				prev = track.Snapshot{}
			}
			d := cur.Sub(prev)
			if d.Count != tt.wantCount || d.Errors != tt.wantErrors || d.Bytes != tt.wantBytes || d.Sum != tt.wantSum {
				t.Errorf("Count, Errors, Bytes, Sum = %d, %d, %d, %v; want %d, %d, %d, %v",
					d.Count, d.Errors, d.Bytes, d.Sum, tt.wantCount, tt.wantErrors, tt.wantBytes, tt.wantSum)
			}
			if d.Interval != tt.wantIntvl || !d.At.Equal(cur.At) {
				t.Errorf("Interval, At = %v, %v; want %v, %v", d.Interval, d.At, tt.wantIntvl, cur.At)
			}
			if tt.wantIntvl > 0 {
				if want := float64(tt.wantCount) / tt.wantIntvl.Seconds(); d.Rate() != want {
					t.Errorf("Rate = %v, want %v", d.Rate(), want)
				}
			}
			if tt.wantCount > 0 {
				if want := tt.wantSum / time.Duration(tt.wantCount); d.Mean() != want {
					t.Errorf("Mean = %v, want %v", d.Mean(), want)
				}
			}
			for _, m := range []struct {
				what      string
				got, want time.Duration
			}{{"Min", d.Min, tt.wantMin}, {"Max", d.Max, tt.wantMax}} {
				if tt.exactMinMax && m.got != m.want {
					t.Errorf("%s = %v, want exactly %v", m.what, m.got, m.want)
				}
				if err := math.Abs(float64(m.got - m.want)); err > float64(m.want)*track.MaxRelativeError {
					t.Errorf("%s = %v, want %v within %v", m.what, m.got, m.want, track.MaxRelativeError)
				}
			}
		})
	}
}

func TestSubMisuseClamps(t *testing.T) {
	older := recorded(time.Millisecond)
	newer := recorded(time.Millisecond, 2*time.Millisecond)
	d := older.Sub(newer) // wrong way round
	if d.Count != 0 || d.Errors != 0 || d.Bytes != 0 || d.Sum != 0 {
		t.Errorf("reversed Sub = Count %d, Errors %d, Bytes %d, Sum %v; want all zero", d.Count, d.Errors, d.Bytes, d.Sum)
	}
	for i, c := range d.Buckets {
		if c != 0 {
			t.Fatalf("reversed Sub: bucket %d = %d, want 0", i, c)
		}
	}
}

func TestSubSumWraparound(t *testing.T) {
	// Sum is modular: a delta across an int64 wraparound is still right.
	prev := track.Snapshot{Sum: math.MaxInt64 - 5, Count: 1}
	prev.Buckets[0] = 1
	cur := track.Snapshot{Sum: math.MinInt64 + 4, Count: 2}
	cur.Buckets[0] = 1
	cur.Buckets[1] = 1
	if d := cur.Sub(prev); d.Sum != 10 {
		t.Errorf("Sum across wraparound = %d, want 10", d.Sum)
	}
}

func TestMerge(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s track.Snapshot, end, interval time.Duration) track.Snapshot {
		s.At, s.Interval = t0.Add(end), interval
		return s
	}
	a := recorded(2*time.Millisecond, 8*time.Millisecond)
	b := recorded(1*time.Millisecond, 4*time.Millisecond, 5*time.Millisecond)
	tests := []struct {
		name      string
		x, y      track.Snapshot
		wantAt    time.Duration // from t0; -1 for zero At
		wantIntvl time.Duration
		wantCount uint64
		wantMin   time.Duration
		wantMax   time.Duration
	}{
		{"zero with zero", track.Snapshot{}, track.Snapshot{}, -1, 0, 0, 0, 0},
		{"zero is left identity", track.Snapshot{}, at(a, 2*time.Second, time.Second), 2 * time.Second, time.Second, 2, 2 * time.Millisecond, 8 * time.Millisecond},
		{"zero is right identity", at(a, 2*time.Second, time.Second), track.Snapshot{}, 2 * time.Second, time.Second, 2, 2 * time.Millisecond, 8 * time.Millisecond},
		{"consecutive intervals add", at(a, time.Second, time.Second), at(b, 2*time.Second, time.Second), 2 * time.Second, 2 * time.Second, 5, time.Millisecond, 8 * time.Millisecond},
		{"consecutive, other order", at(b, 2*time.Second, time.Second), at(a, time.Second, time.Second), 2 * time.Second, 2 * time.Second, 5, time.Millisecond, 8 * time.Millisecond},
		{"same interval", at(a, time.Second, time.Second), at(b, time.Second, time.Second), time.Second, time.Second, 5, time.Millisecond, 8 * time.Millisecond},
		{"one interval unknown", at(a, time.Second, 0), at(b, time.Second, 500*time.Millisecond), time.Second, 500 * time.Millisecond, 5, time.Millisecond, 8 * time.Millisecond},
		{"empty keeps other's extremes", at(track.Snapshot{}, time.Second, time.Second), at(b, time.Second, time.Second), time.Second, time.Second, 3, time.Millisecond, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.x.Merge(tt.y)
			wantAt := time.Time{}
			if tt.wantAt >= 0 {
				wantAt = t0.Add(tt.wantAt)
			}
			if !m.At.Equal(wantAt) || m.Interval != tt.wantIntvl {
				t.Errorf("At, Interval = %v, %v; want %v, %v", m.At, m.Interval, wantAt, tt.wantIntvl)
			}
			if m.Count != tt.wantCount || m.Min != tt.wantMin || m.Max != tt.wantMax {
				t.Errorf("Count, Min, Max = %d, %v, %v; want %d, %v, %v", m.Count, m.Min, m.Max, tt.wantCount, tt.wantMin, tt.wantMax)
			}
			if m.Sum != tt.x.Sum+tt.y.Sum || m.Errors != tt.x.Errors+tt.y.Errors || m.Bytes != tt.x.Bytes+tt.y.Bytes {
				t.Errorf("Sum, Errors, Bytes not added: %v, %d, %d", m.Sum, m.Errors, m.Bytes)
			}
			var n uint64
			for i, c := range m.Buckets {
				if c != tt.x.Buckets[i]+tt.y.Buckets[i] {
					t.Fatalf("bucket %d = %d, want %d", i, c, tt.x.Buckets[i]+tt.y.Buckets[i])
				}
				n += c
			}
			if n != m.Count {
				t.Errorf("buckets sum to %d, Count %d", n, m.Count)
			}
		})
	}
}

func TestMergeSubRoundTrip(t *testing.T) {
	// Merging consecutive deltas gives the delta over the whole span.
	var r track.Recorder
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	snaps := make([]track.Snapshot, 5)
	for i := range snaps {
		for range 100 {
			r.Record(time.Duration(rng.Int64N(int64(time.Second))), rng.IntN(4) != 0, rng.IntN(1000))
		}
		snaps[i] = r.Snapshot()
		snaps[i].At = t0.Add(time.Duration(i) * time.Second)
	}
	var merged track.Snapshot
	for i := 1; i < len(snaps); i++ {
		merged = merged.Merge(snaps[i].Sub(snaps[i-1]))
	}
	whole := snaps[len(snaps)-1].Sub(snaps[0])
	if merged.Count != whole.Count || merged.Errors != whole.Errors || merged.Sum != whole.Sum ||
		merged.Bytes != whole.Bytes || merged.Buckets != whole.Buckets ||
		merged.Interval != whole.Interval || !merged.At.Equal(whole.At) {
		t.Errorf("merged deltas differ from the whole delta:\nmerged Count %d Errors %d Sum %v Bytes %d Interval %v\nwhole  Count %d Errors %d Sum %v Bytes %d Interval %v",
			merged.Count, merged.Errors, merged.Sum, merged.Bytes, merged.Interval,
			whole.Count, whole.Errors, whole.Sum, whole.Bytes, whole.Interval)
	}
}

// TestQuantileAccuracyWindow checks quantiles of the Merge of several Sub
// deltas (Window.Sum) against the exact quantiles of the observations of those
// ticks only; the deltas' extremes are mostly estimates, not exact values.
func TestQuantileAccuracyWindow(t *testing.T) {
	for i, d := range distributions {
		t.Run(d.name, func(t *testing.T) {
			var r track.Recorder
			w := track.NewWindow(4)
			t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			var ticks [][]time.Duration
			for tick := range 10 {
				s := r.Snapshot()
				s.At = t0.Add(time.Duration(tick) * time.Second)
				w.Observe(s)
				samples := draw(uint64(i*1000+tick), d, 1_000)
				for _, v := range samples {
					r.Record(v, true, 0)
				}
				ticks = append(ticks, samples)
			}
			s := r.Snapshot()
			s.At = t0.Add(10 * time.Second)
			w.Observe(s)
			for _, n := range []int{1, 3} {
				sum := w.Sum(n)
				if sum.Interval != time.Duration(n)*time.Second {
					t.Errorf("Sum(%d).Interval = %v, want %ds", n, sum.Interval, n)
				}
				checkQuantiles(t, sum, slices.Concat(ticks[len(ticks)-n:]...))
			}
		})
	}
}

// TestServerTime: the time servers reported is summed over the calls that
// reported it, and survives Sub and Merge like every other counter.
func TestServerTime(t *testing.T) {
	var r track.Recorder
	r.Record(10*time.Millisecond, true, 100)
	r.RecordServer(4 * time.Millisecond)
	before := r.Snapshot()
	r.Record(12*time.Millisecond, true, 100)
	r.RecordServer(8 * time.Millisecond)
	r.Record(9*time.Millisecond, true, 100) // a server that reports nothing
	after := r.Snapshot()
	cases := []struct {
		name      string
		s         track.Snapshot
		wantCount uint64
		wantMean  time.Duration
	}{
		{"cumulative", after, 2, 6 * time.Millisecond},
		{"delta", after.Sub(before), 1, 8 * time.Millisecond},
		{"merged", before.Merge(after.Sub(before)), 2, 6 * time.Millisecond},
		{"none", track.Snapshot{}, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s.ServerCount != tc.wantCount || tc.s.ServerMean() != tc.wantMean {
				t.Fatalf("server count %d mean %v, want %d and %v", tc.s.ServerCount, tc.s.ServerMean(), tc.wantCount, tc.wantMean)
			}
		})
	}
}
