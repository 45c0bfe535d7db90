package kube

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// Prune deletes the owner's objects (found in the cache) whose group, kind,
// namespace and name are not in keep: what an older definition created.
// PersistentVolumeClaims are kept unless allowPVC. Objects already being
// deleted are left alone. It returns what it deleted; NotFound is not an
// error. Prune with an empty keep and allowPVC false removes everything of
// an owner but its data.
func (c *Client) Prune(ctx context.Context, owner string, keep []ObjectRef, allowPVC bool) ([]ObjectRef, error) {
	if !c.Synced() {
		return nil, ErrNotSynced
	}
	keepSet := make(map[string]bool, len(keep))
	for _, r := range keep {
		if r.Namespace == "" {
			r.Namespace = c.namespace
		}
		keepSet[r.key()] = true
	}
	var victims []owned
	for _, o := range c.ownedObjects(owner) {
		switch {
		case keepSet[refOf(o.obj).key()]:
		case isPVC(o.obj) && !allowPVC:
		case o.obj.GetDeletionTimestamp() != nil:
		default:
			victims = append(victims, o)
		}
	}
	return c.deleteAll(ctx, owner, victims)
}

// Delete retires everything labelled with the owner, PersistentVolumeClaims
// included: foreground propagation (the Deployment goes once its pods are
// gone) and each object's own grace period. It lists the objects from the
// API server rather than the cache, so an object applied a moment ago is not
// missed. NotFound is not an error; Delete does not wait for the objects to
// disappear (see [Client.WaitGone]).
func (c *Client) Delete(ctx context.Context, owner string) error {
	selector := fmt.Sprintf("%s=%s,%s=%s", LabelManagedBy, ManagedByValue, LabelOwner, owner)
	var victims []owned
	var errs []error
	for _, gvr := range c.resources {
		list, err := c.dynamic.Resource(gvr).Namespace(c.namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			errs = append(errs, fmt.Errorf("kube: list %s of %q: %w", gvr.Resource, owner, err))
			continue
		}
		for i := range list.Items {
			if list.Items[i].GetDeletionTimestamp() == nil {
				victims = append(victims, owned{obj: &list.Items[i], gvr: gvr})
			}
		}
	}
	_, err := c.deleteAll(ctx, owner, victims)
	return errors.Join(append(errs, err)...)
}

// deleteAll deletes each object in foreground, guarded by its UID so that an
// object re-created meanwhile under the same name survives.
func (c *Client) deleteAll(ctx context.Context, owner string, victims []owned) ([]ObjectRef, error) {
	var deleted []ObjectRef
	var errs []error
	for _, v := range victims {
		ref := refOf(v.obj)
		policy := metav1.DeletePropagationForeground
		opts := metav1.DeleteOptions{PropagationPolicy: &policy}
		if uid := types.UID(v.obj.GetUID()); uid != "" {
			opts.Preconditions = &metav1.Preconditions{UID: &uid}
		}
		err := c.dynamic.Resource(v.gvr).Namespace(ref.Namespace).Delete(ctx, ref.Name, opts)
		switch {
		case err == nil:
			deleted = append(deleted, ref)
		case apierrors.IsNotFound(err), apierrors.IsConflict(err):
			// gone already, or replaced by a newer object that is not ours to delete
		default:
			errs = append(errs, fmt.Errorf("kube: delete %s of %q: %w", ref, owner, err))
		}
	}
	return deleted, errors.Join(errs...)
}

func isPVC(u *unstructured.Unstructured) bool {
	gvk := u.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "PersistentVolumeClaim"
}
