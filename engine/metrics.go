package engine

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jsorc/jsorc/engine/track"
)

// metricBuckets are the upper bounds (seconds) of the exported latency
// histograms: from 100 µs to 60 s, roughly ×2.5 apart.
var metricBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// metricsCollector exports the engine's recorders to Prometheus at scrape
// time, so the router's hot path pays nothing for /metrics.
type metricsCollector struct {
	e        *Engine
	calls    *prometheus.Desc
	requests *prometheus.Desc
	serving  *prometheus.Desc
	switches *prometheus.Desc
	restarts *prometheus.Desc
	retried  *prometheus.Desc
}

// Collector returns a Prometheus collector of the engine's measurements:
// call latency by module, action and mode, request latency by app, and the
// serving placement of each module.
func (e *Engine) Collector() prometheus.Collector {
	return &metricsCollector{
		e: e,
		calls: prometheus.NewDesc("jsorc_action_call_duration_seconds",
			"Latency of action calls through the router.", []string{"module", "action", "mode"}, nil),
		requests: prometheus.NewDesc("jsorc_app_request_duration_seconds",
			"Latency of app requests.", []string{"app"}, nil),
		serving: prometheus.NewDesc("jsorc_module_serving",
			"1 for the mode a module serves calls in.", []string{"module", "mode"}, nil),
		switches: prometheus.NewDesc("jsorc_placement_changes_total",
			"Placement changes of a module (switches, loads and unloads).", []string{"module"}, nil),
		restarts: prometheus.NewDesc("jsorc_service_restarts_total",
			"Restarts of a kept-alive service.", []string{"service"}, nil),
		retried: prometheus.NewDesc("jsorc_calls_retried_total",
			"Calls retried on a module's in-process fallback after their action server went down under them.", nil, nil),
	}
}

// Describe sends the descriptors of the exported metrics.
func (c *metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.calls
	ch <- c.requests
	ch <- c.serving
	ch <- c.switches
	ch <- c.restarts
	ch <- c.retried
}

// Collect exports one histogram per recorder and the serving modes.
func (c *metricsCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.retried, prometheus.CounterValue, float64(c.e.Retried()))
	c.e.tracks.Each(func(name string, r *track.Recorder) {
		s := r.Snapshot()
		if app, ok := strings.CutPrefix(name, "app/"); ok {
			ch <- histogram(c.requests, s, app)
			return
		}
		full, mode, _ := strings.Cut(name, "/")
		mod, act, _ := strings.Cut(full, ".")
		ch <- histogram(c.calls, s, mod, act, mode)
	})
	for name, m := range c.e.routes.all() {
		m.mu.Lock()
		serving, changes := m.serving, m.changes
		m.mu.Unlock()
		ch <- prometheus.MustNewConstMetric(c.switches, prometheus.CounterValue, float64(changes), name)
		for _, mode := range []Mode{ModeModule, ModeRemote} {
			v := 0.0
			if serving == mode {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.serving, prometheus.GaugeValue, v, name, string(mode))
		}
	}
	for name, info := range c.e.ServiceInfo() {
		ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(info.Restarts), name)
	}
}

// histogram turns a recorder's snapshot into a constant Prometheus
// histogram with metricBuckets as bounds.
func histogram(desc *prometheus.Desc, s track.Snapshot, labels ...string) prometheus.Metric {
	counts := make(map[float64]uint64, len(metricBuckets))
	var cum uint64
	bi := 0
	for i, n := range s.Buckets {
		if n == 0 {
			continue
		}
		_, hi := track.BucketBounds(i)
		for bi < len(metricBuckets) && hi.Seconds() > metricBuckets[bi] {
			counts[metricBuckets[bi]] = cum
			bi++
		}
		cum += n
	}
	for ; bi < len(metricBuckets); bi++ {
		counts[metricBuckets[bi]] = cum
	}
	return prometheus.MustNewConstHistogram(desc, s.Count, s.Sum.Seconds(), counts, labels...)
}
