package measure_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func TestBenchmarkLifecycle(t *testing.T) {
	tests := []struct {
		name string
		run  func(b *measure.Benchmark) error
		want error
	}{
		{"report before start", func(b *measure.Benchmark) error {
			_, err := b.Report(t0)
			return err
		}, measure.ErrNotStarted},
		{"stop before start", func(b *measure.Benchmark) error {
			_, err := b.Stop(t0)
			return err
		}, measure.ErrNotStarted},
		{"start twice", func(b *measure.Benchmark) error {
			if err := b.Start(t0); err != nil {
				return err
			}
			return b.Start(t0)
		}, measure.ErrAlreadyStarted},
		{"report after stop", func(b *measure.Benchmark) error {
			if err := b.Start(t0); err != nil {
				return err
			}
			if _, err := b.Stop(t0.Add(time.Second)); err != nil {
				return err
			}
			_, err := b.Report(t0.Add(2 * time.Second))
			return err
		}, measure.ErrNotStarted},
		{"stop twice", func(b *measure.Benchmark) error {
			if err := b.Start(t0); err != nil {
				return err
			}
			if _, err := b.Stop(t0); err != nil {
				return err
			}
			_, err := b.Stop(t0)
			return err
		}, measure.ErrNotStarted},
		{"start, report, stop, start", func(b *measure.Benchmark) error {
			for range 2 {
				if err := b.Start(t0); err != nil {
					return err
				}
				if _, err := b.Report(t0); err != nil {
					return err
				}
				if _, err := b.Stop(t0); err != nil {
					return err
				}
			}
			return nil
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(measure.NewBenchmark())
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "jsorc benchmark") {
				t.Errorf("error %q does not say what to do", err)
			}
		})
	}
}

func TestBenchmarkReport(t *testing.T) {
	var b measure.Benchmark
	if _, ok := b.Active(); ok {
		t.Fatal("zero Benchmark is active")
	}
	b.Record("walker_run", "lost", time.Second, true) // not running: ignored
	if err := b.Start(t0); err != nil {
		t.Fatal(err)
	}
	if since, ok := b.Active(); !ok || !since.Equal(t0) {
		t.Fatalf("Active() = %v, %v", since, ok)
	}
	for i := 1; i <= 100; i++ {
		b.Record("walker_run", "zsb", time.Duration(i)*time.Millisecond, i%10 != 0)
	}
	for range 50 {
		b.Record("walker_run", "", 200*time.Millisecond, true)
	}
	b.Record("sentinel_register", "x", 3*time.Millisecond, true)

	rep, err := b.Report(t0.Add(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(rep)); !slices.Equal(got, []string{"sentinel_register", "walker_run"}) {
		t.Fatalf("types %v", got)
	}
	if got := slices.Sorted(maps.Keys(rep["walker_run"])); !slices.Equal(got, []string{measure.DefaultName, "all", "zsb"}) {
		t.Fatalf("names %v", got)
	}
	tol := func(want float64) float64 { return want * 0.033 }
	checks := []struct {
		name      string
		got, want float64
	}{
		{"zsb throughput", rep["walker_run"]["zsb"].Throughput, 10},
		{"zsb mean", rep["walker_run"]["zsb"].AverageLatency, 50.5},
		{"zsb p50", rep["walker_run"]["zsb"].P50Latency, 50},
		{"zsb p90", rep["walker_run"]["zsb"].P90Latency, 90},
		{"zsb p95", rep["walker_run"]["zsb"].P95Latency, 95},
		{"zsb p99", rep["walker_run"]["zsb"].P99Latency, 99},
		{"default throughput", rep["walker_run"][measure.DefaultName].Throughput, 5},
		{"default p50", rep["walker_run"][measure.DefaultName].P50Latency, 200},
		{"all throughput", rep["walker_run"]["all"].Throughput, 15},
		{"all mean", rep["walker_run"]["all"].AverageLatency, (5050.0 + 50*200) / 150},
		{"all p50", rep["walker_run"]["all"].P50Latency, 75},
		{"all p99", rep["walker_run"]["all"].P99Latency, 200},
		{"other all", rep["sentinel_register"]["all"].AverageLatency, 3},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > tol(c.want) {
			t.Errorf("%s = %g, want %g", c.name, c.got, c.want)
		}
	}

	final, err := b.Stop(t0.Add(20 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := final["walker_run"]["zsb"].Throughput; math.Abs(got-5) > 1e-9 {
		t.Errorf("final throughput %g, want 5", got)
	}
	if _, ok := b.Active(); ok {
		t.Error("still active after Stop")
	}

	// A new run starts from nothing.
	if err := b.Start(t0); err != nil {
		t.Fatal(err)
	}
	rep, err = b.Report(t0.Add(time.Second))
	if err != nil || len(rep) != 0 {
		t.Fatalf("fresh run: %v, %v", rep, err)
	}
}

func TestBenchmarkJSONShape(t *testing.T) {
	tests := []struct {
		name   string
		at     time.Duration // report time after start
		record bool
		want   string // JSON of the report, "" to check keys only
	}{
		{"no samples", time.Second, false, `{}`},
		{"zero duration", 0, true, ""},
		{"negative duration", -time.Second, true, ""},
		{"normal", 2 * time.Second, true, ""},
	}
	wantKeys := []string{"50th_latency", "90th_latency", "95th_latency", "99th_latency", "average_latency", "throughput"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := measure.NewBenchmark()
			if err := b.Start(t0); err != nil {
				t.Fatal(err)
			}
			if tt.record {
				b.Record("walker_run", "w", 4*time.Millisecond, true)
			}
			rep, err := b.Report(t0.Add(tt.at))
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(rep)
			if err != nil {
				t.Fatalf("marshal: %v", err) // NaN or Inf would fail here
			}
			if tt.want != "" {
				if string(js) != tt.want {
					t.Fatalf("got %s, want %s", js, tt.want)
				}
				return
			}
			var generic map[string]map[string]map[string]float64
			if err := json.Unmarshal(js, &generic); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"w", "all"} {
				m, ok := generic["walker_run"][name]
				if !ok {
					t.Fatalf("no %q in %s", name, js)
				}
				if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, wantKeys) {
					t.Fatalf("keys %v, want %v", got, wantKeys)
				}
				if tt.at <= 0 && m["throughput"] != 0 {
					t.Errorf("throughput %g over a non-positive duration", m["throughput"])
				}
			}
		})
	}
}

func TestBenchmarkKeys(t *testing.T) {
	b := measure.NewBenchmark()
	if err := b.Start(t0); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("n", 300)
	b.Record("walker_run", long, time.Millisecond, true)
	b.Record("walker_run", long, time.Millisecond, true)
	// Keys that differ only in where type ends and name begins stay apart.
	b.Record("ab", "c", time.Millisecond, true)
	b.Record("a", "bc", time.Millisecond, true)
	for i := range measure.MaxBenchmarkKeys + 10 {
		b.Record("flood", fmt.Sprint(i), time.Millisecond, true)
	}
	rep, err := b.Report(t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := rep["walker_run"][long].Throughput; got != 2 {
		t.Errorf("long name: throughput %g, want 2", got)
	}
	if rep["ab"]["c"].Throughput != 1 || rep["a"]["bc"].Throughput != 1 {
		t.Errorf("ab/c and a/bc mixed up: %v %v", rep["ab"], rep["a"])
	}
	kept := len(rep["flood"]) - 1 // minus "all"
	other := rep[measure.OverflowName][measure.OverflowName].Throughput
	if kept+int(other) != measure.MaxBenchmarkKeys+10 || other == 0 {
		t.Errorf("flood: %d names kept, %g in overflow", kept, other)
	}
}

func TestBenchmarkConcurrent(t *testing.T) {
	b := measure.NewBenchmark()
	if err := b.Start(t0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const workers, each = 8, 2000
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				b.Record("walker_run", fmt.Sprint("w", (w+i)%5), time.Duration(i)*time.Microsecond, true)
			}
		})
	}
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				if _, err := b.Report(time.Now()); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	time.Sleep(10 * time.Millisecond)
	close(stop)
	wg.Wait()
	rep, err := b.Stop(t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := rep["walker_run"]["all"].Throughput; got != workers*each {
		t.Fatalf("recorded %g requests, want %d", got, workers*each)
	}
}

func TestBenchmarkRecordAllocs(t *testing.T) {
	b := measure.NewBenchmark()
	if err := b.Start(t0); err != nil {
		t.Fatal(err)
	}
	b.Record("walker_run", "zeroshot_faq_bot", time.Millisecond, true)
	b.Record("walker_run", "", time.Millisecond, true)
	tests := []struct{ typ, name string }{
		{"walker_run", "zeroshot_faq_bot"},
		{"walker_run", ""},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(1000, func() {
			b.Record(tt.typ, tt.name, time.Millisecond, true)
		}); n != 0 {
			t.Errorf("Record(%q, %q): %g allocations", tt.typ, tt.name, n)
		}
	}
	if _, err := b.Stop(t0); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() {
		b.Record("walker_run", "x", time.Millisecond, true)
	}); n != 0 {
		t.Errorf("Record while stopped: %g allocations", n)
	}
}
