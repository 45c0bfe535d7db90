package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/jsorc/jsorc/internal/run"
	"github.com/jsorc/jsorc/kube"
)

// The backends an engine runs remote action servers and kept-alive
// services on (Options.Backend).
const (
	// BackendLocal runs them as supervised child processes on loopback.
	BackendLocal = "local"
	// BackendKube runs them as Deployments and Services in one namespace of
	// a Kubernetes cluster.
	BackendKube = "kube"
)

// DefaultKubeImage is the container image of built-in action servers on the
// kube backend when Options.Image is empty: the image deploy/Dockerfile
// builds, whose entrypoint is jsorc.
const DefaultKubeImage = "jsorc:latest"

// DefaultKubePort is the port a built-in module's action server listens on
// in its pod, and its Service's port, unless the config's kube.port says
// otherwise.
const DefaultKubePort = 8000

// kubeSyncTimeout bounds the wait for the informer caches at start-up.
const kubeSyncTimeout = time.Minute

// forwardRetryAfter is how long a failed port-forward is remembered before
// a call tries to open one again.
const forwardRetryAfter = 5 * time.Second

// kubeBackend is the engine's handle on its namespace of a cluster: the
// kube client with its informers, the routing of watch events to the
// action servers and the keep-alive loop that wait on them, and, outside
// the cluster, the port-forwards that carry calls to action servers.
type kubeBackend struct {
	kc        *kube.Client
	log       *slog.Logger
	image     string
	inCluster bool
	// how says where the cluster configuration came from, for logs.
	how string
	// access is META_CONFIG's kubernetes field at start; a change takes
	// effect at the next start.
	access KubeAccess
	// nsFixed is set when Options.Namespace chose the namespace, so
	// META_CONFIG's namespace does not apply.
	nsFixed bool
	// dialer reaches in-cluster action servers from outside; nil in cluster.
	dialer *clusterDialer
	keeper *kubeKeeper

	mu        sync.Mutex
	listeners map[string]func()
}

// kubeConfig resolves how the engine reaches the cluster, in order: a REST
// configuration given by a test, --kubeconfig (or KUBECONFIG, which the CLI
// passes as Kubeconfig), --in-cluster, META_CONFIG's kubernetes.config,
// META_CONFIG's kubernetes.in_cluster when the engine runs in a pod, and
// last the usual kubeconfig loading rules (~/.kube/config).
func kubeConfig(opts Options, meta MetaConfig, getenv func(string) string) (cfg kube.Config, how string, err error) {
	cfg = kube.Config{Namespace: meta.Namespace, Logger: opts.Logger}
	if opts.Namespace != "" {
		cfg.Namespace = opts.Namespace
	}
	inPod := getenv("KUBERNETES_SERVICE_HOST") != ""
	switch {
	case opts.KubeREST != nil:
		cfg.REST = opts.KubeREST
		how = "the REST configuration given to the engine"
	case opts.Kubeconfig != "" && opts.InCluster:
		return cfg, "", errorf(ErrInvalid, "engine: kube backend: choose either a kubeconfig or in-cluster, not both")
	case opts.Kubeconfig != "":
		cfg.Kubeconfig = opts.Kubeconfig
		how = "kubeconfig " + opts.Kubeconfig
	case opts.InCluster:
		cfg.InCluster = true
		how = "the pod's service account (in-cluster)"
	case meta.Kubernetes.Config != nil && *meta.Kubernetes.Config != "":
		cfg.Kubeconfig = *meta.Kubernetes.Config
		how = "kubeconfig " + cfg.Kubeconfig + " (META_CONFIG kubernetes.config)"
	case meta.Kubernetes.InCluster && inPod:
		cfg.InCluster = true
		how = "the pod's service account (META_CONFIG kubernetes.in_cluster)"
	default:
		how = "the default kubeconfig (KUBECONFIG or ~/.kube/config)"
	}
	return cfg, how, nil
}

// newKubeBackend connects to the cluster that opts and META_CONFIG name.
// It does not start the informers (see start).
func newKubeBackend(ctx context.Context, opts Options, meta MetaConfig) (*kubeBackend, error) {
	cfg, how, err := kubeConfig(opts, meta, os.Getenv)
	if err != nil {
		return nil, err
	}
	kc, err := kube.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("engine: kube backend (cluster from %s): %w", how, err)
	}
	kb := &kubeBackend{
		kc:        kc,
		log:       opts.Logger,
		image:     opts.Image,
		inCluster: cfg.InCluster,
		how:       how,
		access:    meta.Kubernetes,
		nsFixed:   opts.Namespace != "",
		listeners: map[string]func(){},
	}
	if !kb.inCluster {
		kb.dialer = newClusterDialer(kc)
	}
	kb.keeper = newKubeKeeper(kb)
	return kb, nil
}

// addRunnables adds the kube backend's loops to the run group: the
// informers (ready once their caches synced), the routing of their events,
// and, outside the cluster, the port-forwards' lifetime.
func (kb *kubeBackend) addRunnables(g *run.Group) error {
	rs := []struct {
		name string
		r    run.Runnable
	}{
		{"kube informers", kubeInformers{kb}},
		{"kube events", run.Func(kb.dispatchEvents)},
	}
	if kb.dialer != nil {
		rs = append(rs, struct {
			name string
			r    run.Runnable
		}{"kube port-forwards", run.Func(kb.dialer.Start)})
	}
	for _, r := range rs {
		if err := g.Add(run.StageBackend, r.name, r.r); err != nil {
			return err
		}
	}
	return nil
}

// kubeInformers runs the kube client's informers; it is ready once their
// caches synced.
type kubeInformers struct{ kb *kubeBackend }

// Start runs the informers until ctx ends. Ending before the caches synced
// is not an error of its own: Ready says why.
func (i kubeInformers) Start(ctx context.Context) error {
	if err := i.kb.kc.Start(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// Ready waits for the caches to sync. A Role that forbids watching the
// namespace fails at once, naming the refusal.
func (i kubeInformers) Ready(ctx context.Context) error {
	return i.kb.waitSynced(ctx, kubeSyncTimeout)
}

// dispatchEvents routes the informers' events until ctx ends.
func (kb *kubeBackend) dispatchEvents(ctx context.Context) error {
	for ev := range kb.kc.Watch(ctx) {
		kb.dispatch(ev)
	}
	return nil
}

// waitSynced waits for the informer caches, failing early when the API
// server refuses the engine's list or watch.
func (kb *kubeBackend) waitSynced(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !kb.kc.Synced() {
		if err := kb.kc.LastWatchError(); err != nil && (apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err)) {
			return fmt.Errorf("engine: kube backend: the engine may not watch its objects in namespace %s (cluster from %s): %w", kb.kc.Namespace(), kb.how, err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("engine: kube backend (cluster from %s): %w", kb.how, kb.kc.WaitForCacheSync(ctx))
		}
	}
	return nil
}

// close ends the port-forwards left; the informers end with the group.
func (kb *kubeBackend) close() {
	if kb.dialer != nil {
		kb.dialer.closeAll()
	}
}

// serviceOwnerPrefix starts the owner label of a kept-alive service's
// objects; a module's owner is its bare name. Module names cannot hold a
// dot, so the two never collide.
const serviceOwnerPrefix = "service."

// dispatch hands a watch event to whoever waits on its owner: a kept-alive
// service's loop or a module's action server.
func (kb *kubeBackend) dispatch(ev kube.Event) {
	if name, ok := strings.CutPrefix(ev.Owner, serviceOwnerPrefix); ok {
		kb.keeper.notify(name)
		return
	}
	kb.mu.Lock()
	poke := kb.listeners[ev.Owner]
	kb.mu.Unlock()
	if poke != nil {
		poke()
	}
}

// listen routes the events of owner to poke until the returned function is
// called.
func (kb *kubeBackend) listen(owner string, poke func()) (unlisten func()) {
	kb.mu.Lock()
	kb.listeners[owner] = poke
	kb.mu.Unlock()
	return func() {
		kb.mu.Lock()
		delete(kb.listeners, owner)
		kb.mu.Unlock()
	}
}

// checkMeta reports what of a new META_CONFIG the kube backend cannot apply
// while it runs: another namespace or another way to reach the cluster.
func (kb *kubeBackend) checkMeta(meta MetaConfig) error {
	var changed []string
	if !kb.nsFixed && meta.Namespace != kb.kc.Namespace() {
		changed = append(changed, fmt.Sprintf("namespace %q (the engine works in %q)", meta.Namespace, kb.kc.Namespace()))
	}
	if meta.Kubernetes.InCluster != kb.access.InCluster || derefString(meta.Kubernetes.Config) != derefString(kb.access.Config) {
		changed = append(changed, "kubernetes (in_cluster, config)")
	}
	if len(changed) == 0 {
		return nil
	}
	return errorf(ErrConflict, "META_CONFIG: %s take effect when the engine restarts; the rest was applied", strings.Join(changed, " and "))
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// clusterUnreachableError says that an in-cluster action server cannot be
// reached from this engine. It wraps ErrUnavailable.
type clusterUnreachableError struct {
	module, url string
	err         error
}

func (e *clusterUnreachableError) Error() string {
	return fmt.Sprintf("action server %s runs in the cluster at %s; this engine runs outside the cluster and could not port-forward to it: %v", e.module, e.url, e.err)
}

func (e *clusterUnreachableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// clusterDialer opens connections to in-cluster action servers for an
// engine outside the cluster: each server's in-cluster address
// (service.namespace.svc:port) is routed to a local port-forward, opened on
// first use and again after the tunnel dies. Other addresses are dialled
// directly.
type clusterDialer struct {
	kc   *kube.Client
	base net.Dialer

	mu     sync.Mutex
	ctx    context.Context // Start's: tunnels live at most as long as this
	routes map[string]*tunnel
}

// tunnel is the port-forward of one action server.
type tunnel struct {
	module, url, service string
	port                 int

	mu    sync.Mutex
	local string
	stop  func()
	err   error
	errAt time.Time
}

func newClusterDialer(kc *kube.Client) *clusterDialer {
	return &clusterDialer{
		kc:     kc,
		base:   net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
		routes: map[string]*tunnel{},
	}
}

// Start lets tunnels open until ctx ends, then closes them all (a
// run.Runnable).
func (d *clusterDialer) Start(ctx context.Context) error {
	d.mu.Lock()
	d.ctx = ctx
	d.mu.Unlock()
	<-ctx.Done()
	d.closeAll()
	return nil
}

// lifetime is the context tunnels live in, or an error when Start is not
// running.
func (d *clusterDialer) lifetime() (context.Context, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil || d.ctx.Err() != nil {
		return nil, errors.New("the engine's port-forwarding is not running")
	}
	return d.ctx, nil
}

// route makes calls to the module's in-cluster address go through a
// port-forward to its Service, until the returned function is called.
func (d *clusterDialer) route(module string, p kubePlan) (unroute func()) {
	addr := net.JoinHostPort(p.service+"."+d.kc.Namespace()+".svc", strconv.Itoa(p.port))
	t := &tunnel{module: module, url: p.url, service: p.service, port: p.port}
	d.mu.Lock()
	old := d.routes[addr]
	d.routes[addr] = t
	d.mu.Unlock()
	if old != nil {
		old.close()
	}
	return func() {
		d.mu.Lock()
		if d.routes[addr] == t {
			delete(d.routes, addr)
		}
		d.mu.Unlock()
		t.close()
	}
}

// DialContext is the protocol client's dialer on the kube backend.
func (d *clusterDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	t := d.routes[addr]
	d.mu.Unlock()
	if t == nil {
		return d.base.DialContext(ctx, network, addr)
	}
	return t.dial(ctx, d, network)
}

// closeAll ends every tunnel.
func (d *clusterDialer) closeAll() {
	d.mu.Lock()
	ts := make([]*tunnel, 0, len(d.routes))
	for _, t := range d.routes {
		ts = append(ts, t)
	}
	d.mu.Unlock()
	for _, t := range ts {
		t.close()
	}
}

// dial connects through the tunnel, opening it first if needed. A tunnel
// that cannot be opened is reported for forwardRetryAfter without asking
// the API server again.
func (t *tunnel) dial(ctx context.Context, d *clusterDialer, network string) (net.Conn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for range 2 {
		if t.local == "" {
			if t.err != nil && time.Since(t.errAt) < forwardRetryAfter {
				return nil, &clusterUnreachableError{module: t.module, url: t.url, err: t.err}
			}
			life, err := d.lifetime()
			if err != nil {
				return nil, &clusterUnreachableError{module: t.module, url: t.url, err: err}
			}
			local, stop, err := d.kc.PortForward(life, "", t.service, t.port)
			if err != nil {
				t.err, t.errAt = err, time.Now()
				return nil, &clusterUnreachableError{module: t.module, url: t.url, err: err}
			}
			t.local, t.stop, t.err = local, stop, nil
		}
		conn, err := d.base.DialContext(ctx, network, t.local)
		if err == nil {
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		// The tunnel is gone (its pod went away): open a new one, once.
		t.stop()
		t.local, t.stop = "", nil
	}
	return nil, &clusterUnreachableError{module: t.module, url: t.url, err: errors.New("the port-forward closed at once")}
}

func (t *tunnel) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stop != nil {
		t.stop()
		t.local, t.stop = "", nil
	}
}
