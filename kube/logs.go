package kube

import (
	"log/slog"

	"k8s.io/klog/v2"
)

// RouteClientGoLogs sends client-go's own log output (klog: reflector
// warnings, watch errors, throttling notices) to logger instead of stderr,
// where it would tear through a terminal UI. It changes process-wide state:
// call it once, from main, before creating a Client.
func RouteClientGoLogs(logger *slog.Logger) {
	klog.SetSlogLogger(logger)
}
