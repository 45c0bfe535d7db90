package kube

import (
	"context"
	"fmt"
	"maps"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/services"
	k8s "github.com/jsorc/jsorc/kube"
)

// States the kube backend's keep-alive reports besides those of package
// services (ready, starting, unknown service, stopped).
const (
	// ServiceMissing: objects of the service are missing from the cluster
	// and, with automation off, nothing re-creates them (or re-creating
	// them failed: see LastError).
	ServiceMissing services.State = "missing"
	// ServiceDrifted: objects differ from the definition — changed by hand,
	// or left over from an older definition — and, with automation off,
	// nothing repairs them (or the repair failed: see LastError).
	ServiceDrifted services.State = "drifted"
)

// keeper is the keep-alive loop (JSORC's MetaService) on the kube
// backend. Each service named in keep_alive that has Kubernetes manifests
// (its definition's, else the bundled redis, promon and db) is checked every
// backoff_interval and on every watch event of its objects: the cache is
// compared with the definition (kube.Client.Diff, no API request), what is
// missing or changed is applied again and what an older definition left is
// pruned (never a PersistentVolumeClaim). With automation off it only
// reports. All cluster work happens on the loop's goroutine; Info reads a
// snapshot.
type keeper struct {
	kb   *Backend
	wake chan struct{}

	mu         sync.Mutex
	running    bool
	keep       []string
	automation bool
	interval   time.Duration
	defs       map[string]services.Definition
	targets    map[string]string
	// engineTarget is the engine's API for promon to scrape ("" when the
	// engine is not in the cluster); apiToken, whether the API token's
	// Secret exists to scrape it with.
	engineTarget string
	apiToken     bool
	units        map[string]*unit
	// settings is set when keep, defs, automation or targets changed;
	// rearm when the interval did.
	settings, rearm bool
	dirty           map[string]bool
	refresh         map[string]bool
}

// unit is one defined or kept service.
type unit struct {
	name string
	objs []map[string]any
	// why says why objs is nil: the service cannot run on Kubernetes.
	why  string
	info services.Info
	// established is set once the objects were seen complete or applied:
	// from then on an apply is a repair, counted in info.Restarts.
	established bool
}

// Keep-alive periods: META_CONFIG's default backoff_interval, and JSORC's
// floor.
const (
	defaultInterval = 10 * time.Second
	minInterval     = 5 * time.Second
)

func newKeeper(kb *Backend) *keeper {
	return &keeper{
		kb:       kb,
		wake:     make(chan struct{}, 1),
		interval: defaultInterval,
		units:    map[string]*unit{},
		dirty:    map[string]bool{},
		refresh:  map[string]bool{},
	}
}

func (k *keeper) poke() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// notify tells the loop that an object of service name changed.
func (k *keeper) notify(name string) {
	k.mu.Lock()
	k.dirty[name] = true
	k.mu.Unlock()
	k.poke()
}

// set hands the loop META_CONFIG's keep_alive, automation and
// backoff_interval (floor minInterval) with the service definitions.
func (k *keeper) set(meta backend.Meta, defs map[string]services.Definition) {
	interval := max(meta.Interval, minInterval)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keep = slices.Compact(slices.Sorted(slices.Values(meta.KeepAlive)))
	k.automation = meta.Automation
	k.defs = defs
	if interval != k.interval {
		k.interval, k.rearm = interval, true
	}
	k.rebuildLocked()
	k.settings = true
	k.poke()
}

// setEngineTarget gives promon's manifests the engine's API to scrape; a
// change re-applies promon.
func (k *keeper) setEngineTarget(addr string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if addr == k.engineTarget {
		return
	}
	k.engineTarget = addr
	k.rebuildLocked()
	k.settings = true
	k.poke()
}

// setScrapeTargets gives promon's manifests the host:port of every action
// server; a change re-applies promon.
func (k *keeper) setScrapeTargets(targets map[string]string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if maps.Equal(targets, k.targets) {
		return
	}
	k.targets = targets
	k.rebuildLocked()
	k.settings = true
	k.poke()
}

// rebuildLocked makes the units match keep and defs, keeping the state of
// the services whose manifests did not change. k.mu is held.
func (k *keeper) rebuildLocked() {
	ns := k.kb.kc.Namespace()
	units := make(map[string]*unit, len(k.defs)+len(k.keep))
	names := slices.Concat(k.keep, slices.Sorted(maps.Keys(k.defs)))
	for _, name := range names {
		if units[name] != nil {
			continue
		}
		def, defined := k.defs[name]
		u := &unit{name: name}
		switch {
		case !defined:
			u.why = services.ErrUnknownService.Error()
		case len(def.Manifests) > 0:
			u.objs = def.Manifests
		case name == k8s.ServicePromon:
			u.objs = k8s.PrometheusManifestsFor(k8s.PrometheusScrape{Targets: k.targets, Engine: k.engineTarget, EngineToken: k.apiToken})
		case slices.Contains(k8s.BundledServices(), name):
			u.objs, _ = k8s.BundledManifests(name)
		default:
			u.why = "its definition has no Kubernetes manifests"
		}
		if old := k.units[name]; old != nil && reflect.DeepEqual(old.objs, u.objs) && old.why == u.why {
			u.info, u.established = old.info, old.established
		}
		u.info.Name = name
		u.info.Doc = def.Doc
		u.info.Enabled = slices.Contains(k.keep, name)
		u.info.Automation = k.automation
		u.info.Endpoint, u.info.URL = "", ""
		// Verified: the objects are jsorc's own bundled manifests.
		u.info.Verified = defined && len(def.Manifests) == 0 && slices.Contains(k8s.BundledServices(), name)
		u.info.Credentials = serviceCredentials(name, ns, u.info.Verified)
		if host, port, ok := firstService(u.objs, ns); ok {
			u.info.Endpoint = net.JoinHostPort(host, strconv.Itoa(port))
			u.info.URL = kubeServiceURL(name, def, u.info.Endpoint, len(def.Manifests) == 0)
		}
		switch {
		case !u.info.Enabled:
			u.info.State = services.StateStopped
		case !defined:
			u.info.State, u.info.LastError = services.StateUnknown, u.why
		case u.objs == nil:
			u.info.State, u.info.LastError = services.StateUnknown, u.why
		case u.info.State == "" || u.info.State == services.StateStopped:
			u.info.State = services.StateStarting
			if !k.automation {
				u.info.State = services.StateObserving
			}
		}
		units[name] = u
	}
	k.units = units
}

// firstService is the in-cluster host and port of the first Service of objs.
func firstService(objs []map[string]any, ns string) (string, int, bool) {
	for _, o := range objs {
		if o["kind"] != "Service" {
			continue
		}
		meta, _ := o["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		if port := firstServicePort(o); name != "" && port > 0 {
			return name + "." + ns + ".svc", port, true
		}
	}
	return "", 0, false
}

// kubeServiceURL is how a client in the cluster reaches a service at
// endpoint, by its probe's protocol.
func kubeServiceURL(name string, def services.Definition, endpoint string, bundled bool) string {
	switch def.Probe.Kind {
	case services.ProbeHTTP:
		return "http://" + endpoint + "/"
	case services.ProbeRedis:
		return "redis://" + endpoint
	case services.ProbePostgres:
		user, db := def.Probe.User, def.Probe.Database
		if bundled && name == k8s.ServiceDB {
			user, db = k8s.PostgresUser, k8s.PostgresDatabase
		}
		if user == "" {
			user = "jsorc"
		}
		if db == "" {
			db = "postgres"
		}
		return "postgres://" + user + "@" + endpoint + "/" + db
	}
	return "tcp://" + endpoint
}

// period is the keep-alive period in force.
func (k *keeper) period() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rearm = false
	return k.interval
}

// begin marks the loop as running, before its goroutine starts, so that a
// service_refresh right after New is not refused.
func (k *keeper) begin() {
	k.mu.Lock()
	k.running = true
	k.mu.Unlock()
}

// run is the loop: a tick every period, and the services whose objects
// changed as soon as the watch says so. It returns when ctx ends. Call
// begin first.
func (k *keeper) run(ctx context.Context) error {
	defer func() {
		k.mu.Lock()
		k.running = false
		k.mu.Unlock()
	}()
	k.checkAPIToken(ctx)
	timer := time.NewTimer(k.period())
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
			k.tick(ctx, true)
			timer.Reset(k.period())
		case <-k.wake:
			k.tick(ctx, false)
			k.mu.Lock()
			rearm := k.rearm
			k.mu.Unlock()
			if rearm {
				timer.Reset(k.period())
			}
		}
	}
}

// tick checks every kept service (all, or after a change of settings) or
// those whose objects changed or that were refreshed; with automation on it
// also removes what services no longer kept alive left behind.
func (k *keeper) tick(ctx context.Context, all bool) {
	k.mu.Lock()
	changed := k.settings
	all = all || k.settings
	k.settings = false
	var names []string
	if all {
		names = slices.Clone(k.keep)
	} else {
		for name := range k.dirty {
			if slices.Contains(k.keep, name) {
				names = append(names, name)
			}
		}
		for name := range k.refresh {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	refresh := k.refresh
	k.refresh, k.dirty = map[string]bool{}, map[string]bool{}
	automation := k.automation
	k.mu.Unlock()
	if refresh[k8s.ServicePromon] || changed && slices.Contains(names, k8s.ServicePromon) {
		k.checkAPIToken(ctx) // a Secret made since; cheap, and never in a steady-state tick
	}
	slices.Sort(names)
	for _, name := range names {
		k.check(ctx, name, refresh[name])
	}
	if all && automation {
		k.pruneOrphans(ctx)
	}
}

// check compares one service with its definition and, with automation on
// (or refresh, an explicit service_refresh), applies and prunes what
// differs. It records the outcome in the service's Info.
func (k *keeper) check(ctx context.Context, name string, refresh bool) {
	k.mu.Lock()
	u := k.units[name]
	if u == nil || !u.info.Enabled || u.objs == nil {
		k.mu.Unlock()
		return
	}
	objs, automation, credentials := u.objs, k.automation, u.info.Credentials != ""
	k.mu.Unlock()

	kc := k.kb.kc
	owner := serviceOwnerPrefix + name
	now := time.Now()
	d, err := kc.Diff(ctx, owner, objs)
	if err != nil {
		k.update(name, func(in *services.Info, _ *bool) {
			in.LastProbe, in.ProbeOK = now, false
			in.ProbeError, in.LastError = err.Error(), err.Error()
		})
		return
	}
	act := automation || refresh
	var applyErr, pruneErr error
	applied := false
	if act && (d.NeedsApply() || refresh) {
		if credentials {
			applyErr = k.ensureServiceSecret(ctx, name)
		}
		if applyErr == nil {
			applyErr = kc.Apply(ctx, owner, objs)
		}
		applied = applyErr == nil
	}
	if act && prunable(d.Extra) {
		if keep, err := kc.Refs(objs); err != nil {
			pruneErr = err
		} else if deleted, err := kc.Prune(ctx, owner, keep, false); err != nil {
			pruneErr = err
		} else if len(deleted) > 0 {
			k.kb.log.Info("keep-alive pruned objects of an older definition", "service", name, "deleted", deleted)
		}
	}
	ready := k.ready(owner, objs)
	drift := describeDrift(d)
	if ctx.Err() != nil {
		return
	}
	k.update(name, func(in *services.Info, established *bool) {
		in.LastProbe = now
		in.ProbeOK = d.InSync() && ready
		in.ProbeError = drift
		switch {
		case applyErr != nil:
			in.State = ServiceDrifted
			if len(d.Missing) > 0 {
				in.State = ServiceMissing
			}
			in.LastError = "applying: " + applyErr.Error()
		case applied:
			// An apply that changed nothing (a refresh of a service in
			// sync) brings no watch event to say the service is ready
			// again: say it now, not at the next periodic tick.
			in.State = services.StateStarting
			if !d.NeedsApply() && ready {
				in.State = services.StateReady
			}
			if *established && !refresh {
				in.Restarts++
				in.LastError = "repaired: " + drift
				k.kb.log.Info("keep-alive repaired a service", "service", name, "drift", drift)
			}
			*established = true
		case !act && len(d.Missing) > 0:
			in.State = ServiceMissing
		case !act && (len(d.Changed) > 0 || prunable(d.Extra)):
			in.State = ServiceDrifted
		case ready:
			in.State = services.StateReady
		default:
			in.State = services.StateStarting
		}
		if pruneErr != nil {
			in.LastError = "pruning: " + pruneErr.Error()
		}
		if !d.NeedsApply() {
			*established = true
		}
	})
}

// update changes the Info of a service under the lock, keeping Since.
func (k *keeper) update(name string, f func(in *services.Info, established *bool)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	u := k.units[name]
	if u == nil {
		return
	}
	before := u.info.State
	f(&u.info, &u.established)
	if u.info.State != before || u.info.Since.IsZero() {
		u.info.Since = time.Now()
	}
}

// ready reports whether every Deployment of objs has its ready replicas.
func (k *keeper) ready(owner string, objs []map[string]any) bool {
	for _, o := range objs {
		if o["kind"] != "Deployment" {
			continue
		}
		meta, _ := o["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		got, want, ok := k.kb.kc.DeploymentReady(owner, name)
		if !ok || got < want {
			return false
		}
	}
	return true
}

// describeDrift renders a drift for Info, "" when in sync.
func describeDrift(d k8s.Drift) string {
	var parts []string
	add := func(what string, refs []k8s.ObjectRef) {
		if len(refs) == 0 {
			return
		}
		s := make([]string, len(refs))
		for i, r := range refs {
			s[i] = r.Kind + "/" + r.Name
		}
		parts = append(parts, what+" "+strings.Join(s, ", "))
	}
	add("missing", d.Missing)
	add("changed", d.Changed)
	add("extra", d.Extra)
	return strings.Join(parts, "; ")
}

// pruneOrphans removes, from the cache's owners, what services no longer
// kept alive left in the cluster, their PersistentVolumeClaims excepted.
func (k *keeper) pruneOrphans(ctx context.Context) {
	owners, err := k.kb.kc.Owners()
	if err != nil {
		return
	}
	k.mu.Lock()
	keep := slices.Clone(k.keep)
	k.mu.Unlock()
	for _, owner := range owners {
		name, ok := strings.CutPrefix(owner, serviceOwnerPrefix)
		if !ok || slices.Contains(keep, name) {
			continue
		}
		deleted, err := k.kb.kc.Prune(ctx, owner, nil, false)
		if err != nil {
			k.kb.log.Warn("keep-alive: removing a service no longer kept alive", "service", name, "err", err)
			continue
		}
		if len(deleted) > 0 {
			k.kb.log.Info("keep-alive removed a service no longer kept alive", "service", name, "deleted", deleted)
		}
	}
}

// info returns a snapshot of every defined or kept service.
func (k *keeper) info() map[string]services.Info {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make(map[string]services.Info, len(k.units))
	for name, u := range k.units {
		out[name] = u.info
	}
	return out
}

// refreshService re-applies one kept service now, even with automation
// off, and resets its count of repairs.
func (k *keeper) refreshService(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	u := k.units[name]
	if u == nil || (u.objs == nil && u.why == services.ErrUnknownService.Error()) {
		return fmt.Errorf("services: refresh %s: %w", name, services.ErrUnknownService)
	}
	if !u.info.Enabled {
		return fmt.Errorf("services: refresh %s: not kept alive (not in keep_alive)", name)
	}
	if u.objs == nil {
		return fmt.Errorf("services: refresh %s: %s", name, u.why)
	}
	if !k.running {
		return fmt.Errorf("services: refresh %s: %w", name, services.ErrNotRunning)
	}
	u.info.Restarts = 0
	u.established = false
	k.refresh[name] = true
	k.poke()
	return nil
}

// serviceURL is the URL of a ready service, when the engine can reach it:
// in-cluster URLs mean nothing to an engine outside the cluster.
func (k *keeper) serviceURL(name string) string {
	if !k.kb.inCluster {
		return ""
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if u := k.units[name]; u != nil && u.info.State == services.StateReady {
		return u.info.URL
	}
	return ""
}

// The keeper's side of the backend seam (backend.Keeper).

// Set hands the keep-alive META_CONFIG and the service definitions, and
// reports what of META_CONFIG cannot change while the engine runs.
func (kb *Backend) Set(meta backend.Meta, defs map[string]services.Definition) error {
	kb.keeper.set(meta, defs)
	return kb.checkMeta(meta)
}

// Info reports every defined or kept service, from the keeper's snapshot.
func (kb *Backend) Info() map[string]services.Info { return kb.keeper.info() }

// Refresh re-applies one kept service now.
func (kb *Backend) Refresh(name string) error { return kb.keeper.refreshService(name) }

// ServiceURL is the in-cluster URL of a ready service, when the engine runs
// in the cluster.
func (kb *Backend) ServiceURL(name string) string { return kb.keeper.serviceURL(name) }

// SetScrapeTargets gives promon the in-cluster host:port of every action
// server, each its own job named by its module, and the engine's API (job
// "jsorc") when the engine runs in a pod (POD_IP; the address it listens on
// means nothing inside the cluster).
func (kb *Backend) SetScrapeTargets(t backend.ScrapeTargets) error {
	kb.keeper.setEngineTarget(engineTarget(t.Engine))
	kb.keeper.setScrapeTargets(maps.Clone(t.Servers))
	return nil
}

// ScrapeInterval is how often the bundled Prometheus scrapes in the
// cluster.
func (kb *Backend) ScrapeInterval() time.Duration { return k8s.PrometheusScrapeInterval }
