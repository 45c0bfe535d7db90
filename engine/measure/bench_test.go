package measure_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/track"
)

func BenchmarkBenchmarkRecord(b *testing.B) {
	bm := measure.NewBenchmark()
	if err := bm.Start(time.Now()); err != nil {
		b.Fatal(err)
	}
	names := []string{"zeroshot_faq_bot", "sentence_pairing", "flight_chatbot", ""}
	for _, n := range names {
		bm.Record("walker_run", n, time.Millisecond, true)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bm.Record("walker_run", names[i&3], time.Duration(i&1023)*time.Microsecond, true)
		i++
	}
}

func BenchmarkBenchmarkRecordParallel(b *testing.B) {
	bm := measure.NewBenchmark()
	if err := bm.Start(time.Now()); err != nil {
		b.Fatal(err)
	}
	bm.Record("walker_run", "zeroshot_faq_bot", time.Millisecond, true)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			bm.Record("walker_run", "zeroshot_faq_bot", time.Duration(i&1023)*time.Microsecond, true)
			i++
		}
	})
}

func BenchmarkBenchmarkRecordStopped(b *testing.B) {
	bm := measure.NewBenchmark()
	b.ReportAllocs()
	for b.Loop() {
		bm.Record("walker_run", "zeroshot_faq_bot", time.Millisecond, true)
	}
}

func BenchmarkBenchmarkReport(b *testing.B) {
	bm := measure.NewBenchmark()
	start := time.Now()
	if err := bm.Start(start); err != nil {
		b.Fatal(err)
	}
	for i := range 8 {
		bm.Record("walker_run", fmt.Sprint("app", i), time.Millisecond, true)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bm.Report(start.Add(time.Second)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkActionTrackerTick ticks with 50 actions, all called each tick,
// into a full ring.
func BenchmarkActionTrackerTick(b *testing.B) {
	set := track.NewSet()
	snaps := map[string]track.Snapshot{}
	placement := map[string]string{}
	for i := range 50 {
		name := fmt.Sprintf("mod%d.act", i)
		r := set.Get(name)
		r.Record(time.Millisecond, true, 0)
		snaps[name] = r.Snapshot()
		placement[fmt.Sprint("mod", i)] = "module"
	}
	a := measure.NewActionTracker(64)
	if err := a.Start(time.Now()); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	advance := func() { // 50 more calls, one per action
		for k, s := range snaps {
			s.Count++
			s.Sum += time.Millisecond
			snaps[k] = s
		}
		now = now.Add(time.Second)
	}
	for range 128 {
		advance()
		if err := a.Tick(now, snaps, placement); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		advance()
		b.StartTimer()
		if err := a.Tick(now, snaps, placement); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClosedLoop drives a trivial request with 1, 4 and 64 clients and
// reports the requests per second the generator sustains.
func BenchmarkClosedLoop(b *testing.B) {
	for _, clients := range []int{1, 4, 64} {
		b.Run(fmt.Sprint("clients=", clients), func(b *testing.B) {
			b.ReportAllocs()
			res, err := measure.Load(context.Background(), func(context.Context) error { return nil },
				measure.LoadOptions{Clients: clients, Requests: int64(b.N)})
			if err != nil {
				b.Fatal(err)
			}
			if got := res.Latency.Count(); got != uint64(b.N) {
				b.Fatalf("%d requests recorded, want %d", got, b.N)
			}
			b.ReportMetric(res.Throughput(), "req/s")
		})
	}
}

// BenchmarkOpenLoop asks for 50,000 requests per second of a trivial
// request and reports the rate achieved and the requests missed.
func BenchmarkOpenLoop(b *testing.B) {
	const rate = 50_000
	b.ReportAllocs()
	res, err := measure.Load(context.Background(), func(context.Context) error { return nil },
		measure.LoadOptions{Rate: rate, Requests: int64(b.N), Workers: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.Throughput(), "req/s")
	s := res.Snapshot()
	b.ReportMetric(float64(s.Quantile(0.99).Microseconds()), "p99-µs")
}
