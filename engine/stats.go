package engine

import (
	"context"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/engine/track"
)

// SampleInterval is how often the engine samples its recorders for rates,
// latency quantiles and the console's graphs.
const SampleInterval = types.SampleInterval

// seriesLen is how many samples the engine keeps (ten minutes at 1 Hz).
const seriesLen = 600

// The engine's measurements, in the API's shape (api/types).
type (
	// CallStats summarises the calls of one action in one mode, or of a
	// whole module.
	CallStats = types.CallStats
	// Sample is one point of the engine's time series, for graphs.
	Sample = types.Sample
	// Stats is what the engine measured.
	Stats = types.Stats
)

// statsState is the sampler loop's state. prev belongs to the sampler
// alone; mu guards what Stats reads, which the sampler replaces whole once
// a sample is computed, so a read never waits for a sample (and its
// Prometheus query) to be taken.
type statsState struct {
	prev map[string]track.Snapshot
	// services is what the sampler last saw of the services, to tell of
	// their changes (watchServices); it belongs to the sampler alone.
	services map[string]services.Info
	// promRetry is when the sampler may ask Prometheus again for the
	// pods' figures after it failed, promWhy why it failed (usage.go);
	// the sampler's alone.
	promRetry time.Time
	promWhy   string

	mu   sync.Mutex
	last map[string]CallStats
	// servers is the resource use of each module's action server at the
	// last sample.
	servers map[string]measure.ProcStats
	// serversSource says where servers come from; pods are each pod's
	// figures (kube backend, metrics API), podsSource where the pods'
	// figures come from and serversNote why they have none.
	serversSource string
	pods          map[string]measure.ProcStats
	podsSource    string
	serversNote   string
	series        []Sample // ring, oldest at head once full
	head          int
}

func newStatsState() *statsState {
	return &statsState{prev: map[string]track.Snapshot{}, last: map[string]CallStats{}}
}

// sampleLoop samples every SampleInterval until ctx ends (a run.Runnable).
func (e *Engine) sampleLoop(ctx context.Context) error {
	t := time.NewTicker(SampleInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			e.sample(ctx, now)
		}
	}
}

// sample takes one sample of every recorder. It computes without the
// lock — the Prometheus query of tracksys may take up to 800 ms — and swaps
// the results in under it.
func (e *Engine) sample(ctx context.Context, now time.Time) {
	cur := e.tracks.Snapshot()
	st := e.stats
	var all, reqs track.Snapshot
	deltas := make(map[string]track.Snapshot, len(cur))
	last := make(map[string]CallStats, len(cur))
	for name, s := range cur {
		s.At = now
		d := s.Sub(st.prev[name])
		if _, seen := st.prev[name]; !seen {
			d.Interval = SampleInterval
		}
		deltas[name] = d
		st.prev[name] = s
		last[name] = callStats(s, d)
		if strings.HasPrefix(name, "app/") {
			reqs = reqs.Merge(d)
		} else {
			all = all.Merge(d)
		}
	}
	smp := Sample{TS: now, Rate: all.Rate(), P50MS: ms(all.Quantile(0.5)), P99MS: ms(all.Quantile(0.99)), SysSource: measure.SourceProc,
		ReqRate: reqs.Rate(), ReqP50MS: ms(reqs.Quantile(0.5)), ReqP99MS: ms(reqs.Quantile(0.99))}
	procs := e.sampleProcs(now, e.serverPIDs())
	for _, p := range procs {
		smp.CPUCores += p.CPUCores
		smp.MemBytes += p.MemBytes
	}
	pu, _ := e.readPodUsage(ctx, now)
	for name, p := range pu.servers {
		if e.routes.get(name) != nil {
			smp.CPUCores += p.CPUCores
			smp.MemBytes += p.MemBytes
		}
	}
	servers, source := e.measureTick(ctx, now, cur, procs)
	if servers == nil {
		servers, source = procs, measure.SourceProc
		if len(pu.servers) > 0 {
			servers, source = maps.Clone(procs), pu.source
			maps.Copy(servers, pu.servers)
		}
	}
	for name := range servers {
		if e.routes.get(name) == nil {
			delete(servers, name) // the engine itself, or a service
		}
	}
	e.hist.add(smp, moduleSamples(now, deltas, servers, source))
	e.offerTick(now, deltas, servers, pu.note)
	st.services = e.watchServices(st.services)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.last = last
	st.servers, st.serversSource = servers, source
	st.pods, st.podsSource, st.serversNote = pu.pods, pu.source, pu.note
	if len(st.series) < seriesLen {
		st.series = append(st.series, smp)
	} else {
		st.series[st.head] = smp
		st.head = (st.head + 1) % seriesLen
	}
}

func callStats(total, delta track.Snapshot) CallStats {
	return CallStats{
		Calls:  total.Count,
		Errors: total.Errors,
		Bytes:  total.Bytes,
		Rate:   delta.Rate(),
		MeanMS: ms(delta.Mean()),
		P50MS:  ms(delta.Quantile(0.5)),
		P99MS:  ms(delta.Quantile(0.99)),
	}
}

// serverPIDs lists the action servers the engine runs, by module.
func (e *Engine) serverPIDs() map[string]int {
	out := map[string]int{}
	for name, m := range e.routes.all() {
		m.mu.Lock()
		if m.rstate.PID != 0 {
			out[name] = m.rstate.PID
		}
		m.mu.Unlock()
	}
	return out
}

// Stats returns the latest measurements and the last n samples of the time
// series (all of it when n ≤ 0).
func (e *Engine) Stats(n int) Stats {
	st := e.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	out := Stats{Actions: map[string]CallStats{}, Modules: map[string]CallStats{}, Apps: map[string]CallStats{}}
	for name, cs := range st.last {
		if app, ok := strings.CutPrefix(name, "app/"); ok {
			out.Apps[app] = cs
			continue
		}
		out.Actions[name] = cs
		mod, _, _ := strings.Cut(name, ".")
		out.Modules[mod] = addStats(out.Modules[mod], cs)
	}
	series := append(append([]Sample(nil), st.series[st.head:]...), st.series[:st.head]...)
	if n > 0 && len(series) > n {
		series = series[len(series)-n:]
	}
	out.Series = series
	if len(st.servers) > 0 {
		out.Servers = make(map[string]types.ProcStats, len(st.servers))
		for name, p := range st.servers {
			out.Servers[name] = p
		}
		out.ServersSource = st.serversSource
	}
	out.ServersNote = st.serversNote
	return out
}

// moduleSamples is one sample of each module active in the interval: it
// had calls, or an action server measured (from source).
func moduleSamples(now time.Time, deltas map[string]track.Snapshot, servers map[string]measure.ProcStats, source string) map[string]Sample {
	merged := map[string]track.Snapshot{}
	for name, d := range deltas {
		if d.Count == 0 || strings.HasPrefix(name, "app/") {
			continue
		}
		mod, _, _ := strings.Cut(name, ".")
		merged[mod] = merged[mod].Merge(d)
	}
	out := make(map[string]Sample, len(merged)+len(servers))
	for mod, d := range merged {
		out[mod] = Sample{TS: now, Rate: d.Rate(), P50MS: ms(d.Quantile(0.5)), P99MS: ms(d.Quantile(0.99))}
	}
	for mod, p := range servers {
		smp, ok := out[mod]
		if !ok {
			smp = Sample{TS: now}
		}
		smp.CPUCores, smp.MemBytes, smp.SysSource = p.CPUCores, p.MemBytes, source
		out[mod] = smp
	}
	return out
}

// addStats sums two summaries. Quantiles of a sum cannot be derived from
// the parts: the larger of each is kept, an upper bound.
func addStats(a, b CallStats) CallStats {
	rate := a.Rate + b.Rate
	mean := 0.0
	if rate > 0 {
		mean = (a.MeanMS*a.Rate + b.MeanMS*b.Rate) / rate
	}
	return CallStats{
		Calls:  a.Calls + b.Calls,
		Errors: a.Errors + b.Errors,
		Bytes:  a.Bytes + b.Bytes,
		Rate:   rate,
		MeanMS: mean,
		P50MS:  max(a.P50MS, b.P50MS),
		P99MS:  max(a.P99MS, b.P99MS),
	}
}
