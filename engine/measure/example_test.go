package measure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/track"
)

func ExampleBenchmark() {
	var b measure.Benchmark
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := b.Report(start); err != nil {
		fmt.Println(err)
	}
	_ = b.Start(start)
	// The app runner records every request.
	for i := 1; i <= 4; i++ {
		b.Record("walker_run", "zeroshot_faq_bot", time.Duration(i)*10*time.Millisecond, true)
	}
	rep, _ := b.Stop(start.Add(2 * time.Second))
	js, _ := json.Marshal(rep["walker_run"]["zeroshot_faq_bot"])
	fmt.Println(string(js))
	// Output:
	// benchmark is not running: start it first with `jsorc benchmark start`
	// {"throughput":2,"average_latency":25,"50th_latency":20.447232,"90th_latency":40,"95th_latency":40,"99th_latency":40}
}

func ExampleActionTracker() {
	calls := track.NewSet() // the engine's per-action recorders
	encode := calls.Get("textenc.encode")
	snap := func() map[string]track.Snapshot { return calls.Snapshot() }
	placement := map[string]string{"textenc": "module"}

	a := measure.NewActionTracker(0)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	_ = a.Start(start)
	_ = a.Tick(start, snap(), placement) // baseline, right after Start
	encode.Record(30*time.Millisecond, true, 0)
	encode.Record(50*time.Millisecond, true, 0)
	_ = a.Tick(start.Add(time.Second), snap(), placement)
	placement["textenc"] = "remote"
	_ = a.Tick(start.Add(2*time.Second), snap(), placement) // a new period
	encode.Record(7*time.Millisecond, true, 0)
	_ = a.Tick(start.Add(3*time.Second), snap(), placement) // last tick, then Stop
	h, _ := a.Stop(start.Add(3 * time.Second))
	enc := json.NewEncoder(os.Stdout)
	for _, e := range h {
		_ = enc.Encode(e)
	}
	// Output:
	// {"ts":1735689600,"actions_calls":{"textenc.encode":0.04}}
	// {"ts":1735689602,"actions_calls":{"textenc.encode":0.007},"actions_state":{"textenc":{"mode":"remote"}}}
}

func ExampleLoad() {
	// A closed loop of 2 clients sending 1000 requests; the request here
	// does nothing, the loadtest's calls an app through the engine.
	res, err := measure.Load(context.Background(), func(ctx context.Context) error { return nil },
		measure.LoadOptions{Clients: 2, Requests: 1000})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Mode, res.Latency.Count())
	// Output: closed 1000
}
