package engine

import (
	"math"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/measure"
)

// The graph history: every sample the engine takes (SampleInterval), kept
// at full resolution for ten minutes and downsampled beyond it
// (types.HistorySteps), for the whole engine and for each module that was
// active — it had calls, or an action server the engine measured. A module
// that was never active costs nothing; an idle one gets no points (a gap
// is "no calls"). It is the engine's, so every console, in-process or
// attached, and one that re-attaches, reads the same hour.

// histPoint is one point of a series, compact (32 bytes): an hour of one
// series is about 1,000 points, 32 KB.
type histPoint struct {
	// ms is the end of the interval the point covers, in Unix milliseconds.
	ms                      int64
	rate, p50, p99, cpu, mb float32
	// sys is where cpu and mb come from (sysNone: not measured).
	sys uint8
}

// The sources of a point's CPU and memory.
const (
	sysNone uint8 = iota
	sysProc
	sysPrometheus
	sysOther
	sysMetricsAPI
)

func sysCode(source string) uint8 {
	switch source {
	case "":
		return sysNone
	case measure.SourceProc:
		return sysProc
	case measure.SourcePrometheus:
		return sysPrometheus
	case types.SourceMetricsAPI:
		return sysMetricsAPI
	}
	return sysOther
}

func sysName(code uint8) string {
	switch code {
	case sysProc:
		return measure.SourceProc
	case sysPrometheus:
		return measure.SourcePrometheus
	case sysMetricsAPI:
		return types.SourceMetricsAPI
	case sysOther:
		return "other"
	}
	return ""
}

// ring keeps the latest points of one resolution; it grows as points
// come, up to its capacity, then overwrites the oldest.
type ring struct {
	pts  []histPoint
	head int
	cap  int
}

func (r *ring) add(p histPoint) {
	if len(r.pts) < r.cap {
		r.pts = append(r.pts, p)
		return
	}
	r.pts[r.head] = p
	r.head = (r.head + 1) % r.cap
}

// each calls f for the points oldest first.
func (r *ring) each(f func(p histPoint)) {
	for i := range r.pts {
		f(r.pts[(r.head+i)%len(r.pts)])
	}
}

// oldest is the oldest point's time, or max int64 when empty.
func (r *ring) oldest() int64 {
	if len(r.pts) == 0 {
		return math.MaxInt64
	}
	return r.pts[r.head%len(r.pts)].ms
}

// bucket gathers the points of one coarser interval: rates, CPU and
// memory are averaged, p50 weighted by calls, p99 the largest.
type bucket struct {
	id                  int64 // the interval's number (ms / step)
	n                   int
	rate, p50w, cpu, mb float64
	p99                 float32
	sys                 uint8
}

func (b *bucket) add(p histPoint) {
	b.n++
	b.rate += float64(p.rate)
	b.p50w += float64(p.p50) * float64(p.rate)
	b.p99 = max(b.p99, p.p99)
	b.cpu += float64(p.cpu)
	b.mb += float64(p.mb)
	if p.sys != sysNone {
		b.sys = p.sys
	}
}

// point is the bucket as one point ending at end.
func (b *bucket) point(end int64) histPoint {
	n := float64(b.n)
	p := histPoint{ms: end, rate: float32(b.rate / n), p99: b.p99, cpu: float32(b.cpu / n), mb: float32(b.mb / n), sys: b.sys}
	if b.rate > 0 {
		p.p50 = float32(b.p50w / b.rate)
	}
	return p
}

// series is one history at every resolution.
type series struct {
	tiers   []ring
	buckets []bucket // buckets[i] gathers tier i's points for tier i+1
	steps   []int64  // each tier's step, in ms
}

func newSeries() *series {
	steps, spans := types.HistorySteps(), types.HistorySpans()
	s := &series{tiers: make([]ring, len(steps)), buckets: make([]bucket, len(steps)-1), steps: make([]int64, len(steps))}
	for i := range steps {
		s.tiers[i].cap = int(spans[i] / steps[i])
		s.steps[i] = steps[i].Milliseconds()
	}
	return s
}

// add adds a point at the finest resolution and folds it into the
// coarser ones: a coarser point is made when its interval is over.
func (s *series) add(p histPoint) {
	s.tiers[0].add(p)
	for i := range s.buckets {
		b := &s.buckets[i]
		step := s.steps[i+1]
		id := (p.ms - 1) / step
		if b.n > 0 && id == b.id {
			b.add(p)
			return
		}
		var done histPoint
		had := b.n > 0
		if had {
			done = b.point((b.id + 1) * step)
		}
		*b = bucket{id: id}
		b.add(p)
		if !had {
			return
		}
		s.tiers[i+1].add(done)
		p = done // and on into the next coarser bucket
	}
}

// points lists the points after since and at or after from (Unix ms),
// oldest first, each from the finest tier that still holds its time.
func (s *series) points(from, since int64) []types.Sample {
	var out []types.Sample
	// Coarse tiers first, each up to where the next finer one begins.
	for i := len(s.tiers) - 1; i >= 0; i-- {
		until := int64(math.MaxInt64)
		if i > 0 {
			until = s.tiers[i-1].oldest()
		}
		s.tiers[i].each(func(p histPoint) {
			if p.ms >= from && p.ms > since && p.ms < until {
				out = append(out, p.sample())
			}
		})
	}
	return out
}

func (p histPoint) sample() types.Sample {
	return types.Sample{
		TS:    time.UnixMilli(p.ms),
		Rate:  float64(p.rate),
		P50MS: float64(p.p50), P99MS: float64(p.p99),
		CPUCores: float64(p.cpu), MemBytes: uint64(float64(p.mb) * (1 << 20)),
		SysSource: sysName(p.sys),
	}
}

func pointOf(s types.Sample) histPoint {
	return histPoint{ms: s.TS.UnixMilli(), rate: float32(s.Rate), p50: float32(s.P50MS), p99: float32(s.P99MS),
		cpu: float32(s.CPUCores), mb: float32(float64(s.MemBytes) / (1 << 20)), sys: sysCode(s.SysSource)}
}

// history is the engine's graph history: the whole engine's series and
// each active module's. The sampler writes it once per SampleInterval;
// jsorc_history reads it.
type history struct {
	mu     sync.Mutex
	engine *series
	// requests is the engine's app requests (rate and latency per
	// request), beside its calls; only the engine has one.
	requests *series
	modules  map[string]*series
}

func newHistory() *history {
	return &history{engine: newSeries(), requests: newSeries(), modules: map[string]*series{}}
}

// add records one sample of the engine and of each active module.
func (h *history) add(all types.Sample, modules map[string]types.Sample) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engine.add(pointOf(all))
	h.requests.add(histPoint{ms: all.TS.UnixMilli(), rate: float32(all.ReqRate), p50: float32(all.ReqP50MS), p99: float32(all.ReqP99MS)})
	for name, smp := range modules {
		s := h.modules[name]
		if s == nil {
			s = newSeries()
			h.modules[name] = s
		}
		s.add(pointOf(smp))
	}
}

// forget drops a module's series (its config was deleted).
func (h *history) forget(module string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.modules, module)
}

// History returns the graph history of the engine (module "") or of one
// module: the points after since (zero: all) within span of the newest
// (0: everything kept), oldest first. A module without activity has none.
func (e *Engine) History(module string, since time.Time, span time.Duration) []types.Sample {
	h := e.hist
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.engine
	if module != "" {
		if s = h.modules[module]; s == nil {
			return []types.Sample{}
		}
	}
	from := int64(math.MinInt64)
	if span > 0 {
		if n := len(s.tiers[0].pts); n > 0 {
			newest := s.tiers[0].pts[(s.tiers[0].head+n-1)%n].ms
			from = newest - span.Milliseconds()
		}
	}
	sinceMS := int64(math.MinInt64)
	if !since.IsZero() {
		sinceMS = since.UnixMilli()
	}
	out := s.points(from, sinceMS)
	if out == nil {
		out = []types.Sample{}
	}
	if module == "" {
		withRequests(out, h.requests.points(from, sinceMS))
	}
	return out
}

// withRequests fills the engine's points with the requests' points of the
// same time: both series take a point at every sample and fold them alike,
// so their times match.
func withRequests(out, reqs []types.Sample) {
	j := 0
	for i := range out {
		for j < len(reqs) && reqs[j].TS.Before(out[i].TS) {
			j++
		}
		if j < len(reqs) && reqs[j].TS.Equal(out[i].TS) {
			out[i].ReqRate, out[i].ReqP50MS, out[i].ReqP99MS = reqs[j].Rate, reqs[j].P50MS, reqs[j].P99MS
		}
	}
}
