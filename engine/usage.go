package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/measure"
)

// The CPU and memory of the action servers a backend runs as pods (the
// kube backend), read at each sample: from the cluster's metrics API
// (metrics.k8s.io) where it serves one; else from the kept-alive
// Prometheus, which scrapes each server's own process metrics
// (process_cpu_seconds_total, process_resident_memory_bytes) as the job of
// its module; else none, and the reason said plainly in the stats, the
// description, the table and the graphs.

// usageTimeout bounds one reading of the metrics API at a sample.
const usageTimeout = 800 * time.Millisecond

// promRetry is how long after Prometheus failed as the fallback the
// sampler asks it again: a Prometheus that is not there must not cost a
// query every second.
const promRetry = 15 * time.Second

// noMetricsSource starts what the engine says when it has no figures of
// the pods.
const noMetricsSource = "no metrics source: "

// podUsage is one sample's reading of the pods.
type podUsage struct {
	// servers are the figures of each module, pods are each pod's (from
	// the metrics API only), source where they come from.
	servers map[string]measure.ProcStats
	pods    map[string]measure.ProcStats
	source  string
	// note says why there are none.
	note string
}

// readPodUsage reads the pods' CPU and memory; ok is false when the
// backend runs no pods. Nothing is read while no module is remote.
func (e *Engine) readPodUsage(ctx context.Context, now time.Time) (pu podUsage, ok bool) {
	ur, ok := e.backend().(backend.UsageReader)
	if !ok {
		return podUsage{}, false
	}
	if !e.anyRemote() {
		return podUsage{}, true
	}
	rctx, cancel := context.WithTimeout(ctx, usageTimeout)
	r, err := ur.ReadUsage(rctx)
	cancel()
	if err == nil {
		pu = podUsage{source: r.Source, servers: make(map[string]measure.ProcStats, len(r.Owners)),
			pods: make(map[string]measure.ProcStats, len(r.Pods))}
		for name, u := range r.Owners {
			pu.servers[name] = measure.ProcStats{CPUCores: u.CPUCores, MemBytes: u.MemBytes}
		}
		for name, u := range r.Pods {
			pu.pods[name] = measure.ProcStats{CPUCores: u.CPUCores, MemBytes: u.MemBytes}
		}
		return pu, true
	}
	why := err.Error()
	if !errors.Is(err, backend.ErrNoUsageSource) {
		why = "the cluster's metrics API did not answer (" + why + ")"
	}
	st := e.stats
	if now.Before(st.promRetry) {
		return podUsage{note: noMetricsSource + why + " and " + st.promWhy}, true
	}
	stats, promWhy := e.promServers(ctx, now)
	if stats != nil {
		return podUsage{servers: stats, source: measure.SourcePrometheus}, true
	}
	st.promRetry, st.promWhy = now.Add(promRetry), promWhy
	return podUsage{note: noMetricsSource + why + " and " + promWhy}, true
}

// anyRemote reports whether a module has an action server, serves
// remotely or is to.
func (e *Engine) anyRemote() bool {
	for _, m := range e.routes.all() {
		m.mu.Lock()
		remote := m.serving == ModeRemote || m.desired == ModeRemote || m.server != nil
		m.mu.Unlock()
		if remote {
			return true
		}
	}
	return false
}

// metricsLine says in a description where a module's pods' CPU and memory
// come from, or why there are none.
func metricsLine(source, note string, pods int) string {
	switch {
	case note != "":
		return note
	case source == measure.SourcePrometheus:
		return "from jsorc's Prometheus (promon), scraping the server's own process metrics (one pod at a time behind its Service)"
	case source != "":
		return fmt.Sprintf("from %s, summed over its %d pod(s) at the last sample", source, pods)
	}
	return "not measured yet: read at each sample while the module is remote"
}
