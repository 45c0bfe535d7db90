package track

import (
	"sync/atomic"
	"time"
)

// A Recorder accumulates latency observations. All methods are safe for
// concurrent use; [Recorder.Record] uses atomic operations only and never
// allocates. The zero value is ready to use. A Recorder must not be copied after
// first use.
type Recorder struct {
	// Scalars first, sharing a cache line; the histogram follows.
	sum    atomic.Uint64 // nanoseconds; wraps after ~584 years of latency
	errors atomic.Uint64
	bytes  atomic.Uint64
	max    atomic.Uint64 // nanoseconds
	minInv atomic.Uint64 // ^min in nanoseconds; 0 means no observation yet
	// last is the latest latency recorded (nanoseconds), which an untimed
	// observation carries.
	last atomic.Uint64
	// server and servers sum the time remote servers reported spending in
	// the calls (nanoseconds) and count the calls that reported it.
	server, servers atomic.Uint64

	buckets [NumBuckets]atomic.Uint64
}

// Record adds one observation: a call or request that took d, succeeded if ok,
// and moved bytes bytes of payload. Negative d and bytes count as zero.
//
// Record is wait-free except for the compare-and-swap loops that lower the
// minimum or raise the maximum, which retry only while other goroutines are
// setting a new extreme at the same moment.
func (r *Recorder) Record(d time.Duration, ok bool, bytes int) {
	v := nanos(d)
	r.sum.Add(v)
	r.last.Store(v)
	if !ok {
		r.errors.Add(1)
	}
	if bytes > 0 {
		r.bytes.Add(uint64(bytes))
	}
	for {
		m := r.max.Load()
		if v <= m || r.max.CompareAndSwap(m, v) {
			break
		}
	}
	// The minimum is kept complemented so that the zero Recorder needs no
	// initialisation: a smaller v is a larger ^v, and ^v is never 0 because
	// v < 2^63.
	inv := ^v
	for {
		m := r.minInv.Load()
		if inv <= m || r.minInv.CompareAndSwap(m, inv) {
			break
		}
	}
	// The bucket is written last and read first by Snapshot, so every
	// observation a snapshot counts also has its sum and extremes visible.
	r.buckets[bucketOf(v)].Add(1)
}

// SampleEvery is how often a caller that samples its timing (see
// [Recorder.Tick]) reads the clock: one call in SampleEvery, on average.
const SampleEvery = 16

// Tick says whether to time a call of a caller that times only a sample
// of its calls: the calls until one was timed, then each with probability
// 1/[SampleEvery], drawn independently (from the runtime's per-thread
// generator, wyrand: no shared counter to contend on, and no pattern of
// calls the sample could line up with). The caller records a timed call with
// Record and the others with RecordUntimed. It is for calls whose
// latency is small and about the same every time (an in-process action
// that never waits), where two clock reads would cost more than the call.
func (r *Recorder) Tick() bool {
	return r.last.Load() == 0 || cheaprand()%SampleEvery == 0
}

// RecordUntimed adds one observation of a call that was not timed: it is
// counted (with its outcome and bytes) like any other, with the latency
// last recorded as its latency, so counts are exact and the sum, mean and
// histogram are estimated from the timed sample. Minimum and maximum are
// those of the timed calls.
func (r *Recorder) RecordUntimed(ok bool, bytes int) {
	v := r.last.Load()
	r.sum.Add(v)
	if !ok {
		r.errors.Add(1)
	}
	if bytes > 0 {
		r.bytes.Add(uint64(bytes))
	}
	r.buckets[bucketOf(v)].Add(1)
}

// RecordServer adds the time the server of a remote call reported its
// action ran (protocol.ServerTimingHeader), beside the call's latency that
// Record took: their difference is what the hop cost. Calls whose server
// reports nothing are not counted.
func (r *Recorder) RecordServer(d time.Duration) {
	r.server.Add(nanos(d))
	r.servers.Add(1)
}

// RecordSince is Record(time.Since(start), ok, bytes).
func (r *Recorder) RecordSince(start time.Time, ok bool, bytes int) {
	r.Record(time.Since(start), ok, bytes)
}

// Snapshot returns a copy of the recorder's counters, stamped with the current
// time. The fields are read one by one while recording may continue, so a
// snapshot is not a single atomic cut: it may include part of the observations
// being recorded concurrently (their sum or error before their count). It
// always includes every observation completed before Snapshot was called.
func (r *Recorder) Snapshot() Snapshot {
	var s Snapshot
	var n uint64
	for i := range r.buckets {
		c := r.buckets[i].Load()
		s.Buckets[i] = c
		n += c
	}
	s.Count = n
	s.Sum = time.Duration(r.sum.Load())
	s.Errors = r.errors.Load()
	s.Bytes = r.bytes.Load()
	s.ServerSum = time.Duration(r.server.Load())
	s.ServerCount = r.servers.Load()
	if n > 0 {
		s.Max = time.Duration(r.max.Load())
		if inv := r.minInv.Load(); inv != 0 { // 0: only untimed observations yet
			s.Min = time.Duration(^inv)
		}
	}
	s.At = time.Now()
	return s
}

// Count returns the number of observations recorded so far. It sums the
// histogram, so it costs about as much as a Snapshot without the copy.
func (r *Recorder) Count() uint64 {
	var n uint64
	for i := range r.buckets {
		n += r.buckets[i].Load()
	}
	return n
}
