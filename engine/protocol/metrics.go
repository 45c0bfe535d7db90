package protocol

import (
	"errors"
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metric names exported by an action server's /metrics.
const (
	// MetricCallDuration is the histogram of action call durations in
	// seconds, labelled module, action and code (the HTTP status).
	MetricCallDuration = "jsorc_action_server_call_duration_seconds"
	// MetricCalls counts action calls, labelled module, action and code.
	MetricCalls = "jsorc_action_server_calls_total"
	// MetricInFlight is the number of action calls being served, by module.
	MetricInFlight = "jsorc_action_server_in_flight_calls"
)

// numFastCodes is how many statuses (200, 422 and 500) have their observers
// created up front for every action, so that recording them costs no label
// lookup.
const numFastCodes = 3

// fastCodeIndex returns the slot of a status among the fast codes, or -1.
func fastCodeIndex(code int) int {
	switch code {
	case 200:
		return 0
	case 422:
		return 1
	case 500:
		return 2
	}
	return -1
}

// serverMetrics holds one handler's collectors.
type serverMetrics struct {
	module   string
	duration *prometheus.HistogramVec
	calls    *prometheus.CounterVec
	inFlight prometheus.Gauge
	// gatherer serves /metrics; nil when there is nothing to serve.
	gatherer prometheus.Gatherer
}

// newServerMetrics creates the collectors of a handler serving module and
// registers them with opts.Registerer, or with a private registry that also
// carries the process and Go collectors when opts.Registerer is nil.
func newServerMetrics(module string, opts HandlerOptions, log *slog.Logger) *serverMetrics {
	reg := opts.Registerer
	gatherer := opts.Gatherer
	if reg == nil {
		private := prometheus.NewRegistry()
		private.MustRegister(
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
			collectors.NewGoCollector(),
		)
		reg = private
		if gatherer == nil {
			gatherer = private
		}
	} else if gatherer == nil {
		if g, ok := reg.(prometheus.Gatherer); ok {
			gatherer = g
		}
	}

	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: MetricCallDuration,
		Help: "Duration of action calls served, from request to answer, in seconds.",
		// 100µs to about 15s: in-memory actions on loopback up to model
		// inference.
		Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 14),
	}, []string{"module", "action", "code"})
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricCalls,
		Help: "Action calls served.",
	}, []string{"module", "action", "code"})
	inFlight := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: MetricInFlight,
		Help: "Action calls being served.",
	}, []string{"module"})

	m := &serverMetrics{
		module:   module,
		duration: register(reg, duration, log),
		calls:    register(reg, calls, log),
		gatherer: gatherer,
	}
	m.inFlight = register(reg, inFlight, log).WithLabelValues(module)
	return m
}

// register registers c with reg. When an identical collector is already
// registered (another handler sharing the registry), that one is returned so
// both handlers feed the same series; other failures are logged and c is
// returned unregistered, still usable but not exported.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, log *slog.Logger) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	log.Warn("action server metrics not registered", "err", err)
	return c
}

// actionMetrics are one action's observers, resolved at construction.
type actionMetrics struct {
	m        *serverMetrics
	action   string
	duration [numFastCodes]prometheus.Observer
	calls    [numFastCodes]prometheus.Counter
}

func (m *serverMetrics) forAction(action string) actionMetrics {
	am := actionMetrics{m: m, action: action}
	for _, code := range [...]int{200, 422, 500} {
		i := fastCodeIndex(code)
		c := strconv.Itoa(code)
		am.duration[i] = m.duration.WithLabelValues(m.module, action, c)
		am.calls[i] = m.calls.WithLabelValues(m.module, action, c)
	}
	return am
}

// observe records one call answered with code after seconds.
func (am *actionMetrics) observe(code int, seconds float64) {
	if i := fastCodeIndex(code); i >= 0 {
		am.duration[i].Observe(seconds)
		am.calls[i].Inc()
		return
	}
	c := strconv.Itoa(code)
	am.m.duration.WithLabelValues(am.m.module, am.action, c).Observe(seconds)
	am.m.calls.WithLabelValues(am.m.module, am.action, c).Inc()
}
