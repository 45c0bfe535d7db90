package kube

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// PodInfo is one pod behind an owner's Deployment, as the informer cache
// holds it.
type PodInfo struct {
	Name     string
	Phase    string
	Ready    bool
	Restarts int
	Node     string
	Created  time.Time
	// Reason says why a container waits or ended (CrashLoopBackOff,
	// OOMKilled, ...), "" when it runs.
	Reason string
	// LastEvent is the latest Kubernetes event about the pod.
	LastEvent string
}

// ObjectEvent is a Kubernetes event about one of an owner's objects (its
// Deployment, ReplicaSet or pods): FailedScheduling, BackOff, Killing...
type ObjectEvent struct {
	Owner   string
	Kind    string
	Object  string
	Type    string // Normal or Warning
	Reason  string
	Message string
	At      time.Time
}

// String says the event in one line.
func (e ObjectEvent) String() string {
	return fmt.Sprintf("%s %s %s/%s: %s", e.Type, e.Reason, strings.ToLower(e.Kind), e.Object, e.Message)
}

// Observer watches the pods and the events of the client's namespace with
// informers, to say what runs behind jsorc's Deployments (no polling). It
// needs list and watch on pods and events; without them it logs why and
// reports nothing, and the rest of jsorc works on.
type Observer struct {
	c       *Client
	sink    func(ObjectEvent)
	factory informers.SharedInformerFactory
	pods    cache.SharedIndexInformer
	events  cache.SharedIndexInformer
	start   time.Time

	mu   sync.Mutex
	last map[string]ObjectEvent // by involved object's name
}

// NewObserver prepares an observer; sink receives the events of jsorc's
// objects that happen once it runs (it must not block). Start runs it.
func (c *Client) NewObserver(sink func(ObjectEvent)) *Observer {
	f := informers.NewSharedInformerFactoryWithOptions(c.clientset, 0, informers.WithNamespace(c.namespace))
	o := &Observer{c: c, sink: sink, factory: f, last: map[string]ObjectEvent{},
		pods: f.Core().V1().Pods().Informer(), events: f.Core().V1().Events().Informer()}
	handle := func(obj any) {
		if ev, ok := obj.(*corev1.Event); ok {
			o.take(ev)
		}
	}
	_, _ = o.events.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj any) { handle(obj) },
	})
	return o
}

// Start runs the informers until ctx ends. A cache that does not sync (a
// Role without list/watch on pods or events) is logged, not an error.
func (o *Observer) Start(ctx context.Context) error {
	o.start = time.Now()
	o.factory.Start(ctx.Done())
	defer o.factory.Shutdown()
	for typ, ok := range o.factory.WaitForCacheSync(ctx.Done()) {
		if !ok && ctx.Err() == nil {
			o.c.logger.Warn("kube: pods and events are not watched", "resource", typ.String(), "namespace", o.c.namespace)
		}
	}
	<-ctx.Done()
	return nil
}

// eventTime is when an event last happened.
func eventTime(ev *corev1.Event) time.Time {
	switch {
	case !ev.LastTimestamp.IsZero():
		return ev.LastTimestamp.Time
	case !ev.EventTime.IsZero():
		return ev.EventTime.Time
	}
	return ev.CreationTimestamp.Time
}

// take keeps an event as its object's latest and hands an event of
// jsorc's objects that happened since the start to the sink.
func (o *Observer) take(ev *corev1.Event) {
	owner := o.ownerOf(ev.InvolvedObject.Name)
	if owner == "" {
		return
	}
	oe := ObjectEvent{Owner: owner, Kind: ev.InvolvedObject.Kind, Object: ev.InvolvedObject.Name,
		Type: ev.Type, Reason: ev.Reason, Message: strings.TrimSpace(ev.Message), At: eventTime(ev)}
	o.mu.Lock()
	prev, seen := o.last[oe.Object]
	newer := !seen || !oe.At.Before(prev.At)
	if newer {
		o.last[oe.Object] = oe
	}
	o.mu.Unlock()
	if newer && !oe.At.Before(o.start.Add(-time.Second)) && o.sink != nil {
		o.sink(oe)
	}
}

// deployments are the cached Deployments of jsorc, with their owners.
func (o *Observer) deployments() []*unstructured.Unstructured {
	h := o.c.informerFor(schema.GroupResource{Group: "apps", Resource: "deployments"})
	if h == nil {
		return nil
	}
	var out []*unstructured.Unstructured
	for _, obj := range h.informer.GetStore().List() {
		if u, ok := obj.(*unstructured.Unstructured); ok && u.GetLabels()[LabelOwner] != "" {
			out = append(out, u)
		}
	}
	return out
}

// ownerOf is the owner of the Deployment an object belongs to by name
// (the Deployment, its ReplicaSets DEPLOY-HASH, its pods DEPLOY-HASH-ID).
func (o *Observer) ownerOf(name string) string {
	for _, d := range o.deployments() {
		if name == d.GetName() || strings.HasPrefix(name, d.GetName()+"-") {
			return d.GetLabels()[LabelOwner]
		}
	}
	return ""
}

// Pods lists the pods behind the owner's Deployments, from the cache,
// sorted by name, with the replicas those Deployments want and have ready.
func (o *Observer) Pods(owner string) (pods []PodInfo, ready, desired int) {
	for _, d := range o.deployments() {
		if d.GetLabels()[LabelOwner] != owner || d.GetDeletionTimestamp() != nil {
			continue
		}
		want, found, _ := unstructured.NestedInt64(d.Object, "spec", "replicas")
		if !found {
			want = 1
		}
		got, _, _ := unstructured.NestedInt64(d.Object, "status", "readyReplicas")
		desired += int(want)
		ready += int(got)
		match, _, _ := unstructured.NestedStringMap(d.Object, "spec", "selector", "matchLabels")
		if len(match) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(match)
		for _, obj := range o.pods.GetStore().List() {
			p, ok := obj.(*corev1.Pod)
			if !ok || !sel.Matches(labels.Set(p.Labels)) {
				continue
			}
			pods = append(pods, o.podInfo(p))
		}
	}
	slices.SortFunc(pods, func(a, b PodInfo) int { return strings.Compare(a.Name, b.Name) })
	return pods, ready, desired
}

// podInfo reads one pod.
func (o *Observer) podInfo(p *corev1.Pod) PodInfo {
	pi := PodInfo{Name: p.Name, Phase: string(p.Status.Phase), Node: p.Spec.NodeName, Created: p.CreationTimestamp.Time}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			pi.Ready = c.Status == corev1.ConditionTrue
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		pi.Restarts += int(cs.RestartCount)
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			pi.Reason = cs.State.Waiting.Reason
		case cs.State.Terminated != nil:
			pi.Reason = cs.State.Terminated.Reason
		case cs.LastTerminationState.Terminated != nil && pi.Reason == "":
			pi.Reason = "last: " + cs.LastTerminationState.Terminated.Reason
		}
	}
	if p.DeletionTimestamp != nil {
		pi.Phase = "Terminating"
	}
	o.mu.Lock()
	if ev, ok := o.last[p.Name]; ok {
		pi.LastEvent = ev.Type + " " + ev.Reason + ": " + ev.Message
	}
	o.mu.Unlock()
	return pi
}

// maxLogBytes bounds what one read of a pod's log brings.
const maxLogBytes = 16 << 20

// PodLog reads the log of a pod's first container (at most 16 MiB from
// its start), and its restart count, which names the incarnation of the
// log.
func (c *Client) PodLog(ctx context.Context, pod string) ([]byte, int32, error) {
	p, err := c.clientset.CoreV1().Pods(c.namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("kube: pod %s/%s: %w", c.namespace, pod, err)
	}
	var restarts int32
	if len(p.Status.ContainerStatuses) > 0 {
		restarts = p.Status.ContainerStatuses[0].RestartCount
	}
	limit := int64(maxLogBytes)
	b, err := c.clientset.CoreV1().Pods(c.namespace).GetLogs(pod, &corev1.PodLogOptions{LimitBytes: &limit}).DoRaw(ctx)
	if err != nil {
		return nil, restarts, fmt.Errorf("kube: the log of pod %s/%s: %w", c.namespace, pod, err)
	}
	return b, restarts, nil
}
