package kube

import (
	"context"
	"fmt"
	"maps"

	"github.com/jsorc/jsorc/engine/backend"
)

// A module whose config gives a replicas range runs that many pods of its
// Deployment: Scale applies the definition with another spec.replicas
// (server-side apply, jsorc's field manager, so a count changed by hand is
// drift the run loop corrects; the config-version label, a hash of the
// whole definition, changes with it, which rolls no pod), and the ready count
// comes from the informer cache like the rest of the server's state. The
// engine calls the Service, which balances among the ready pods; an
// engine outside the cluster reaches the Service through a port-forward,
// which goes to one pod. A scale-down is Kubernetes' own: the pods leave
// the Service's endpoints and get SIGTERM, and the action server answers
// the calls it has before it exits.

// Scale sets how many pods the module's Deployment runs.
func (s *server) Scale(ctx context.Context, n int) error {
	if n < 1 {
		return backend.Errorf(backend.ErrConflict, "module %q: %d replicas: give at least 1", s.owner, n)
	}
	s.objsMu.Lock()
	defer s.objsMu.Unlock()
	if s.replicas == 0 {
		return backend.Errorf(backend.ErrConflict, "module %q: its config gives no replicas range, so its manifests' count stands", s.owner)
	}
	objs := withReplicas(s.plan.objs, s.plan.deployment, n)
	if err := s.kb.kc.Apply(ctx, s.owner, objs); err != nil {
		return fmt.Errorf("scaling kube action server %s to %d replicas: %w", s.owner, n, err)
	}
	s.plan.objs, s.replicas = objs, n
	s.poke()
	return nil
}

// withReplicas returns objs with spec.replicas of the Deployment named
// deployment set to n; objs itself is not changed.
func withReplicas(objs []map[string]any, deployment string, n int) []map[string]any {
	out := make([]map[string]any, len(objs))
	copy(out, objs)
	for i, o := range out {
		meta, _ := o["metadata"].(map[string]any)
		if o["kind"] != "Deployment" || meta["name"] != deployment {
			continue
		}
		spec, _ := o["spec"].(map[string]any)
		spec = maps.Clone(spec)
		if spec == nil {
			spec = map[string]any{}
		}
		spec["replicas"] = int64(n)
		o = maps.Clone(o)
		o["spec"] = spec
		out[i] = o
	}
	return out
}

// definition returns the objects the server applies now.
func (s *server) definition() []map[string]any {
	s.objsMu.Lock()
	defer s.objsMu.Unlock()
	return s.plan.objs
}
