package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jsorc/jsorc/engine"
)

// metricsHandler serves the engine's measurements and the process's own
// metrics in the Prometheus exposition format, from a registry of its own.
func metricsHandler(e *engine.Engine) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		e.Collector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
