package kube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// ObjectRef names one object: its API version and kind, namespace and name.
// Two refs name the same object when group, kind, namespace and name agree
// (the version does not matter).
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// String renders the ref as Kind/namespace/name.
func (r ObjectRef) String() string {
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// key identifies the object regardless of the API version.
func (r ObjectRef) key() string {
	gv, _ := schema.ParseGroupVersion(r.APIVersion)
	return gv.Group + "/" + r.Kind + "/" + r.Namespace + "/" + r.Name
}

// refOf is the ref of an unstructured object.
func refOf(u *unstructured.Unstructured) ObjectRef {
	return ObjectRef{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}
}

// desired is one object of a definition, ready to apply.
type desired struct {
	obj     *unstructured.Unstructured
	gvr     schema.GroupVersionResource
	ref     ObjectRef
	applied map[string]any // what is sent, as generic JSON values (for Diff)
}

// Apply writes the owner's objects with server-side apply (force, one field
// manager) in the client's namespace, labelled with [LabelManagedBy],
// [LabelOwner] and [LabelConfigVersion]. objs are Kubernetes objects as
// generic JSON values (what a YAML or JSON manifest decodes to); they are not
// modified. An object without a namespace gets the client's; an object in
// another namespace, of a cluster-scoped kind or of an untracked resource is
// refused. Every object is attempted; the errors are joined.
// Applying the same definition again changes nothing on the server.
func (c *Client) Apply(ctx context.Context, owner string, objs []map[string]any) error {
	want, err := c.prepare(ctx, owner, objs)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range want {
		_, err := c.dynamic.Resource(d.gvr).Namespace(d.ref.Namespace).Apply(ctx, d.ref.Name, d.obj,
			metav1.ApplyOptions{FieldManager: c.fieldManager, Force: true})
		if err != nil {
			errs = append(errs, fmt.Errorf("kube: apply %s for %q: %w", d.ref, owner, err))
		}
	}
	return errors.Join(errs...)
}

// Refs returns the refs of a definition's objects, with namespaces defaulted
// as Apply would: the keep list to give [Client.Prune].
func (c *Client) Refs(objs []map[string]any) ([]ObjectRef, error) {
	refs := make([]ObjectRef, 0, len(objs))
	for i, o := range objs {
		u, err := c.normalise(o)
		if err != nil {
			return nil, fmt.Errorf("kube: object %d: %w", i, err)
		}
		refs = append(refs, refOf(u))
	}
	return refs, nil
}

// ConfigVersion is the value [LabelConfigVersion] takes for a definition:
// a hash of its objects (namespaces defaulted), independent of their order.
func (c *Client) ConfigVersion(objs []map[string]any) (string, error) {
	us := make([]*unstructured.Unstructured, 0, len(objs))
	for i, o := range objs {
		u, err := c.normalise(o)
		if err != nil {
			return "", fmt.Errorf("kube: object %d: %w", i, err)
		}
		us = append(us, u)
	}
	return configVersion(us)
}

// prepare validates and labels a definition and maps each object to its
// resource, in apply order.
func (c *Client) prepare(ctx context.Context, owner string, objs []map[string]any) ([]desired, error) {
	if errs := validation.IsValidLabelValue(owner); owner == "" || len(errs) > 0 {
		return nil, fmt.Errorf("kube: owner %q is not a valid label value: %s", owner, strings.Join(errs, "; "))
	}
	us := make([]*unstructured.Unstructured, 0, len(objs))
	seen := map[string]bool{}
	for i, o := range objs {
		u, err := c.normalise(o)
		if err != nil {
			return nil, fmt.Errorf("kube: %q object %d: %w", owner, i, err)
		}
		k := refOf(u).key()
		if seen[k] {
			return nil, fmt.Errorf("kube: %q defines %s twice", owner, refOf(u))
		}
		seen[k] = true
		us = append(us, u)
	}
	version, err := configVersion(us)
	if err != nil {
		return nil, err
	}
	want := make([]desired, 0, len(us))
	for _, u := range us {
		labels := u.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[LabelManagedBy] = ManagedByValue
		labels[LabelOwner] = owner
		labels[LabelConfigVersion] = version
		u.SetLabels(labels)
		gvr, err := c.resourceFor(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("kube: %q: %w", owner, err)
		}
		want = append(want, desired{obj: u, gvr: gvr, ref: refOf(u), applied: u.UnstructuredContent()})
	}
	slices.SortStableFunc(want, func(a, b desired) int {
		return order(a.ref.Kind) - order(b.ref.Kind)
	})
	return want, nil
}

// order puts the objects others depend on first, so a Deployment's pods find
// their ConfigMap and claim.
func order(kind string) int {
	switch kind {
	case "ConfigMap", "Secret":
		return 1
	case "PersistentVolumeClaim":
		return 2
	case "Service":
		return 3
	case "Deployment", "StatefulSet":
		return 4
	}
	return 10
}

// normalise deep-copies a manifest through JSON (so every value is a plain
// JSON value), checks the fields Apply needs and defaults the namespace.
func (c *Client) normalise(o map[string]any) (*unstructured.Unstructured, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("not JSON-encodable: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	u := &unstructured.Unstructured{Object: m}
	switch {
	case u.GetAPIVersion() == "":
		return nil, errors.New("apiVersion is missing")
	case u.GetKind() == "":
		return nil, errors.New("kind is missing")
	case u.GetName() == "":
		return nil, fmt.Errorf("%s has no metadata.name", u.GetKind())
	}
	if _, err := schema.ParseGroupVersion(u.GetAPIVersion()); err != nil {
		return nil, fmt.Errorf("apiVersion: %w", err)
	}
	switch ns := u.GetNamespace(); ns {
	case "":
		u.SetNamespace(c.namespace)
	case c.namespace:
	default:
		return nil, fmt.Errorf("%s/%s is in namespace %q but this client manages namespace %q only",
			u.GetKind(), u.GetName(), ns, c.namespace)
	}
	return u, nil
}

// resourceFor maps an object's kind to its resource through discovery and
// checks that jsorc tracks it.
func (c *Client) resourceFor(ctx context.Context, u *unstructured.Unstructured) (schema.GroupVersionResource, error) {
	gvk := u.GroupVersionKind()
	m, err := c.mapper.RESTMappingWithContext(ctx, gvk.GroupKind(), gvk.Version)
	if err != nil {
		if meta.IsNoMatchError(err) {
			return schema.GroupVersionResource{}, fmt.Errorf("%s: the API server does not serve kind %s: %w", refOf(u), gvk, err)
		}
		return schema.GroupVersionResource{}, fmt.Errorf("%s: resource mapping: %w", refOf(u), err)
	}
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		return schema.GroupVersionResource{}, fmt.Errorf("%s: kind %s is cluster-scoped; jsorc manages namespaced objects only", refOf(u), gvk.Kind)
	}
	if !c.tracks(m.Resource) {
		return schema.GroupVersionResource{}, fmt.Errorf("%s: resource %s is not tracked by this client (tracked: %v)", refOf(u), m.Resource, c.resources)
	}
	return m.Resource, nil
}

// tracks reports whether gvr is one of the client's resources (any version).
func (c *Client) tracks(gvr schema.GroupVersionResource) bool {
	return c.informerFor(gvr.GroupResource()) != nil
}

// configVersion hashes a definition independently of the objects' order.
func configVersion(us []*unstructured.Unstructured) (string, error) {
	type entry struct {
		key  string
		body []byte
	}
	entries := make([]entry, 0, len(us))
	for _, u := range us {
		b, err := json.Marshal(u.Object) // map keys are sorted: deterministic
		if err != nil {
			return "", fmt.Errorf("kube: hash %s: %w", refOf(u), err)
		}
		entries = append(entries, entry{refOf(u).key(), b})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	h := sha256.New()
	for _, e := range entries {
		h.Write([]byte(e.key))
		h.Write([]byte{0})
		h.Write(e.body)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}
