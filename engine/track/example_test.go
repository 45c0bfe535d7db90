package track_test

import (
	"fmt"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

func Example() {
	// One Set per level: action calls and app requests. The router resolves
	// each Recorder once and keeps the pointer for its hot path.
	actions := track.NewSet()
	encode := actions.Get("textenc.encode")

	// A Window of per-second deltas, fed by a ticker (simulated here).
	w := track.NewWindow(60)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func(i int) {
		s := encode.Snapshot()
		s.At = t0.Add(time.Duration(i) * time.Second)
		w.Observe(s)
	}

	tick(0)
	for i := 1; i <= 100; i++ {
		encode.Record(time.Duration(i)*time.Millisecond, i%10 != 0, 512)
	}
	tick(1)

	last := w.Sum(1)
	fmt.Println("calls/s:", last.Rate())
	fmt.Println("errors:", last.ErrorRatio())
	fmt.Println("mean:", last.Mean())
	fmt.Println("p50:", last.Quantile(0.5))
	fmt.Println("p99:", last.Quantile(0.99))
	// Output:
	// calls/s: 100
	// errors: 0.1
	// mean: 50.5ms
	// p50: 49.283072ms
	// p99: 98.566144ms
}

func ExampleSnapshot_Sub() {
	var r track.Recorder
	r.Record(900*time.Millisecond, true, 0)
	before := r.Snapshot()
	r.Record(10*time.Millisecond, true, 0)
	r.Record(30*time.Millisecond, false, 0)
	delta := r.Snapshot().Sub(before)
	fmt.Println(delta.Count, delta.Errors, delta.Mean(), delta.Min)
	// Output: 2 1 20ms 10ms
}
