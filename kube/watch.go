package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/jsorc/jsorc/internal/pubsub"
)

// ownerIndex is the informer index of objects by their owner label.
const ownerIndex = "jsorc-owner"

// informerHandle is the informer of one tracked resource.
type informerHandle struct {
	gvr      schema.GroupVersionResource
	informer cache.SharedIndexInformer
}

// EventType says what happened to an object.
type EventType string

// The event types [Client.Watch] delivers.
const (
	// Added: the object appeared (created, or first seen by the cache).
	Added EventType = "Added"
	// Updated: the object changed (spec, labels or status).
	Updated EventType = "Updated"
	// Deleted: the object is gone.
	Deleted EventType = "Deleted"
)

// Event tells that one of an owner's objects changed. Events are hints to
// look again: read the state itself from the cache ([Client.DeploymentReady],
// [Client.Diff]). When a subscriber falls behind, events for the same object
// are merged and only the latest is delivered.
type Event struct {
	Type  EventType
	Owner string
	Ref   ObjectRef
}

// setupInformers creates one informer per tracked resource, all filtered by
// the managed-by label in the client's namespace, with the event handlers
// and the owner index. They start with Start.
func (c *Client) setupInformers() error {
	selector := LabelManagedBy + "=" + ManagedByValue
	c.factory = dynamicinformer.NewFilteredDynamicSharedInformerFactory(c.dynamic, 0, c.namespace,
		func(o *metav1.ListOptions) { o.LabelSelector = selector })
	c.informers = make(map[schema.GroupVersionResource]informerHandle, len(c.resources))
	for _, gvr := range c.resources {
		inf := c.factory.ForResource(gvr).Informer()
		if err := inf.AddIndexers(cache.Indexers{ownerIndex: indexByOwner}); err != nil {
			return fmt.Errorf("kube: index %s: %w", gvr, err)
		}
		if err := inf.SetWatchErrorHandlerWithContext(c.watchErrorHandler(gvr)); err != nil {
			return fmt.Errorf("kube: watch error handler %s: %w", gvr, err)
		}
		if _, err := inf.AddEventHandler(c.eventHandler()); err != nil {
			return fmt.Errorf("kube: event handler %s: %w", gvr, err)
		}
		c.informers[gvr] = informerHandle{gvr: gvr, informer: inf}
	}
	return nil
}

func indexByOwner(obj any) ([]string, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, nil
	}
	if o := u.GetLabels()[LabelOwner]; o != "" {
		return []string{o}, nil
	}
	return nil, nil
}

// watchErrorHandler records and logs a list/watch failure (a Forbidden here
// means the Role lacks list or watch), then lets client-go's default handler
// decide how loudly to report it.
func (c *Client) watchErrorHandler(gvr schema.GroupVersionResource) cache.WatchErrorHandlerWithContext {
	return func(ctx context.Context, r *cache.Reflector, err error) {
		c.setLastError(fmt.Errorf("kube: watch %s in %s: %w", gvr.Resource, c.namespace, err))
		c.logger.Warn("kube watch error", "resource", gvr.Resource, "namespace", c.namespace, "err", err)
		cache.DefaultWatchErrorHandler(ctx, r, err)
	}
}

// LastWatchError is the latest list/watch error of the informers, or nil.
// A client whose cache never syncs says why here.
func (c *Client) LastWatchError() error {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.lastErr
}

func (c *Client) setLastError(err error) {
	c.errMu.Lock()
	c.lastErr = err
	c.errMu.Unlock()
}

func (c *Client) eventHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { c.publish(Added, obj) },
		UpdateFunc: func(oldObj, newObj any) {
			o, ok1 := oldObj.(*unstructured.Unstructured)
			n, ok2 := newObj.(*unstructured.Unstructured)
			if ok1 && ok2 && o.GetResourceVersion() == n.GetResourceVersion() {
				return // a resync, not a change
			}
			c.publish(Updated, newObj)
		},
		DeleteFunc: func(obj any) { c.publish(Deleted, obj) },
	}
}

func (c *Client) publish(t EventType, obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	owner := u.GetLabels()[LabelOwner]
	if owner == "" {
		return
	}
	c.events.Publish(Event{Type: t, Owner: owner, Ref: refOf(u)})
}

// Start starts the informers, waits for their caches to sync, and blocks
// until ctx is done; then it stops them and returns nil. It returns an error
// if ctx ends before the caches synced (see [Client.LastWatchError] for why)
// or if it is called twice.
func (c *Client) Start(ctx context.Context) error {
	c.startMu.Lock()
	if c.started {
		c.startMu.Unlock()
		return errors.New("kube: Start called twice")
	}
	c.started = true
	c.startMu.Unlock()

	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	for gvr, ok := range c.factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			err := fmt.Errorf("kube: cache of %s in %s did not sync: %w", gvr.Resource, c.namespace, ctx.Err())
			if last := c.LastWatchError(); last != nil {
				err = fmt.Errorf("%w (last watch error: %w)", err, last)
			}
			return err
		}
	}
	close(c.synced)
	c.logger.Debug("kube informers synced", "namespace", c.namespace)
	<-ctx.Done()
	c.logger.Debug("kube informers stopping", "namespace", c.namespace)
	return nil
}

// WaitForCacheSync blocks until the caches Start fills have synced, or ctx
// ends (then it returns ctx's error, joined with the last watch error).
func (c *Client) WaitForCacheSync(ctx context.Context) error {
	select {
	case <-c.synced:
		return nil
	case <-ctx.Done():
		err := fmt.Errorf("kube: waiting for the cache of %s: %w", c.namespace, ctx.Err())
		if last := c.LastWatchError(); last != nil {
			err = errors.Join(err, last)
		}
		return err
	}
}

// Synced reports whether the caches have synced.
func (c *Client) Synced() bool {
	select {
	case <-c.synced:
		return true
	default:
		return false
	}
}

// ErrNotSynced is returned by reads that need the cache before it synced.
var ErrNotSynced = errors.New("kube: the informer cache has not synced yet (is Start running?)")

// informerFor returns the informer of a tracked group-resource, or nil.
func (c *Client) informerFor(gr schema.GroupResource) *informerHandle {
	for gvr, h := range c.informers {
		if gvr.GroupResource() == gr {
			return &h
		}
	}
	return nil
}

// cached returns the cached object of a tracked resource, or nil.
func (c *Client) cached(gvr schema.GroupVersionResource, namespace, name string) *unstructured.Unstructured {
	h := c.informerFor(gvr.GroupResource())
	if h == nil {
		return nil
	}
	obj, ok, err := h.informer.GetIndexer().GetByKey(namespace + "/" + name)
	if err != nil || !ok {
		return nil
	}
	u, _ := obj.(*unstructured.Unstructured)
	return u
}

// owned is a cached object with its resource.
type owned struct {
	obj *unstructured.Unstructured
	gvr schema.GroupVersionResource
}

// ownedObjects returns the cached objects labelled with owner, sorted.
func (c *Client) ownedObjects(owner string) []owned {
	var out []owned
	for gvr, h := range c.informers {
		objs, err := h.informer.GetIndexer().ByIndex(ownerIndex, owner)
		if err != nil {
			continue
		}
		for _, o := range objs {
			if u, ok := o.(*unstructured.Unstructured); ok {
				out = append(out, owned{obj: u, gvr: gvr})
			}
		}
	}
	slices.SortFunc(out, func(a, b owned) int {
		return strings.Compare(refOf(a.obj).key(), refOf(b.obj).key())
	})
	return out
}

// Objects lists the owner's objects from the cache (no API request).
func (c *Client) Objects(owner string) ([]ObjectRef, error) {
	if !c.Synced() {
		return nil, ErrNotSynced
	}
	items := c.ownedObjects(owner)
	refs := make([]ObjectRef, 0, len(items))
	for _, o := range items {
		refs = append(refs, refOf(o.obj))
	}
	return refs, nil
}

// Owners lists, from the cache, every owner that has objects.
func (c *Client) Owners() ([]string, error) {
	if !c.Synced() {
		return nil, ErrNotSynced
	}
	set := map[string]bool{}
	for _, h := range c.informers {
		for _, o := range h.informer.GetIndexer().ListIndexFuncValues(ownerIndex) {
			set[o] = true
		}
	}
	owners := make([]string, 0, len(set))
	for o := range set {
		owners = append(owners, o)
	}
	slices.Sort(owners)
	return owners, nil
}

// DeploymentReady reads the owner's Deployment name from the cache: its ready
// replicas, the replicas it asks for, and whether it exists (a Deployment
// that is being deleted, or that carries another owner's label, does not).
// Before the cache syncs it reports that nothing exists.
func (c *Client) DeploymentReady(owner, name string) (ready, desired int32, exists bool) {
	u := c.cached(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, c.namespace, name)
	if u == nil || u.GetLabels()[LabelOwner] != owner || u.GetDeletionTimestamp() != nil {
		return 0, 0, false
	}
	want, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
	if !found {
		want = 1 // the API server's default
	}
	got, _, _ := unstructured.NestedInt64(u.Object, "status", "readyReplicas")
	return int32(got), int32(want), true
}

// Watch returns a channel of events about jsorc's objects, from the moment
// of the call until ctx is done (then the channel is closed). Each call gets
// its own channel; a slow reader never blocks the informers nor other
// readers, and loses no object's latest event.
func (c *Client) Watch(ctx context.Context) <-chan Event {
	return c.events.Subscribe(ctx)
}

// newWatchBroker returns the broker of watch events: it coalesces by
// object, so a subscriber holds at most one pending event per object.
func newWatchBroker() *pubsub.Broker[Event] {
	return pubsub.NewBroker(pubsub.Options[Event]{
		Key: func(e Event) string { return e.Owner + "\x00" + e.Ref.key() },
	})
}

// WaitDeploymentReady blocks until the owner's Deployment name exists in the
// cache with as many ready replicas as it asks for, or ctx ends. It wakes on
// watch events, never polls.
func (c *Client) WaitDeploymentReady(ctx context.Context, owner, name string) error {
	return c.waitFor(ctx, func() bool {
		ready, want, ok := c.DeploymentReady(owner, name)
		return ok && ready >= want
	}, fmt.Sprintf("deployment %s/%s of %q to be ready", c.namespace, name, owner))
}

// WaitGone blocks until the cache holds no object of the owner, or ctx ends:
// after [Client.Delete], the moment foreground deletion has finished.
func (c *Client) WaitGone(ctx context.Context, owner string) error {
	return c.waitFor(ctx, func() bool {
		return len(c.ownedObjects(owner)) == 0
	}, fmt.Sprintf("the objects of %q to be gone", owner))
}

// waitFor re-checks cond on every watch event until it holds.
func (c *Client) waitFor(ctx context.Context, cond func() bool, what string) error {
	if err := c.WaitForCacheSync(ctx); err != nil {
		return err
	}
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := c.Watch(subCtx)
	for !cond() {
		select {
		case <-events:
		case <-ctx.Done():
			return fmt.Errorf("kube: waiting for %s: %w", what, ctx.Err())
		}
	}
	return nil
}
