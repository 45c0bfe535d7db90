package kube

import (
	"context"
	"fmt"
)

// Drift is how the cluster differs from an owner's definition.
type Drift struct {
	// Missing objects are absent from the cache or being deleted.
	Missing []ObjectRef
	// Changed objects exist but carry another config-version or owner, or
	// no longer hold a value jsorc applied (changed or removed by hand).
	Changed []ObjectRef
	// Extra objects carry the owner's label but are not in the definition:
	// what an older definition created ([Client.Prune] removes them).
	Extra []ObjectRef
}

// InSync reports whether nothing is missing, changed or extra.
func (d Drift) InSync() bool {
	return len(d.Missing) == 0 && len(d.Changed) == 0 && len(d.Extra) == 0
}

// NeedsApply reports whether re-applying the definition would repair something.
func (d Drift) NeedsApply() bool {
	return len(d.Missing) > 0 || len(d.Changed) > 0
}

// Diff compares the owner's definition with the cache, without any API
// request: the keep-alive loop calls it every tick, then Apply when
// [Drift.NeedsApply] and Prune when Extra is not empty. See the package
// documentation for how changed fields are found.
func (c *Client) Diff(ctx context.Context, owner string, objs []map[string]any) (Drift, error) {
	if !c.Synced() {
		return Drift{}, ErrNotSynced
	}
	want, err := c.prepare(ctx, owner, objs)
	if err != nil {
		return Drift{}, err
	}
	var d Drift
	keep := make(map[string]bool, len(want))
	for _, w := range want {
		keep[w.ref.key()] = true
		live := c.cached(w.gvr, w.ref.Namespace, w.ref.Name)
		switch {
		case live == nil || live.GetDeletionTimestamp() != nil:
			d.Missing = append(d.Missing, w.ref)
		case live.GetLabels()[LabelOwner] != owner,
			live.GetLabels()[LabelConfigVersion] != w.obj.GetLabels()[LabelConfigVersion],
			!contains(live.Object, w.applied):
			d.Changed = append(d.Changed, w.ref)
		}
	}
	for _, o := range c.ownedObjects(owner) {
		if r := refOf(o.obj); !keep[r.key()] {
			d.Extra = append(d.Extra, r)
		}
	}
	return d, nil
}

// contains reports whether live holds every value of want. want is a JSON
// value as encoding/json decodes it; live is an unstructured value (int64
// numbers). Maps match key by key, with extra keys in live allowed; an empty
// or null wanted value matches an absent one. Lists of objects match when
// every wanted element is contained in some live element (other managers may
// add elements); other lists must match element by element.
func contains(live, want any) bool {
	switch w := want.(type) {
	case nil:
		return true
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return live == nil && len(w) == 0
		}
		for k, wv := range w {
			lv, present := l[k]
			if !present {
				if !isEmpty(wv) {
					return false
				}
				continue
			}
			if !contains(lv, wv) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok {
			return live == nil && len(w) == 0
		}
		if allMaps(w) {
			for _, we := range w {
				found := false
				for _, le := range l {
					if contains(le, we) {
						found = true
						break
					}
				}
				if !found {
					return false
				}
			}
			return true
		}
		if len(l) != len(w) {
			return false
		}
		for i := range w {
			if !contains(l[i], w[i]) {
				return false
			}
		}
		return true
	default:
		wf, wnum := number(want)
		lf, lnum := number(live)
		if wnum || lnum {
			return wnum && lnum && wf == lf
		}
		return fmt.Sprint(live) == fmt.Sprint(want) && sameKind(live, want)
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func allMaps(xs []any) bool {
	for _, x := range xs {
		if _, ok := x.(map[string]any); !ok {
			return false
		}
	}
	return len(xs) > 0
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}

func sameKind(a, b any) bool {
	switch a.(type) {
	case string:
		_, ok := b.(string)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	}
	return false
}
