package track

import (
	"math"
	"math/bits"
	"time"
)

// Layout of the log-linear histogram. Values v (in nanoseconds) below
// 2*subCount map to bucket v. For larger values, with k = ⌊log2 v⌋, the range
// [2^k, 2^(k+1)) is split into subCount buckets of width 2^(k-subBits), so a
// bucket is never wider than 1/subCount of its lower bound.
const (
	subBits  = 4
	subCount = 1 << subBits // linear sub-buckets per power of two

	// maxExp is the largest k whose range [2^k, 2^(k+1)) is resolved.
	maxExp = 36

	// overflowIndex is the bucket of every value of 2^(maxExp+1) ns or more.
	overflowIndex = (maxExp-subBits+1)*subCount + subCount
)

// NumBuckets is the number of latency buckets of a [Recorder] and the length of
// [Snapshot.Buckets]. The last bucket collects every latency of 2^37 ns (about
// 137 s) or more.
const NumBuckets = overflowIndex + 1

// MaxRelativeError bounds the relative error of [Snapshot.Quantile] with
// respect to the exact nearest-rank quantile of the recorded latencies, for
// latencies below the overflow bucket (2^37 ns, about 137 s).
const MaxRelativeError = 1.0 / (2 * subCount)

// overflowLow is the smallest value that lands in the overflow bucket.
const overflowLow = uint64(1) << (maxExp + 1)

// bucketOf returns the bucket index of a latency of v nanoseconds.
func bucketOf(v uint64) int {
	if v < 2*subCount {
		return int(v)
	}
	if v >= overflowLow {
		return overflowIndex
	}
	k := bits.Len64(v) - 1
	return (k-subBits+1)*subCount + int((v>>(k-subBits))&(subCount-1))
}

// bucketRange returns the inclusive lower bound and the width of bucket i, both
// in nanoseconds. i must be in [0, NumBuckets).
func bucketRange(i int) (lo, width uint64) {
	switch {
	case i < 2*subCount:
		return uint64(i), 1
	case i == overflowIndex:
		return overflowLow, math.MaxInt64 - overflowLow + 1
	}
	k := i/subCount + subBits - 1
	sub := uint64(i % subCount)
	shift := k - subBits
	return (subCount + sub) << shift, 1 << shift
}

// BucketIndex returns the index in [Snapshot.Buckets] of the bucket a latency of
// d falls into. Negative durations count as zero.
func BucketIndex(d time.Duration) int {
	return bucketOf(nanos(d))
}

// BucketBounds returns the half-open range [lo, hi) of latencies counted by
// bucket i. The overflow bucket (i == NumBuckets-1) reports hi as the largest
// Duration. It panics if i is out of range.
func BucketBounds(i int) (lo, hi time.Duration) {
	if i < 0 || i >= NumBuckets {
		panic("track: bucket index out of range")
	}
	l, w := bucketRange(i)
	if i == overflowIndex {
		return time.Duration(l), time.Duration(math.MaxInt64)
	}
	return time.Duration(l), time.Duration(l + w)
}

// nanos converts a duration to a non-negative count of nanoseconds.
func nanos(d time.Duration) uint64 {
	if d < 0 {
		return 0
	}
	return uint64(d)
}
