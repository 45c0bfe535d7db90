package track

import (
	"math"
	"time"
)

// A Snapshot is a plain copy of a [Recorder]'s counters: cumulative when taken
// with [Recorder.Snapshot], or the delta over an interval when produced by
// [Snapshot.Sub]. Snapshots are values; copying one copies its histogram.
//
// The zero Snapshot has no observations, and every method handles it: its
// quantiles, mean and rate are zero.
type Snapshot struct {
	// At is when the snapshot was taken (for a delta or a merge: the end of
	// the interval it covers).
	At time.Time
	// Interval is the length of time the snapshot covers, ending at At. It is
	// zero for a cumulative snapshot, whose start is unknown.
	Interval time.Duration

	// Count is the number of observations, the sum of Buckets.
	Count uint64
	// Errors is the number of observations recorded with ok false.
	Errors uint64
	// Sum is the total latency of all observations. It wraps around after
	// about 292 years of accumulated latency; deltas from Sub stay correct.
	Sum time.Duration
	// Bytes is the total payload of all observations.
	Bytes uint64
	// ServerSum is the time the servers of ServerCount of the calls
	// reported spending in them (see Recorder.RecordServer).
	ServerSum   time.Duration
	ServerCount uint64
	// Min and Max are the smallest and largest latency observed; both are
	// zero when Count is zero. In a delta from Sub they may be estimates
	// within MaxRelativeError rather than exact values: see Sub.
	Min, Max time.Duration

	// Buckets holds the histogram: Buckets[i] observations fell within
	// BucketBounds(i).
	Buckets [NumBuckets]uint64
}

// Mean returns the mean latency, or 0 with no observations.
func (s Snapshot) Mean() time.Duration {
	if s.Count == 0 {
		return 0
	}
	return time.Duration(uint64(s.Sum) / s.Count)
}

// ServerMean returns the mean time a server reported spending in a call,
// over the calls that reported it, or 0 when none did.
func (s Snapshot) ServerMean() time.Duration {
	if s.ServerCount == 0 {
		return 0
	}
	return time.Duration(uint64(s.ServerSum) / s.ServerCount)
}

// Rate returns observations per second over Interval, or 0 if the interval is
// unknown (zero) or empty.
func (s Snapshot) Rate() float64 {
	if s.Interval <= 0 {
		return 0
	}
	return float64(s.Count) / s.Interval.Seconds()
}

// ErrorRatio returns the fraction of observations that were errors, in [0, 1],
// or 0 with no observations.
func (s Snapshot) ErrorRatio() float64 {
	if s.Count == 0 {
		return 0
	}
	return math.Min(1, float64(s.Errors)/float64(s.Count))
}

// Quantile returns an estimate of the q-quantile of latency (q in [0, 1]; 0.5
// is the median, 0.99 the 99th percentile): the nearest-rank observation, the
// ⌈q·Count⌉-th smallest, estimated by the midpoint of its bucket and clamped to
// [Min, Max]. The estimate is within MaxRelativeError of the exact value for
// latencies under 2^37 ns. q below 0 or NaN is taken as 0, q above 1 as 1; with
// no observations Quantile returns 0.
func (s Snapshot) Quantile(q float64) time.Duration {
	if s.Count == 0 {
		return 0
	}
	if !(q > 0) { // also catches NaN
		return s.Min
	}
	if q >= 1 {
		return s.Max
	}
	rank := uint64(math.Ceil(q * float64(s.Count)))
	rank = max(rank, 1)
	rank = min(rank, s.Count)
	var seen uint64
	for i, c := range s.Buckets {
		seen += c
		if seen < rank {
			continue
		}
		if i == overflowIndex {
			return s.Max
		}
		return min(max(bucketMid(i), s.Min), s.Max)
	}
	// Unreachable when Count is the sum of Buckets; a hand-built snapshot
	// could get here.
	return s.Max
}

// Sub returns the delta from prev to s: what was recorded after prev was taken
// and up to s. prev must be an earlier snapshot of the same recorder (or the
// zero Snapshot, giving s itself with an unknown interval). Counts that would go
// negative through misuse are clamped to zero.
//
// Interval becomes the time between the two snapshots. The extremes of the
// delta cannot always be recovered from two cumulative snapshots: Min is exact
// when the minimum fell during the interval (s.Min < prev.Min), and otherwise
// estimated from the delta's lowest non-empty bucket like a quantile, within
// MaxRelativeError of the true minimum of the interval; Max likewise.
func (s Snapshot) Sub(prev Snapshot) Snapshot {
	d := Snapshot{At: s.At}
	if !s.At.IsZero() && !prev.At.IsZero() {
		d.Interval = s.At.Sub(prev.At)
	}
	d.Errors = subClamp(s.Errors, prev.Errors)
	d.Bytes = subClamp(s.Bytes, prev.Bytes)
	d.Sum = s.Sum - prev.Sum // modular, survives wraparound
	d.ServerCount = subClamp(s.ServerCount, prev.ServerCount)
	if d.ServerCount > 0 {
		d.ServerSum = s.ServerSum - prev.ServerSum
	}
	first, last := -1, -1
	var n uint64
	for i := range d.Buckets {
		c := subClamp(s.Buckets[i], prev.Buckets[i])
		d.Buckets[i] = c
		if c != 0 {
			if first < 0 {
				first = i
			}
			last = i
			n += c
		}
	}
	d.Count = n
	if n == 0 {
		d.Sum = 0
		return d
	}
	if prev.Count == 0 || s.Min < prev.Min {
		d.Min = s.Min
	} else if first == overflowIndex {
		d.Min = max(s.Min, time.Duration(overflowLow))
	} else {
		d.Min = max(s.Min, bucketMid(first))
	}
	if prev.Count == 0 || s.Max > prev.Max || last == overflowIndex {
		d.Max = s.Max
	} else {
		d.Max = min(s.Max, bucketMid(last))
	}
	return d
}

// Merge returns the combination of s and o: counts, sums and histograms added,
// the smaller Min and the larger Max. Use it to add up consecutive deltas (the
// last N seconds from a Window) or recorders of the same interval (all actions
// of a module). At becomes the later of the two; Interval the span from the
// earlier start to the later end when both have an interval, else whichever
// interval is known. The zero Snapshot is an identity for Merge.
func (s Snapshot) Merge(o Snapshot) Snapshot {
	s.add(&o)
	return s
}

// add merges o into s in place; see Merge.
func (s *Snapshot) add(o *Snapshot) {
	switch {
	case o.Count == 0:
	case s.Count == 0:
		s.Min, s.Max = o.Min, o.Max
	default:
		s.Min, s.Max = min(s.Min, o.Min), max(s.Max, o.Max)
	}
	s.Count += o.Count
	s.Errors += o.Errors
	s.Sum += o.Sum
	s.Bytes += o.Bytes
	s.ServerSum += o.ServerSum
	s.ServerCount += o.ServerCount
	for i := range s.Buckets {
		s.Buckets[i] += o.Buckets[i]
	}
	switch {
	case o.At.IsZero():
	case s.At.IsZero():
		s.At, s.Interval = o.At, o.Interval
	default:
		end := s.At
		if o.At.After(end) {
			end = o.At
		}
		switch {
		case s.Interval > 0 && o.Interval > 0:
			start := s.At.Add(-s.Interval)
			if os := o.At.Add(-o.Interval); os.Before(start) {
				start = os
			}
			s.Interval = end.Sub(start)
		case o.Interval > 0:
			s.Interval = o.Interval
		}
		s.At = end
	}
}

// subClamp returns a-b, or 0 if b > a.
func subClamp(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// bucketMid returns the estimate for any value of bucket i (not the overflow
// bucket): its midpoint, never further than MaxRelativeError from a member.
func bucketMid(i int) time.Duration {
	lo, w := bucketRange(i)
	return time.Duration(lo + w/2)
}
