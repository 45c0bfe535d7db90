package measure

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/track"
)

// Defaults of [LoadOptions].
const (
	// DefaultWorkers bounds the concurrent requests of an open loop.
	DefaultWorkers = 512
	// DefaultGrace is how long requests still running when a timed load
	// ends may take to finish before their context is cancelled.
	DefaultGrace = 10 * time.Second
)

// Load shapes, as [LoadResult.Mode] reports them.
const (
	ModeClosed = "closed"
	ModeOpen   = "open"
)

// LoadOptions describe one run of [Load]. Exactly one of Clients and Rate
// must be positive, and at least one of Duration and Requests.
type LoadOptions struct {
	// Clients > 0 selects a closed loop, as JSORC's experiments ran: each
	// of Clients goroutines sends a request as soon as its previous one
	// returned. Latency is measured from the start of each request.
	Clients int
	// Rate > 0 selects an open loop: requests are due on a fixed timetable,
	// Rate per second from the start, whether or not earlier ones have
	// returned. Latency is measured from the time a request was due, so a
	// slow response delays the requests queued behind it and their latency
	// shows it (coordinated omission corrected). The generator's own
	// lateness (timer wake-up, typically tens of microseconds on an idle
	// machine) counts too, so open-loop latencies err on the high side.
	Rate float64
	// Workers bounds the requests an open loop runs at once
	// ([DefaultWorkers] if <= 0). When all are busy, due requests wait,
	// and the wait counts in their latency.
	Workers int

	// Duration ends the run: no request starts after it. Requests still
	// running get Grace to finish.
	Duration time.Duration
	// Requests ends the run after that many requests (0: no limit).
	Requests int64
	// Grace is how long requests running when Duration ends may take
	// before their context is cancelled ([DefaultGrace] if <= 0).
	Grace time.Duration

	// SeriesCap bounds the per-second points kept ([DefaultHistory] if
	// <= 0); a longer run keeps its last SeriesCap seconds.
	SeriesCap int
	// Progress, if set, is called once per second with the run so far, and
	// once more at the end, from a single goroutine.
	Progress func(LoadProgress)
}

// LoadPoint summarises the requests that completed during one second of a
// run (the last point may cover less); api/types.
type LoadPoint = types.LoadPoint

// LoadProgress is what [LoadOptions.Progress] is told each second.
type LoadProgress struct {
	// Elapsed is the time since the start.
	Elapsed time.Duration
	// Done and Errors count the requests completed so far, and the failed.
	Done, Errors uint64
	// Last is the last second's summary.
	Last LoadPoint
	// Final is true on the call made when the run is over.
	Final bool
}

// LoadResult is the outcome of [Load].
type LoadResult struct {
	// Mode is ModeClosed or ModeOpen; Clients, Rate and Workers echo the
	// options that chose it.
	Mode    string
	Clients int
	Rate    float64
	Workers int

	// Started is when the run began; Elapsed how long it took, until the
	// last request returned.
	Started time.Time
	Elapsed time.Duration

	// Latency holds every request's latency: from its start in a closed
	// loop, from when it was due in an open loop.
	Latency *track.Recorder
	// Service holds every request's service time, from its actual start.
	// In a closed loop it is Latency itself.
	Service *track.Recorder

	// Seconds is the per-second time series, oldest first.
	Seconds []LoadPoint

	// Missed counts the requests of an open loop that were due before the
	// end but never started because all workers were busy until then. When
	// it is not zero the target rate was not sustained and the latency
	// figures are lower bounds.
	Missed uint64
}

// Snapshot returns the latency of every request, with Interval the run's
// duration.
func (r *LoadResult) Snapshot() track.Snapshot {
	s := r.Latency.Snapshot()
	s.Interval = r.Elapsed
	return s
}

// Throughput returns the requests completed per second of the run.
func (r *LoadResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Latency.Count()) / r.Elapsed.Seconds()
}

// Metrics returns the run's figures in the shape of a benchmark report line.
func (r *LoadResult) Metrics() Metrics {
	s := r.Latency.Snapshot()
	return metricsOf(&s, r.Elapsed)
}

// Load drives fn, the request, with the load opts describe, until the
// duration has passed, the requests have been sent or ctx is done, and
// returns the measurements. Errors returned by fn count as failed requests.
// fn receives a context that is cancelled when ctx is, or Grace after a
// timed run ends.
//
// Load runs at most Clients (closed loop) or Workers (open loop) calls of fn
// at once, plus one goroutine for the per-second series. If ctx ends the run
// early, Load returns what was measured together with ctx's error.
func Load(ctx context.Context, fn func(context.Context) error, opts LoadOptions) (*LoadResult, error) {
	if fn == nil {
		return nil, errors.New("load: no request function")
	}
	switch {
	case opts.Clients > 0 && opts.Rate > 0:
		return nil, errors.New("load: give either clients (closed loop) or a rate (open loop), not both")
	case opts.Clients <= 0 && !(opts.Rate > 0):
		return nil, errors.New("load: give a number of clients (closed loop) or a rate (open loop)")
	case math.IsInf(opts.Rate, 0):
		return nil, errors.New("load: the rate must be finite")
	case opts.Duration <= 0 && opts.Requests <= 0:
		return nil, errors.New("load: give a duration or a number of requests, or it would never end")
	case opts.Duration < 0 || opts.Requests < 0:
		return nil, fmt.Errorf("load: negative duration %v or requests %d", opts.Duration, opts.Requests)
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.SeriesCap <= 0 {
		opts.SeriesCap = DefaultHistory
	}

	res := &LoadResult{Latency: new(track.Recorder), Clients: opts.Clients, Rate: opts.Rate}
	if opts.Clients > 0 {
		res.Mode, res.Service = ModeClosed, res.Latency
	} else {
		res.Mode, res.Service, res.Workers = ModeOpen, new(track.Recorder), opts.Workers
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopped atomic.Bool // no new request may start
	defer context.AfterFunc(ctx, func() { stopped.Store(true) })()

	res.Started = time.Now()
	start := track.Now()
	end := track.Mono(math.MaxInt64)
	if opts.Duration > 0 {
		end = start + track.Mono(opts.Duration)
		t := time.AfterFunc(opts.Duration+opts.Grace, cancel)
		defer t.Stop()
	}

	series := newLoadSeries(res, opts)
	go series.run()

	if res.Mode == ModeClosed {
		runClosed(runCtx, fn, opts, res, end, &stopped)
	} else {
		res.Missed = runOpen(runCtx, fn, opts, res, start, end)
	}
	res.Elapsed = start.Since()
	series.finish()
	res.Seconds = series.points()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("load: stopped early: %w", err)
	}
	return res, nil
}

// runClosed runs the closed loop until end, the request count or stopped.
func runClosed(ctx context.Context, fn func(context.Context) error, opts LoadOptions, res *LoadResult, end track.Mono, stopped *atomic.Bool) {
	var issued atomic.Int64
	var wg sync.WaitGroup
	for range opts.Clients {
		wg.Go(func() {
			for !stopped.Load() {
				if opts.Requests > 0 && issued.Add(1) > opts.Requests {
					return
				}
				t0 := track.Now()
				if t0 >= end {
					return
				}
				err := fn(ctx)
				res.Latency.Record(t0.Since(), err == nil, 0)
			}
		})
	}
	wg.Wait()
}

// runOpen runs the open loop and returns how many due requests it missed.
func runOpen(ctx context.Context, fn func(context.Context) error, opts LoadOptions, res *LoadResult, start, end track.Mono) uint64 {
	work := make(chan track.Mono, opts.Workers)
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			for due := range work {
				t0 := track.Now()
				err := fn(ctx)
				t1 := track.Now()
				res.Latency.Record(time.Duration(t1-due), err == nil, 0)
				res.Service.Record(time.Duration(t1-t0), err == nil, 0)
			}
		})
	}
	defer wg.Wait()
	defer close(work)

	interval := float64(time.Second) / opts.Rate
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for i := int64(0); opts.Requests <= 0 || i < opts.Requests; i++ {
		due := start + track.Mono(float64(i)*interval)
		if due >= end {
			return 0
		}
		if wait := time.Duration(due - track.Now()); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return 0
			}
		}
		select {
		case work <- due:
			continue
		default:
		}
		// Every worker is busy and the queue full: wait for room, but not
		// past the end of a timed run.
		if !send(ctx, work, due, end) {
			if ctx.Err() != nil {
				return 0
			}
			return missed(i, opts, interval)
		}
	}
	return 0
}

// send queues due on work, waiting for room until end (if end is not the
// maximum) or until ctx is done; it reports whether due was queued.
func send(ctx context.Context, work chan<- track.Mono, due, end track.Mono) bool {
	var deadline <-chan time.Time
	if end != math.MaxInt64 {
		left := time.Duration(end - track.Now())
		if left <= 0 {
			return false
		}
		dl := time.NewTimer(left)
		defer dl.Stop()
		deadline = dl.C
	}
	select {
	case work <- due:
		return true
	case <-deadline:
		return false
	case <-ctx.Done():
		return false
	}
}

// missed counts the requests from the i-th on that were due before the end
// of a timed open loop.
func missed(i int64, opts LoadOptions, interval float64) uint64 {
	n := int64(math.Ceil(float64(opts.Duration) / interval))
	if opts.Requests > 0 {
		n = min(n, opts.Requests)
	}
	return uint64(max(0, n-i))
}

// loadSeries samples the latency recorder once per second into a bounded
// ring of points and reports progress.
type loadSeries struct {
	res      *LoadResult
	progress func(LoadProgress)
	start    time.Time

	ring []LoadPoint
	cap  int
	next int

	prev track.Snapshot
	done chan struct{} // closed by finish
	out  chan struct{} // closed when run returns
}

func newLoadSeries(res *LoadResult, opts LoadOptions) *loadSeries {
	return &loadSeries{
		res:      res,
		progress: opts.Progress,
		start:    res.Started,
		cap:      opts.SeriesCap,
		prev:     track.Snapshot{At: res.Started},
		done:     make(chan struct{}),
		out:      make(chan struct{}),
	}
}

// run samples each second until finish, then samples a last time.
func (s *loadSeries) run() {
	defer close(s.out)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.sample(false)
		case <-s.done:
			s.sample(true)
			return
		}
	}
}

// finish ends run and waits for it.
func (s *loadSeries) finish() {
	close(s.done)
	<-s.out
}

// sample adds the point of the interval since the previous sample.
func (s *loadSeries) sample(final bool) {
	cur := s.res.Latency.Snapshot()
	d := cur.Sub(s.prev)
	s.prev = cur
	p := LoadPoint{
		Elapsed: cur.At.Sub(s.start).Seconds(),
		Count:   d.Count,
		Errors:  d.Errors,
		Rate:    d.Rate(),
		Mean:    millis(d.Mean()),
		P50:     millis(d.Quantile(0.5)),
		P99:     millis(d.Quantile(0.99)),
	}
	if !final || d.Count > 0 || len(s.ring) == 0 {
		if len(s.ring) < s.cap {
			s.ring = append(s.ring, p)
		} else {
			s.ring[s.next] = p
			s.next = (s.next + 1) % s.cap
		}
	}
	if s.progress != nil {
		s.progress(LoadProgress{
			Elapsed: cur.At.Sub(s.start),
			Done:    cur.Count,
			Errors:  cur.Errors,
			Last:    p,
			Final:   final,
		})
	}
}

// points returns the ring, oldest first. Only call it after finish.
func (s *loadSeries) points() []LoadPoint {
	out := make([]LoadPoint, 0, len(s.ring))
	out = append(out, s.ring[s.next:]...)
	return append(out, s.ring[:s.next]...)
}
