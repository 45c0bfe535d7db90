package kube

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jsorc/jsorc/engine/backend"
	k8s "github.com/jsorc/jsorc/kube"
)

// What the kube backend says of its cluster beyond running servers: where
// it works, the pods behind each module and service, their events, and
// the logs of their pods.

// sinkHolder holds the engine's event sink, set once the engine opened
// the backend.
type sinkHolder struct {
	fn atomic.Pointer[func(backend.ObjectEvent)]
}

// SetEventSink implements backend.EventSource: the events of jsorc's
// objects go to sink.
func (kb *Backend) SetEventSink(sink func(backend.ObjectEvent)) { kb.sink.fn.Store(&sink) }

// objectEvent hands an event of the observer to the engine.
func (kb *Backend) objectEvent(ev k8s.ObjectEvent) {
	fn := kb.sink.fn.Load()
	if fn == nil {
		return
	}
	owner, service := ev.Owner, false
	if name, ok := strings.CutPrefix(owner, serviceOwnerPrefix); ok {
		owner, service = name, true
	}
	(*fn)(backend.ObjectEvent{Owner: owner, Service: service, Warning: ev.Type == "Warning", Text: ev.String(), At: ev.At})
}

// Where implements backend.Locator.
func (kb *Backend) Where() backend.Where {
	return backend.Where{Backend: Name, Context: kb.kc.Context(), Server: kb.kc.Host(), Namespace: kb.kc.Namespace()}
}

// owner is the kube owner label of a module or a service.
func owner(name string, service bool) string {
	if service {
		return serviceOwnerPrefix + name
	}
	return name
}

// Pods implements backend.PodLister, from the informer cache.
func (kb *Backend) Pods(name string, service bool) ([]backend.Pod, int, int) {
	pods, ready, desired := kb.observer.Pods(owner(name, service))
	out := make([]backend.Pod, len(pods))
	for i, p := range pods {
		out[i] = backend.Pod{Name: p.Name, Phase: p.Phase, Ready: p.Ready, Restarts: p.Restarts, Node: p.Node,
			Created: p.Created, Reason: p.Reason, LastEvent: p.LastEvent}
	}
	return out, ready, desired
}

// ReadLog implements backend.LogSource: the log of the first ready pod
// behind the owner (else its first pod), through the API server. A piece
// is cut from the log as the API server gives it (at most 16 MiB from its
// start); the pod and its container's restarts name the log, so a new pod
// or a restart starts it again.
func (kb *Backend) ReadLog(ctx context.Context, q backend.LogQuery) (backend.LogPiece, error) {
	pods, _, _ := kb.observer.Pods(owner(q.Owner, q.Service))
	what := "module " + q.Owner
	if q.Service {
		what = "service " + q.Owner
	}
	if len(pods) == 0 {
		return backend.LogPiece{}, backend.Errorf(backend.ErrConflict, "no log yet: %s has no pod in namespace %s", what, kb.kc.Namespace())
	}
	pod := pods[0]
	for _, p := range pods {
		if p.Ready {
			pod = p
			break
		}
	}
	src := "pod " + kb.kc.Namespace() + "/" + pod.Name
	data, restarts, err := kb.kc.PodLog(ctx, pod.Name)
	if err != nil {
		return backend.LogPiece{Source: src}, backend.Errorf(backend.ErrUnavailable, "%s: %w", what, err)
	}
	p := backend.LogPiece{Source: src, ID: fmt.Sprintf("%s#%d", pod.Name, restarts), Size: int64(len(data))}
	off := q.Offset
	switch {
	case off < 0:
		off = max(0, p.Size-int64(q.Max))
	case (q.ID != "" && q.ID != p.ID) || off > p.Size:
		off, p.Reset = 0, true
	}
	end := min(p.Size, off+int64(q.Max))
	p.Data, p.Offset = data[off:end], off
	return p, nil
}
