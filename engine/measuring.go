package engine

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/track"
)

// ReqTypeApp is the benchmark's request type of app requests (JSORC's
// walker runs).
const ReqTypeApp = types.ReqTypeApp

// measuring holds the engine's measuring components: JSORC's benchmark,
// trackact and tracksys, and the /proc sampler behind the graphs.
type measuring struct {
	bench *measure.Benchmark
	acts  *measure.ActionTracker
	sys   *measure.SysTracker

	mu   sync.Mutex // guards proc (it keeps the previous reading per PID) and prom
	proc *measure.ProcSampler
	// prom queries the kept-alive Prometheus at promURL.
	prom    *measure.PromSource
	promURL string

	// runMu serialises the sampler's ticks with starts, stops and saves,
	// so a stored report and the progress saved hold the same entries.
	runMu     sync.Mutex
	saved     progressSaved
	lastSaved time.Time
}

func newMeasuring() *measuring {
	return &measuring{
		bench: measure.NewBenchmark(),
		acts:  measure.NewActionTracker(measure.DefaultHistory),
		sys:   measure.NewSysTracker(measure.DefaultHistory),
		proc:  measure.NewProcSampler(),
	}
}

// engineProc is the engine's own process among those sampled.
const engineProc = "jsorc"

// sampleProcs measures the engine's own process and the action servers it
// runs; the engine appears as engineProc.

func (e *Engine) sampleProcs(now time.Time, pids map[string]int) map[string]measure.ProcStats {
	all := make(map[string]int, len(pids)+1)
	for k, v := range pids {
		all[k] = v
	}
	all[engineProc] = os.Getpid()
	e.meas.mu.Lock()
	defer e.meas.mu.Unlock()
	return e.meas.proc.Sample(now, all)
}

// measureTick feeds trackact and tracksys once per sample interval, and
// saves what runs every checkpointEvery.
//
// While tracksys runs it answers what tracksys measured this tick (from
// Prometheus, or procs) and its source, else nil.
func (e *Engine) measureTick(ctx context.Context, now time.Time, cur map[string]track.Snapshot, procs map[string]measure.ProcStats) (map[string]measure.ProcStats, string) {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	defer e.saveProgressIfDue(now)
	placement := e.modes()
	if _, on := e.meas.acts.Active(); on {
		_ = e.meas.acts.Tick(now, actionTotals(cur), placement)
	}
	if _, on := e.meas.sys.Active(); !on {
		return nil, ""
	}
	stats, source := e.promStats(ctx, now)
	if stats == nil {
		stats, source = procs, measure.SourceProc
	}
	_ = e.meas.sys.Tick(now, placement, stats, source)
	out := make(map[string]measure.ProcStats, len(stats))
	for k, v := range stats {
		out[k] = v
	}
	return out, source
}

// promWindow is the shortest rate window of tracksys's Prometheus queries;
// promWindowScrapes is how many of the backend's scrape intervals a window
// spans at least, so that a rate always has samples to work with (a window
// shorter than two scrapes reads 0).
const (
	promWindow        = 10 * time.Second
	promWindowScrapes = 4
)

// rateWindow is the rate window for the backend's Prometheus.
func (e *Engine) rateWindow() time.Duration {
	if c, ok := e.backend().(backend.ScrapeCadence); ok {
		return max(promWindow, promWindowScrapes*c.ScrapeInterval())
	}
	return promWindow
}

// promStats asks the kept-alive Prometheus for the engine's and the action
// servers' CPU, memory and network, each scraped as its own job. It returns
// nil when promon is not running or does not answer in time, and tracksys
// then falls back to /proc and says so.
func (e *Engine) promStats(ctx context.Context, now time.Time) (map[string]measure.ProcStats, string) {
	stats, _ := e.promServers(ctx, now)
	if stats == nil {
		return nil, ""
	}
	return stats, measure.SourcePrometheus
}

// promServers is promStats with the reason it has nothing: promon is not
// kept alive, or it did not answer (the error).
func (e *Engine) promServers(ctx context.Context, now time.Time) (map[string]measure.ProcStats, string) {
	url := e.ServiceURL("promon")
	info, known := e.ServiceInfo()["promon"]
	switch {
	case !known || !info.Enabled:
		return nil, "jsorc's Prometheus (promon) is not kept alive"
	case url == "" || !info.Verified:
		why := "jsorc's Prometheus (promon) is " + string(info.State)
		if !info.Automation && info.State != types.ServiceReady && info.State != types.ServiceStarting {
			why += " (automation is off, so nothing starts it)"
		}
		return nil, why
	}
	src, err := e.promSource(url)
	if err != nil {
		return nil, "jsorc's Prometheus: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, 800*time.Millisecond)
	defer cancel()
	stats, err := src.Query(ctx, now, e.rateWindow())
	switch {
	case err != nil:
		e.log.Debug("Prometheus did not answer", "err", err)
		why, _, _ := strings.Cut(err.Error(), "\n") // the first of its queries' errors says it
		return nil, "jsorc's Prometheus (promon) does not answer: " + why
	case len(stats) == 0:
		return nil, "jsorc's Prometheus (promon) has no process metrics of the action servers yet"
	}
	return stats, ""
}

// promSource is the source of the kept-alive Prometheus at url, made once
// per url (its connections are kept), dialling through the backend's
// dialer when it has one, as the engine's calls to action servers do.
func (e *Engine) promSource(url string) (*measure.PromSource, error) {
	e.meas.mu.Lock()
	defer e.meas.mu.Unlock()
	if e.meas.prom != nil && e.meas.promURL == url {
		return e.meas.prom, nil
	}
	var dial func(ctx context.Context, network, addr string) (net.Conn, error)
	if d, ok := e.backend().(backend.Dialer); ok {
		dial = d.DialContext
	}
	src, err := measure.NewPromSourceVia(url, dial)
	if err != nil {
		return nil, err
	}
	e.meas.prom, e.meas.promURL = src.With(measure.LocalQueries("job")), url
	return e.meas.prom, nil
}

// actionTotals merges the per-mode recorders of each action into one
// cumulative snapshot per "module.action", as trackact reports them.
func actionTotals(cur map[string]track.Snapshot) map[string]track.Snapshot {
	out := make(map[string]track.Snapshot, len(cur))
	for name, s := range cur {
		if strings.HasPrefix(name, "app/") {
			continue
		}
		full, _, _ := strings.Cut(name, "/")
		out[full] = out[full].Merge(s)
	}
	return out
}

// modes maps every configured module to the mode it serves in, "" for
// none: JSORC's actions_state.
func (e *Engine) modes() map[string]string {
	out := map[string]string{}
	for name, m := range e.routes.all() {
		m.mu.Lock()
		out[name] = string(m.serving)
		m.mu.Unlock()
	}
	return out
}

// placement maps every module that serves calls to its mode.
func (e *Engine) placement() map[string]string {
	out := map[string]string{}
	for name, m := range e.routes.all() {
		m.mu.Lock()
		if m.serving != ModeNone {
			out[name] = string(m.serving)
		}
		m.mu.Unlock()
	}
	return out
}

// RecordRequest feeds a running benchmark with one API request, as JSORC's
// views fed theirs: reqType is the endpoint's name (JSORC's request type,
// e.g. "actions_call"), name "" for JSORC's "_default_", d how long the
// endpoint took and ok whether it succeeded. The API layer calls it once per
// request; app runs record themselves (type walker_run, the app's name),
// so it must not call it for them. Without a benchmark running it does
// nothing, without allocating.
func (e *Engine) RecordRequest(reqType, name string, d time.Duration, ok bool) {
	e.meas.bench.Record(reqType, name, d, ok)
}

// BenchmarkStart is JSORC's benchmark start: request-level latency and
// throughput of every API request (by type and name) from now on. It survives a restart of the
// engine (see saveProgress).
func (e *Engine) BenchmarkStart(ctx context.Context) error {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	now := time.Now()
	if err := e.meas.bench.Start(now); err != nil {
		return measureErr(err)
	}
	e.saveProgress(now)
	e.publish(causeOf(ctx), EventMeasure, "benchmark", "started")
	return nil
}

// BenchmarkReport is the running benchmark's report in JSORC's shape.
func (e *Engine) BenchmarkReport() (measure.Report, error) {
	r, err := e.meas.bench.Report(time.Now())
	return r, measureErr(err)
}

// BenchmarkStop stores the benchmark's final report, then stops it and
// returns the report. A report that cannot be stored (a full disk) is an
// error, and the benchmark keeps running: stop it again once there is room.
func (e *Engine) BenchmarkStop(ctx context.Context) (measure.Report, error) {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	now := time.Now()
	r, err := e.meas.bench.Report(now)
	if err != nil {
		return nil, measureErr(err)
	}
	if err := e.storeReport("benchmark", now, r); err != nil {
		return nil, fmt.Errorf("%w; the benchmark keeps running: free some space and stop it again", err)
	}
	if _, err := e.meas.bench.Stop(now); err != nil {
		return nil, measureErr(err)
	}
	e.clearProgress("benchmark")
	e.publish(causeOf(ctx), EventMeasure, "benchmark", "stopped")
	return r, nil
}

// TrackActStart starts JSORC's action tracking: the mean latency of each
// action per placement period, a period ending when the placement changes.
func (e *Engine) TrackActStart(ctx context.Context) error {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	now := time.Now()
	if err := e.meas.acts.Start(now); err != nil {
		return measureErr(err)
	}
	// The first tick only sets the baseline of every action.
	_ = e.meas.acts.Tick(now, actionTotals(e.tracks.Snapshot()), e.modes())
	e.meas.saved.acts = 0
	e.saveProgress(now)
	e.publish(causeOf(ctx), EventMeasure, "trackact", "started")
	return nil
}

// TrackActStop stores the history of action tracking, then stops it and
// returns the history; like BenchmarkStop, it keeps running when the
// history cannot be stored.
func (e *Engine) TrackActStop(ctx context.Context) ([]measure.Entry, error) {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	now := time.Now()
	if _, on := e.meas.acts.Active(); !on {
		_, err := e.meas.acts.Stop(now)
		return nil, measureErr(err)
	}
	_ = e.meas.acts.Tick(now, actionTotals(e.tracks.Snapshot()), e.modes())
	h := e.meas.acts.History()
	if err := e.storeReport("trackact", now, h); err != nil {
		return nil, fmt.Errorf("%w; trackact keeps running: free some space and stop it again", err)
	}
	if _, err := e.meas.acts.Stop(now); err != nil {
		return nil, measureErr(err)
	}
	e.clearProgress("trackact")
	e.publish(causeOf(ctx), EventMeasure, "trackact", "stopped")
	return h, nil
}

// TrackSysStart starts sampling CPU, memory and network of the engine and
// its action servers.
func (e *Engine) TrackSysStart(ctx context.Context) error {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	now := time.Now()
	if err := e.meas.sys.Start(now); err != nil {
		return measureErr(err)
	}
	e.meas.saved.sys = 0
	e.saveProgress(now)
	e.publish(causeOf(ctx), EventMeasure, "tracksys", "started")
	return nil
}

// TrackSysReport returns the system samples so far.
func (e *Engine) TrackSysReport() measure.SysReport { return e.meas.sys.Report() }

// TrackSysStop stores the system samples, then stops sampling and returns
// them; like BenchmarkStop, it keeps running when they cannot be stored.
func (e *Engine) TrackSysStop(ctx context.Context) (measure.SysReport, error) {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	now := time.Now()
	if _, on := e.meas.sys.Active(); !on {
		r, err := e.meas.sys.Stop(now)
		return r, measureErr(err)
	}
	r := e.meas.sys.Report()
	r.Active = false
	if err := e.storeReport("tracksys", now, r); err != nil {
		return measure.SysReport{States: []measure.SysState{}}, fmt.Errorf("%w; tracksys keeps running: free some space and stop it again", err)
	}
	if _, err := e.meas.sys.Stop(now); err != nil {
		return r, measureErr(err)
	}
	e.clearProgress("tracksys")
	e.publish(causeOf(ctx), EventMeasure, "tracksys", "stopped")
	return r, nil
}

// measureErr gives measuring misuse (report before start, start twice) the
// conflict kind, so it answers 409 with the component's message.
func measureErr(err error) error {
	if err == nil {
		return nil
	}
	return errorf(ErrConflict, "%w", err)
}

// String names the measuring components that run, for logs.
func (m *measuring) String() string {
	var on []string
	if _, ok := m.bench.Active(); ok {
		on = append(on, "benchmark")
	}
	if _, ok := m.acts.Active(); ok {
		on = append(on, "trackact")
	}
	if _, ok := m.sys.Active(); ok {
		on = append(on, "tracksys")
	}
	return fmt.Sprintf("measuring %v", on)
}
