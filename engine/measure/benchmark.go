package measure

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/track"
)

// DefaultName is the name under which a request without a name is reported,
// as JSORC reported walkers without one.
const DefaultName = types.DefaultName

// AllName is the key of each request type's aggregate in a [Report].
// A request named "all" is therefore only visible within that aggregate.
const AllName = types.AllName

// OverflowName is the request type and name under which a [Benchmark]
// records the requests of new (type, name) pairs once it holds
// [MaxBenchmarkKeys] of them, so that a flood of distinct names cannot grow
// its memory without bound.
const OverflowName = "_other_"

// MaxBenchmarkKeys bounds the distinct (type, name) pairs of one benchmark
// run. Each costs one [track.Recorder], about 4.4 KiB.
const MaxBenchmarkKeys = 4096

// MaxBenchmarkTypes bounds the distinct request types of one benchmark run;
// requests of further types are recorded under [OverflowName]. JSORC knew a
// handful (walker_run, sentinel_register, ...).
const MaxBenchmarkTypes = 32

// The benchmark's report, in the API's shape (api/types).
type (
	// Metrics is one line of JSORC's benchmark report: requests per
	// second and latencies in milliseconds.
	Metrics = types.Metrics
	// TypeReport holds the [Metrics] of one request type, by name, plus
	// [AllName].
	TypeReport = types.TypeReport
	// Report is JSORC's benchmark answer, keyed by request type.
	Report = types.Report
)

// A Benchmark measures requests by type and name between Start and Stop:
// JSORC's jsorc_benchmark_start, _report and _stop. The zero Benchmark is
// ready to use (and not running); it must not be copied after first use.
//
// Record is lock-free and cheap enough to call on every request; Start and
// Stop serialise with each other; every method may be called concurrently
// with every other.
type Benchmark struct {
	mu  sync.Mutex               // serialises Start and Stop
	run atomic.Pointer[benchRun] // nil when not running
}

// benchRun is one benchmark run, from Start to Stop. Records that race with
// Stop land in the run being stopped and are simply not reported.
//
// Lookups are lock-free: types and each type's names are replaced, never
// mutated, once stored. Request types are few, so they are scanned; names
// are looked up in a map.
type benchRun struct {
	start  time.Time     // when this process began the run (Start or Resume)
	origin time.Time     // when the run began, before any restart
	prior  time.Duration // running time before Resume

	types atomic.Pointer[[]*benchType]
	mu    sync.Mutex  // serialises writers of types and names
	keys  int         // (type, name) pairs created, under mu
	full  atomic.Bool // keys reached MaxBenchmarkKeys: new pairs overflow

	overflow benchKey
}

// benchType holds the recorders of one request type, by name.
type benchType struct {
	name  string
	names atomic.Pointer[map[string]*benchKey]
}

// benchKey is the recorder of one (type, name) pair.
type benchKey struct {
	reqType, name string
	rec           track.Recorder
	base          track.Snapshot // recorded before a restart (Resume); fixed
}

// total is what the pair recorded, before and since a restart.
func (k *benchKey) total() track.Snapshot {
	s := k.rec.Snapshot()
	if k.base.Count == 0 {
		return s
	}
	return s.Merge(k.base)
}

// NewBenchmark returns a Benchmark that is not running.
func NewBenchmark() *Benchmark {
	return new(Benchmark)
}

// Start begins a benchmark at now, with no samples. It fails with
// [ErrAlreadyStarted] if one runs already.
func (b *Benchmark) Start(now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.run.Load(); r != nil {
		return alreadyStarted("benchmark", r.origin)
	}
	b.run.Store(newBenchRun(now))
	return nil
}

// newBenchRun is an empty run started at now.
func newBenchRun(now time.Time) *benchRun {
	r := &benchRun{start: now, origin: now}
	r.overflow.reqType, r.overflow.name = OverflowName, OverflowName
	return r
}

// Active reports whether a benchmark runs, and since when.
func (b *Benchmark) Active() (since time.Time, ok bool) {
	if r := b.run.Load(); r != nil {
		return r.origin, true
	}
	return time.Time{}, false
}

// Record counts one finished request of type reqType (for example
// "walker_run") and name name ("" is reported as [DefaultName]) that took d
// and succeeded if ok. When no benchmark runs it does nothing.
//
// Once a (type, name) pair has been seen, Record takes no lock and does not
// allocate. It locks briefly to add a new pair, and, once the run holds
// [MaxBenchmarkTypes] types but fewer than [MaxBenchmarkKeys] pairs, for
// every request of a further type: only a flood of distinct types does that.
func (b *Benchmark) Record(reqType, name string, d time.Duration, ok bool) {
	r := b.run.Load()
	if r == nil {
		return
	}
	if name == "" {
		name = DefaultName
	}
	var k *benchKey
	if ts := r.types.Load(); ts != nil {
		for _, t := range *ts {
			if t.name == reqType {
				k = (*t.names.Load())[name]
				break
			}
		}
	}
	if k == nil {
		if r.full.Load() {
			k = &r.overflow
		} else {
			k = r.key(reqType, name)
		}
	}
	k.rec.Record(d, ok, 0)
}

// key returns the recorder of (reqType, name), creating it if there is room,
// else the overflow recorder.
func (r *benchRun) key(reqType, name string) *benchKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	var types []*benchType
	if ts := r.types.Load(); ts != nil {
		types = *ts
	}
	var t *benchType
	for _, c := range types {
		if c.name == reqType {
			t = c
			break
		}
	}
	if t == nil {
		if len(types) >= MaxBenchmarkTypes || r.keys >= MaxBenchmarkKeys {
			return &r.overflow
		}
		t = &benchType{name: reqType}
		t.names.Store(&map[string]*benchKey{})
		next := append(slices.Clip(types), t)
		r.types.Store(&next)
	}
	old := *t.names.Load()
	if k, ok := old[name]; ok {
		return k
	}
	if r.keys >= MaxBenchmarkKeys {
		return &r.overflow
	}
	next := make(map[string]*benchKey, len(old)+1)
	maps.Copy(next, old)
	k := &benchKey{reqType: reqType, name: name}
	next[name] = k
	t.names.Store(&next)
	r.keys++
	if r.keys >= MaxBenchmarkKeys {
		r.full.Store(true)
	}
	return k
}

// Report returns the report of the running benchmark as of now, without
// stopping it. It fails with [ErrNotStarted] if none runs.
func (b *Benchmark) Report(now time.Time) (Report, error) {
	r := b.run.Load()
	if r == nil {
		return nil, notStarted("benchmark")
	}
	return r.report(now), nil
}

// Stop ends the running benchmark and returns its final report as of now. It
// fails with [ErrNotStarted] if none runs. Afterwards Report fails until the
// next Start.
func (b *Benchmark) Stop(now time.Time) (Report, error) {
	b.mu.Lock()
	r := b.run.Swap(nil)
	b.mu.Unlock()
	if r == nil {
		return nil, notStarted("benchmark")
	}
	return r.report(now), nil
}

// report builds the report of run r over its running time up to now.
func (r *benchRun) report(now time.Time) Report {
	dur := r.prior + now.Sub(r.start)
	out := Report{}
	all := map[string]*track.Snapshot{}
	add := func(k *benchKey) {
		s := k.total()
		if s.Count == 0 {
			return
		}
		tr := out[k.reqType]
		if tr == nil {
			tr = TypeReport{}
			out[k.reqType] = tr
			all[k.reqType] = new(track.Snapshot)
		}
		tr[k.name] = metricsOf(&s, dur)
		*all[k.reqType] = all[k.reqType].Merge(s)
	}
	if ts := r.types.Load(); ts != nil {
		for _, t := range *ts {
			for _, k := range *t.names.Load() {
				add(k)
			}
		}
	}
	add(&r.overflow)
	for t, s := range all {
		out[t][AllName] = metricsOf(s, dur)
	}
	return out
}

// metricsOf summarises s over a benchmark that lasted dur.
func metricsOf(s *track.Snapshot, dur time.Duration) Metrics {
	if s.Count == 0 {
		return Metrics{}
	}
	var m Metrics
	if dur > 0 {
		m.Throughput = float64(s.Count) / dur.Seconds()
	}
	m.AverageLatency = millis(s.Mean())
	m.P50Latency = millis(s.Quantile(0.50))
	m.P90Latency = millis(s.Quantile(0.90))
	m.P95Latency = millis(s.Quantile(0.95))
	m.P99Latency = millis(s.Quantile(0.99))
	return m
}

// millis converts d to milliseconds.
func millis(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
