package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
	k8s "github.com/jsorc/jsorc/kube"
)

// plan is what the kube backend applies for a module's action server and
// where it finds it.
type plan struct {
	objs []map[string]any
	// deployment and service name the objects readiness and calls go to.
	deployment, service string
	port                int
	// url is the server's in-cluster URL.
	url string
}

// planFor builds the manifests of a module's action server: the config's
// kube.manifests when given, else a Deployment and Service running
// `jsorc serve-action BUILTIN --name NAME --params JSON` in the engine's
// image.
func (kb *Backend) planFor(spec backend.ServerSpec) (plan, error) {
	name, ns := spec.Module, kb.kc.Namespace()
	if len(spec.Manifests) > 0 {
		return customPlan(name, ns, spec.Manifests, spec.Port)
	}
	if spec.Wasm != nil {
		return kb.wasmPlan(spec)
	}
	if spec.Builtin == "" {
		return plan{}, backend.Errorf(backend.ErrConflict, "module %q: no way to run its server on the kube backend (give a builtin, kube.manifests or url)", name)
	}
	port := DefaultPort
	if spec.Port > 0 {
		port = spec.Port
	}
	args := []string{"--name", name}
	if len(spec.Params) > 0 {
		p, err := json.Marshal(spec.Params)
		if err != nil {
			return plan{}, fmt.Errorf("module %q: encoding params: %w", name, err)
		}
		args = append(args, "--params", string(p))
	}
	objs := k8s.ActionServerManifests(name, kb.image, port, args, 1)
	// The manifests serve MODULE as the built-in of that name; a module
	// such as use_enc runs another built-in under its own name.
	if err := setServeActionBuiltin(objs, spec.Builtin); err != nil {
		return plan{}, fmt.Errorf("module %q: %w", name, err)
	}
	svc := k8s.ActionServerName(name)
	return plan{objs: objs, deployment: svc, service: svc, port: port, url: k8s.ServiceURL(svc, ns, port)}, nil
}

// setServeActionBuiltin puts builtin as the positional argument of
// `serve-action` in the action server Deployment of objs.
func setServeActionBuiltin(objs []map[string]any, builtin string) error {
	for _, o := range objs {
		if o["kind"] != "Deployment" {
			continue
		}
		spec, _ := o["spec"].(map[string]any)
		tmpl, _ := spec["template"].(map[string]any)
		pod, _ := tmpl["spec"].(map[string]any)
		ctrs, _ := pod["containers"].([]any)
		if len(ctrs) == 0 {
			break
		}
		ctr, _ := ctrs[0].(map[string]any)
		args, _ := ctr["args"].([]any)
		if len(args) < 2 || args[0] != "serve-action" {
			break
		}
		args[1] = builtin
		return nil
	}
	return errors.New("the action server manifests have no serve-action container")
}

// customPlan reads a module's own manifests: the first Deployment is what
// readiness follows, the first Service where calls go, on kube.port or the
// Service's first port.
func customPlan(name, ns string, manifests []map[string]any, port int) (plan, error) {
	p := plan{objs: manifests, port: port}
	for _, o := range manifests {
		meta, _ := o["metadata"].(map[string]any)
		objName, _ := meta["name"].(string)
		switch o["kind"] {
		case "Deployment":
			if p.deployment == "" {
				p.deployment = objName
			}
		case "Service":
			if p.service == "" {
				p.service = objName
				if p.port == 0 {
					p.port = firstServicePort(o)
				}
			}
		}
	}
	switch {
	case p.deployment == "":
		return plan{}, backend.Errorf(backend.ErrInvalid, "module %q: kube.manifests hold no Deployment (its ready replicas say when the server is READY)", name)
	case p.service == "":
		return plan{}, backend.Errorf(backend.ErrInvalid, "module %q: kube.manifests hold no Service (calls go to it)", name)
	case p.port <= 0:
		return plan{}, backend.Errorf(backend.ErrInvalid, "module %q: no port: set kube.port or give the Service a port", name)
	}
	p.url = k8s.ServiceURL(p.service, ns, p.port)
	return p, nil
}

// firstServicePort is the port of a Service manifest's first port, or 0.
func firstServicePort(svc map[string]any) int {
	spec, _ := svc["spec"].(map[string]any)
	ports, _ := spec["ports"].([]any)
	if len(ports) == 0 {
		return 0
	}
	p, _ := ports[0].(map[string]any)
	n, _ := number(p["port"])
	return int(n)
}

// number reads a JSON or Go number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// configSpec is the action spec a module's config implies, for when its
// server's spec endpoint cannot be read: a built-in is instantiated with
// parameters that allocate nothing (synth's mem_mb forced to 0) just to list
// its actions. It is nil for a module without a built-in.
func (kb *Backend) configSpec(spec backend.ServerSpec) (map[string][]string, error) {
	name := spec.Module
	if spec.Wasm != nil {
		return wasmSpec(spec)
	}
	if spec.Builtin == "" {
		return nil, nil
	}
	bi, err := kb.builtins.Lookup(spec.Builtin)
	if err != nil {
		return nil, backend.Errorf(backend.ErrInvalid, "module %q: %v", name, err)
	}
	params := maps.Clone(spec.Params)
	if spec.Builtin == "synth" {
		if params == nil {
			params = map[string]any{}
		}
		params["mem_mb"] = 0
	}
	inst, err := bi.New(params)
	if err != nil {
		return nil, backend.Errorf(backend.ErrInvalid, "module %q: listing its actions: %v", name, err)
	}
	defer inst.Close()
	return actions.Spec(name, inst), nil
}

// server is a module's action server on the kube backend: a Deployment
// and a Service applied with the module as owner. Its state comes from the
// informer cache, re-read on every watch event of the owner: STARTING until
// the Deployment has its ready replicas and, when the engine can reach it,
// the spec endpoint answers; then READY. Objects changed or deleted by hand
// are re-applied.
type server struct {
	kb     *Backend
	owner  string
	plan   plan
	report func(backend.State)
	// fallback is the spec the config implies, used when the spec endpoint
	// cannot be reached from outside the cluster.
	fallback map[string][]string

	wake chan struct{}

	// objsMu guards plan.objs (replaced whole by Scale) and replicas, the
	// Deployment's count when the module's config gives a range (0: the
	// manifests' own); it is held across an apply, so the last apply is
	// of the latest definition.
	objsMu   sync.Mutex
	replicas int

	// The fields below belong to the run goroutine.
	last    backend.State
	seen    bool // the Deployment has been in the cache since the last apply
	repairs int
	spec    map[string][]string
	note    string // why the spec came from the config
	retry   time.Duration
	mem     k8s.PodMemory // what each pod of the Deployment asks for
}

// Launch prepares the action server of a module: its manifests (the
// config's, or a Deployment and Service of `jsorc serve-action`) and the
// spec its config implies. Start applies them.
func (kb *Backend) Launch(spec backend.ServerSpec, report func(backend.State)) (backend.Server, error) {
	p, err := kb.planFor(spec)
	if err != nil {
		return nil, err
	}
	fallback, err := kb.configSpec(spec)
	if err != nil {
		return nil, err
	}
	if spec.Replicas > 0 {
		p.objs = withReplicas(p.objs, p.deployment, spec.Replicas)
	}
	return &server{kb: kb, owner: spec.Module, plan: p, report: report, fallback: fallback, wake: make(chan struct{}, 1), replicas: spec.Replicas}, nil
}

// Retire deletes the owner's objects, in foreground, and waits until they
// are gone. When the engine merely stops, Retire is not called: the objects
// stay, and the next start finds them and applies the same definition
// again.
func (s *server) Retire(ctx context.Context) error {
	kc := s.kb.kc
	if err := kc.Delete(ctx, s.owner); err != nil {
		return fmt.Errorf("retiring kube action server %s: %w", s.owner, err)
	}
	if err := kc.WaitGone(ctx, s.owner); err != nil {
		return fmt.Errorf("retiring kube action server %s: %w", s.owner, err)
	}
	return nil
}

// poke wakes the run loop; events are coalesced.
func (s *server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Start applies the server's objects, then follows them until ctx ends.
func (s *server) Start(ctx context.Context) error {
	defer s.kb.listen(s.owner, s.poke)()
	if s.kb.dialer != nil {
		defer s.kb.dialer.route(s.owner, s.plan)()
	}
	s.emit(backend.State{Phase: backend.PhaseStarting, URL: s.plan.url})
	if !s.applyUntilDone(ctx) {
		return nil
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := s.observe(ctx)
		if next <= 0 {
			// Nothing to retry: only events wake us, with a slow check in
			// case one was missed.
			next = time.Minute
		}
		timer.Reset(next)
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// applyUntilDone applies the objects, retrying with back-off; failures are
// reported as CRASHED, so a waiting load gives up after a few. It returns
// false when ctx ended first.
func (s *server) applyUntilDone(ctx context.Context) bool {
	backoff := 500 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := s.apply(ctx)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		s.kb.log.Warn("applying kube action server", "module", s.owner, "err", err)
		s.emit(backend.State{Phase: backend.PhaseCrashed, URL: s.plan.url, Restarts: attempt, LastError: err.Error()})
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// apply writes the objects and prunes what an older definition left.
func (s *server) apply(ctx context.Context) error {
	kc := s.kb.kc
	s.objsMu.Lock()
	defer s.objsMu.Unlock()
	if err := kc.Apply(ctx, s.owner, s.plan.objs); err != nil {
		return err
	}
	s.seen = false
	keep, err := kc.Refs(s.plan.objs)
	if err != nil {
		return err
	}
	if _, err := kc.Prune(ctx, s.owner, keep, false); err != nil {
		return err
	}
	return nil
}

// observe reads the server's state from the cache, repairs what was deleted
// or changed by hand, probes the spec endpoint once the Deployment is ready
// and reports any change. It returns when to look again without an event
// (0: only on events).
func (s *server) observe(ctx context.Context) time.Duration {
	kc := s.kb.kc
	ready, want, exists := kc.DeploymentReady(s.owner, s.plan.deployment)
	if exists {
		s.seen = true
		if pm, err := kc.DeploymentMemory(s.owner, s.plan.deployment); err == nil {
			s.mem = pm
		} else {
			s.kb.log.Info("kube action server: its pods' memory cannot be read", "module", s.owner, "err", err)
		}
	}
	if s.seen {
		// Only once the cache has shown the objects: right after an apply
		// it may not have them yet, and that is not drift.
		d, err := kc.Diff(ctx, s.owner, s.definition())
		if err == nil && (d.NeedsApply() || prunable(d.Extra)) {
			s.kb.log.Info("repairing kube action server", "module", s.owner, "missing", d.Missing, "changed", d.Changed, "extra", d.Extra)
			if err := s.apply(ctx); err != nil {
				if ctx.Err() == nil {
					s.emit(backend.State{Phase: backend.PhaseStarting, URL: s.plan.url, Restarts: s.repairs, LastError: "repair: " + err.Error()})
				}
				return time.Second
			}
			if d.NeedsApply() {
				s.repairs++
			}
			ready, want, exists = kc.DeploymentReady(s.owner, s.plan.deployment)
		}
	}
	// READY once every replica is; after that, while one is: a scaling
	// starts or stops pods beside those that serve.
	serving := s.last.Phase == backend.PhaseReady && ready > 0
	if !exists || want <= 0 || (ready < want && !serving) {
		s.emit(backend.State{Phase: backend.PhaseStarting, URL: s.plan.url, Restarts: s.repairs, LastError: s.last.LastError,
			Desired: int(want), Ready: int(ready)})
		return 0
	}
	if s.spec == nil {
		spec, err := s.probe(ctx)
		var unreachable *clusterUnreachableError
		switch {
		case err == nil:
			s.spec, s.note = spec, ""
		case errors.As(err, &unreachable):
			s.spec, s.note = s.fallback, unreachable.Error()+"; its actions come from the config"
			if s.spec == nil {
				s.spec = map[string][]string{}
				s.note = unreachable.Error() + "; its actions are unknown until its spec can be read"
			}
			s.kb.log.Info("kube action server unreachable from outside the cluster", "module", s.owner, "err", err)
		default:
			if ctx.Err() != nil {
				return 0
			}
			s.retry = min(max(2*s.retry, 250*time.Millisecond), 5*time.Second)
			s.emit(backend.State{Phase: backend.PhaseStarting, URL: s.plan.url, Restarts: s.repairs, LastError: err.Error(),
				Desired: int(want), Ready: int(ready)})
			return s.retry
		}
	}
	s.emit(backend.State{Phase: backend.PhaseReady, URL: s.plan.url, Restarts: s.repairs, Spec: s.spec, LastError: s.note,
		Desired: int(want), Ready: int(ready)})
	return 0
}

// probe reads the spec endpoint: directly in the cluster, through a
// port-forward from outside (which may take PortForwardTimeout).
func (s *server) probe(ctx context.Context) (map[string][]string, error) {
	timeout := 2 * time.Second
	if s.kb.dialer != nil {
		timeout = k8s.PortForwardTimeout + 5*time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return s.kb.client.Spec(ctx, s.plan.url)
}

// emit hands a state to the engine when it differs from the last one.
func (s *server) emit(st backend.State) {
	st.ReplicaMemBytes, st.ReplicaMemFrom = s.mem.Bytes, s.mem.From
	l := s.last
	if l.Phase == st.Phase && l.URL == st.URL && l.Restarts == st.Restarts && l.LastError == st.LastError && (l.Spec == nil) == (st.Spec == nil) &&
		l.Desired == st.Desired && l.Ready == st.Ready && l.ReplicaMemBytes == st.ReplicaMemBytes && l.ReplicaMemFrom == st.ReplicaMemFrom {
		return
	}
	st.Since = l.Since
	if l.Phase != st.Phase || st.Since.IsZero() {
		st.Since = time.Now()
	}
	s.last = st
	s.report(st)
}

// prunable reports whether Prune would delete any of extra: everything but
// PersistentVolumeClaims, which jsorc never prunes.
func prunable(extra []k8s.ObjectRef) bool {
	for _, r := range extra {
		if r.Kind != "PersistentVolumeClaim" {
			return true
		}
	}
	return false
}
