package measure_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
)

func nop(context.Context) error { return nil }

func TestLoadOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		fn   func(context.Context) error
		opts measure.LoadOptions
		want string
	}{
		{"no function", nil, measure.LoadOptions{Clients: 1, Requests: 1}, "no request function"},
		{"no shape", nop, measure.LoadOptions{Requests: 1}, "clients"},
		{"both shapes", nop, measure.LoadOptions{Clients: 1, Rate: 10, Requests: 1}, "not both"},
		{"NaN rate", nop, measure.LoadOptions{Rate: math.NaN(), Requests: 1}, "rate"},
		{"infinite rate", nop, measure.LoadOptions{Rate: math.Inf(1), Requests: 1}, "finite"},
		{"endless", nop, measure.LoadOptions{Clients: 1}, "never end"},
		{"negative duration", nop, measure.LoadOptions{Clients: 1, Requests: 1, Duration: -time.Second}, "negative"},
		{"negative requests", nop, measure.LoadOptions{Clients: 1, Requests: -1, Duration: time.Second}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := measure.Load(context.Background(), tt.fn, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || res != nil {
				t.Fatalf("got %v, %v; want an error containing %q", res, err, tt.want)
			}
		})
	}
}

func TestLoadClosedCount(t *testing.T) {
	tests := []struct {
		clients  int
		requests int64
	}{
		{1, 1}, {1, 100}, {4, 1000}, {16, 5}, {3, 10007},
	}
	for _, tt := range tests {
		var calls atomic.Int64
		var inFlight, peak atomic.Int64
		fn := func(context.Context) error {
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			defer inFlight.Add(-1)
			if calls.Add(1)%10 == 0 {
				return errors.New("every tenth fails")
			}
			return nil
		}
		res, err := measure.Load(context.Background(), fn, measure.LoadOptions{Clients: tt.clients, Requests: tt.requests})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Snapshot()
		if calls.Load() != tt.requests || s.Count != uint64(tt.requests) || s.Errors != uint64(tt.requests/10) {
			t.Errorf("%+v: %d calls, %d recorded, %d errors", tt, calls.Load(), s.Count, s.Errors)
		}
		if peak.Load() > int64(tt.clients) {
			t.Errorf("%+v: %d requests at once", tt, peak.Load())
		}
		if res.Mode != measure.ModeClosed || res.Service != res.Latency || res.Elapsed <= 0 || len(res.Seconds) == 0 {
			t.Errorf("%+v: result %+v", tt, res)
		}
	}
}

func TestLoadClosedDuration(t *testing.T) {
	t.Parallel()
	var progress []measure.LoadProgress
	fn := func(ctx context.Context) error {
		time.Sleep(2 * time.Millisecond)
		return nil
	}
	start := time.Now()
	res, err := measure.Load(context.Background(), fn, measure.LoadOptions{
		Clients:  4,
		Duration: 2200 * time.Millisecond,
		Progress: func(p measure.LoadProgress) { progress = append(progress, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if took < 2200*time.Millisecond || took > 3*time.Second {
		t.Errorf("a 2.2 s run took %v", took)
	}
	// Two whole seconds and a last part.
	if len(progress) != 3 || !progress[2].Final || progress[0].Final || len(res.Seconds) != 3 {
		t.Fatalf("%d progress calls (%+v), %d points", len(progress), progress, len(res.Seconds))
	}
	var sum uint64
	for i, p := range res.Seconds {
		sum += p.Count
		if p.Count == 0 || p.P50 < 2 || p.P99 < p.P50 || p.Rate <= 0 {
			t.Errorf("point %d implausible: %+v", i, p)
		}
	}
	if sum != res.Snapshot().Count || progress[2].Done != sum {
		t.Errorf("points add to %d, total %d, final progress %d", sum, res.Snapshot().Count, progress[2].Done)
	}
	if d := res.Seconds[1].Elapsed - 2; math.Abs(d) > 0.2 {
		t.Errorf("second point at %v s", res.Seconds[1].Elapsed)
	}
	m := res.Metrics()
	if m.P50Latency < 2 || m.Throughput <= 0 || math.Abs(m.Throughput-res.Throughput()) > 1e-6*m.Throughput {
		t.Errorf("metrics %+v, throughput %g", m, res.Throughput())
	}
}

// TestLoadBoundedGoroutines checks a run adds no more goroutines than its
// clients or workers, and one for the series. It must not run in parallel
// with other tests.
func TestLoadBoundedGoroutines(t *testing.T) {
	tests := []measure.LoadOptions{
		{Clients: 4, Requests: 2000},
		{Clients: 1, Duration: 100 * time.Millisecond},
		{Rate: 20000, Requests: 2000, Workers: 16},
		{Rate: 1000, Duration: 100 * time.Millisecond}, // default workers
	}
	for _, opts := range tests {
		before := runtime.NumGoroutine()
		var peak atomic.Int64
		res, err := measure.Load(context.Background(), func(context.Context) error {
			if g := int64(runtime.NumGoroutine()); g > peak.Load() {
				peak.Store(g)
			}
			time.Sleep(50 * time.Microsecond)
			return nil
		}, opts)
		if err != nil {
			t.Fatal(err)
		}
		limit := int64(max(opts.Clients, res.Workers) + 1)
		if extra := peak.Load() - int64(before); extra > limit {
			t.Errorf("%+v: %d goroutines more than before, want at most %d", opts, extra, limit)
		}
		deadline := time.Now().Add(time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if after := runtime.NumGoroutine(); after > before {
			t.Errorf("%+v: %d goroutines left behind", opts, after-before)
		}
	}
}

func TestLoadOpenRate(t *testing.T) {
	tests := []struct {
		rate     float64
		duration time.Duration
		requests int64
		want     int64
	}{
		{rate: 2000, duration: time.Second, want: 2000},
		{rate: 500, requests: 300, want: 300},
		{rate: 100, duration: 2 * time.Second, requests: 50, want: 50},
	}
	for _, tt := range tests {
		var calls atomic.Int64
		start := time.Now()
		res, err := measure.Load(context.Background(), func(context.Context) error {
			calls.Add(1)
			return nil
		}, measure.LoadOptions{Rate: tt.rate, Duration: tt.duration, Requests: tt.requests, Workers: 8})
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		if calls.Load() != tt.want || res.Latency.Count() != uint64(tt.want) || res.Service.Count() != uint64(tt.want) || res.Missed != 0 {
			t.Errorf("%+v: %d calls, %d recorded, %d missed", tt, calls.Load(), res.Latency.Count(), res.Missed)
		}
		// The timetable: the last request is due at (want-1)/rate.
		due := time.Duration(float64(tt.want-1) / tt.rate * float64(time.Second))
		if took < due || took > due+500*time.Millisecond {
			t.Errorf("%+v: took %v, last request due at %v", tt, took, due)
		}
		if res.Mode != measure.ModeOpen || res.Workers != 8 {
			t.Errorf("mode %q, workers %d", res.Mode, res.Workers)
		}
	}
}

// TestLoadOpenCoordinatedOmission stalls the only worker once for 300 ms
// while requests keep falling due every 10 ms: those queued behind the stall
// must show it in their latency, though their service time is short.
func TestLoadOpenCoordinatedOmission(t *testing.T) {
	var n atomic.Int64
	res, err := measure.Load(context.Background(), func(context.Context) error {
		if n.Add(1) == 20 {
			time.Sleep(300 * time.Millisecond)
		}
		return nil
	}, measure.LoadOptions{Rate: 100, Duration: 2 * time.Second, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	lat, svc := res.Latency.Snapshot(), res.Service.Snapshot()
	t.Logf("latency p50 %v p90 %v max %v; service p50 %v p90 %v max %v; %d missed",
		lat.Quantile(0.5), lat.Quantile(0.9), lat.Max, svc.Quantile(0.5), svc.Quantile(0.9), svc.Max, res.Missed)
	// About 30 requests fell due during the stall, waiting 10 to 300 ms.
	if lat.Quantile(0.9) < 50*time.Millisecond || lat.Max < 250*time.Millisecond {
		t.Errorf("latency p90 %v, max %v: the stall is hidden", lat.Quantile(0.9), lat.Max)
	}
	if svc.Quantile(0.9) > 20*time.Millisecond {
		t.Errorf("service p90 %v: only one request was slow", svc.Quantile(0.9))
	}
	if lat.Count != 200 || res.Missed != 0 {
		t.Errorf("%d requests, %d missed; want 200, 0", lat.Count, res.Missed)
	}
}

func TestLoadOpenMissed(t *testing.T) {
	t.Parallel()
	// One worker, 100 ms per request, 100 due per second for 1 s: about 10
	// run, the rest are missed.
	res, err := measure.Load(context.Background(), func(context.Context) error {
		time.Sleep(100 * time.Millisecond)
		return nil
	}, measure.LoadOptions{Rate: 100, Duration: time.Second, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := res.Latency.Count()
	if done+res.Missed != 100 && done+res.Missed != 99 { // the one queued when the run ends may or may not run
		t.Errorf("%d done + %d missed, want about 100", done, res.Missed)
	}
	if res.Missed < 80 {
		t.Errorf("only %d missed", res.Missed)
	}
}

func TestLoadStops(t *testing.T) {
	t.Parallel()
	t.Run("context cancelled", func(t *testing.T) {
		for _, opts := range []measure.LoadOptions{
			{Clients: 3, Duration: time.Hour},
			{Rate: 1000, Duration: time.Hour},
			{Rate: 10, Requests: 1 << 40},
		} {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			start := time.Now()
			res, err := measure.Load(ctx, func(ctx context.Context) error {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Millisecond):
					return nil
				}
			}, opts)
			if !errors.Is(err, context.Canceled) || res == nil || res.Latency.Count() == 0 {
				t.Errorf("%+v: %v, %v", opts, res, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%+v: took %v to stop", opts, d)
			}
		}
	})
	t.Run("hung requests get the grace period", func(t *testing.T) {
		var cancelled atomic.Int64
		start := time.Now()
		res, err := measure.Load(context.Background(), func(ctx context.Context) error {
			<-ctx.Done()
			cancelled.Add(1)
			return ctx.Err()
		}, measure.LoadOptions{Clients: 2, Duration: 200 * time.Millisecond, Grace: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 500*time.Millisecond || d > 2*time.Second {
			t.Errorf("took %v, want about 500 ms", d)
		}
		if s := res.Snapshot(); s.Count != 2 || s.Errors != 2 || cancelled.Load() != 2 {
			t.Errorf("%d recorded, %d errors, %d cancelled; want 2 each", s.Count, s.Errors, cancelled.Load())
		}
	})
}

func TestLoadSeriesCap(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	res, err := measure.Load(context.Background(), func(context.Context) error {
		mu.Lock()
		calls++
		mu.Unlock()
		time.Sleep(time.Millisecond)
		return nil
	}, measure.LoadOptions{Clients: 1, Duration: 3500 * time.Millisecond, SeriesCap: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Seconds) != 2 {
		t.Fatalf("%d points kept, want 2", len(res.Seconds))
	}
	if res.Seconds[0].Elapsed > res.Seconds[1].Elapsed || res.Seconds[1].Elapsed < 3.4 {
		t.Errorf("kept %+v, want the last two, oldest first", res.Seconds)
	}
}
