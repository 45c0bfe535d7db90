package engine

import (
	"context"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
)

// What the engine says of where its backend runs things: the cluster, the
// pods behind a module, the cluster's events about them.

// adoptEvents passes the events a backend reports of the place it runs
// things (a cluster's events of jsorc's objects) to the engine's events.
func (e *Engine) adoptEvents(b Backend) {
	src, ok := b.(backend.EventSource)
	if !ok {
		return
	}
	src.SetEventSink(func(ev backend.ObjectEvent) {
		name := ev.Owner
		if ev.Service {
			name = "service " + ev.Owner
		}
		e.publish(types.CauseEngine, EventCluster, name, ev.Text)
	})
}

// EngineInfo is jsorc_engine_info: the backend, and for a cluster its
// kubeconfig context, API server and namespace.
func (e *Engine) EngineInfo(context.Context) types.EngineInfoAnswer {
	b := e.backend()
	a := types.EngineInfoAnswer{Backend: b.Name()}
	if l, ok := b.(backend.Locator); ok {
		w := l.Where()
		a.Context, a.Server, a.Namespace = w.Context, w.Server, w.Namespace
	}
	return a
}

// podsOf fills a description with the pods behind a module, when the
// backend runs them as pods.
func (e *Engine) podsOf(d *types.DescribeAnswer) {
	pl, ok := e.backend().(backend.PodLister)
	if !ok {
		return
	}
	pods, ready, desired := pl.Pods(d.Name, false)
	d.Replicas = &types.Replicas{Ready: ready, Desired: desired}
	st := e.stats
	st.mu.Lock()
	usage, source, note := st.pods, st.podsSource, st.serversNote
	st.mu.Unlock()
	measured := 0
	for _, p := range pods {
		pi := types.PodInfo{Name: p.Name, Phase: p.Phase, Ready: p.Ready, Restarts: p.Restarts,
			Node: p.Node, Created: p.Created, Reason: p.Reason, LastEvent: p.LastEvent}
		if u, ok := usage[p.Name]; ok {
			pi.Usage = &u
			measured++
		}
		d.Pods = append(d.Pods, pi)
	}
	if _, ok := e.backend().(backend.UsageReader); ok {
		d.Metrics = metricsLine(source, note, measured)
	}
}
