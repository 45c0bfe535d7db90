package track_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

// latencies is a spread of realistic latencies (log-uniform 1µs .. 1s), so
// benchmarks hit many buckets rather than one hot cache line.
var latencies = func() []time.Duration {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([]time.Duration, 1024)
	for i := range out {
		out[i] = time.Duration(1e3 * float64(int64(1)<<r.IntN(20)) * (1 + r.Float64()))
	}
	return out
}()

func BenchmarkRecord(b *testing.B) {
	var r track.Recorder
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Record(latencies[i&1023], i&15 != 0, 256)
		i++
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	var r track.Recorder
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Record(latencies[i&1023], i&15 != 0, 256)
			i++
		}
	})
}

func BenchmarkRecordSince(b *testing.B) {
	var r track.Recorder
	start := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		r.RecordSince(start, true, 256)
	}
}

func BenchmarkSnapshot(b *testing.B) {
	var r track.Recorder
	for _, d := range latencies {
		r.Record(d, true, 0)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Snapshot()
	}
}

func BenchmarkQuantile(b *testing.B) {
	var r track.Recorder
	for _, d := range latencies {
		r.Record(d, true, 0)
	}
	s := r.Snapshot()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Quantile(0.99)
	}
}

func BenchmarkSetGetParallel(b *testing.B) {
	var s track.Set
	names := []string{"textenc.encode", "use_qa.question_classifier", "bi_enc.infer", "tfm_ner.extract"}
	for _, n := range names {
		s.Get(n)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_ = s.Get(names[i&3])
			i++
		}
	})
}
