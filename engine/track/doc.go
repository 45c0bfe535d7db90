// Package track records latency, outcome and payload size of every action call
// and every request, cheaply enough to sit on the router's hot path.
//
// # Recording
//
// A [Recorder] accumulates observations with atomic operations only: no mutex,
// no allocation, safe for any number of goroutines. [Recorder.Record] costs a
// handful of uncontended atomic adds (about 15–30 ns). The zero Recorder is ready
// to use; it must not be copied after first use (go vet reports copies).
//
// Each Recorder keeps an error count, the sum of latencies, the sum of payload
// bytes, the minimum and maximum latency, and a log-linear histogram of latency
// from which the observation count is derived.
//
// # Sampled timing
//
// Reading the monotonic clock twice costs more than a call of a quick
// in-process action (70–80 ns on the development VM, against a few tens
// for the call). A caller of such calls may time only a sample: it asks
// [Recorder.Tick] whether to time each call (the calls until one was
// timed, then a random one in [SampleEvery]), records the timed ones with
// Record and the others with [Recorder.RecordUntimed]. Every call is
// counted, with its outcome and bytes; an untimed call carries the latency
// last timed, so the sum, mean and quantiles are estimates from the sample
// and the minimum and maximum are the sample's. The router does this only
// for actions that declare themselves quick (they wait on nothing and do
// about the same work each call); every other call is timed.
//
// # Histogram and accuracy
//
// Latencies are bucketed in nanoseconds. Values below 32 ns each get their own
// bucket. Above that, every power-of-two range [2^k, 2^(k+1)) is split into 16
// equal sub-buckets, up to 2^37 ns (about 137 s); anything longer lands in a
// single overflow bucket. That is [NumBuckets] buckets, about 4.3 KiB per
// Recorder, and it covers the interesting range (100 ns to 100 s) with the same
// relative resolution throughout.
//
// [Snapshot.Quantile] uses the nearest-rank definition (the ⌈q·n⌉-th smallest
// observation) and answers with the midpoint of the bucket holding that
// observation, clamped to the snapshot's [Min, Max]. The bucket width is at most
// 1/16 of its lower bound, so for observations below 2^37 ns the answer is within
// [MaxRelativeError] = 1/32 (3.125%) of the exact nearest-rank quantile of the
// recorded values; values below 32 ns are exact. Quantiles falling in the
// overflow bucket answer with Max.
//
// # Snapshots and windows
//
// [Recorder.Snapshot] copies the counters into a plain [Snapshot] value.
// Snapshots are cumulative; [Snapshot.Sub] turns two of them into the delta over
// the interval between them (calls per second, mean over the last tick, the
// latency distribution of the last N seconds) and [Snapshot.Merge] combines
// deltas of consecutive intervals or of different recorders.
//
// A [Window] is a fixed-capacity ring of such deltas, typically one per second,
// for the console's graphs and for the placement policies; its memory is bounded
// however long it runs.
//
// # Sets
//
// A [Set] is a named collection of Recorders (one per action, one per app).
// [Set.Get] is a lock-free map read once the name exists; hot-path callers
// should still resolve their *Recorder once and keep the pointer.
package track
