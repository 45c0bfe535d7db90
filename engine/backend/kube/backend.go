package kube

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/engine/services"
	k8s "github.com/jsorc/jsorc/kube"
)

// Name is the kube backend's name (`jsorc serve --backend kube`).
const Name = "kube"

// DefaultImage is the container image of built-in action servers when
// Options.Image is empty: the image deploy/Dockerfile builds, whose
// entrypoint is jsorc.
const DefaultImage = "jsorc:latest"

// DefaultPort is the port a built-in module's action server listens on in
// its pod, and its Service's port, unless the config's kube.port says
// otherwise.
const DefaultPort = 8000

// syncTimeout bounds the wait for the informer caches at start-up.
const syncTimeout = time.Minute

// forwardRetryAfter is how long a failed port-forward is remembered before
// a call tries to open one again.
const forwardRetryAfter = 5 * time.Second

// Options configure the kube backend. Options is a backend.Opener.
type Options struct {
	// Kubeconfig is the kubeconfig file of the cluster. Empty means
	// in-cluster when InCluster is set, else META_CONFIG's kubernetes
	// field, else KUBECONFIG or ~/.kube/config.
	Kubeconfig string
	// InCluster uses the service account of the pod the engine runs in.
	InCluster bool
	// Namespace, when set, is where the backend works, whatever
	// META_CONFIG's namespace says (deploy/ passes the pod's own).
	Namespace string
	// Image is the container image of built-in action servers (default
	// DefaultImage); its entrypoint must be jsorc.
	Image string
	// REST, when set, is the client configuration, used as is instead of
	// Kubeconfig or InCluster. Tests use it to count requests or to
	// authenticate with a service-account token.
	REST *rest.Config
	// Dial, when set, is how the engine reaches in-cluster addresses
	// (service.namespace.svc:port) from outside the cluster, instead of a
	// port-forward through the API server: for a machine with its own
	// route into the cluster's network (a VPN, a tunnel), and for tests on
	// a simulated cluster, whose pods run nothing, to put real action
	// servers behind those addresses.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Open connects to the cluster that o and META_CONFIG (env.Meta) name. It
// starts no informer: the backend's runnables do.
func (o Options) Open(ctx context.Context, env backend.Env) (backend.Backend[services.Definition, services.Info], error) {
	return New(ctx, o, env)
}

// Backend is the engine's handle on its namespace of a cluster: the kube
// client with its informers, the routing of watch events to the action
// servers and the keep-alive loop that wait on them, and, outside the
// cluster, the port-forwards that carry calls to action servers.
type Backend struct {
	kc        *k8s.Client
	log       *slog.Logger
	image     string
	inCluster bool
	// how says where the cluster configuration came from, for logs.
	how string
	// inClusterMeta and kubeconfigMeta are META_CONFIG's kubernetes field at
	// start; a change takes effect at the next start.
	inClusterMeta  bool
	kubeconfigMeta string
	// nsFixed is set when Options.Namespace chose the namespace, so
	// META_CONFIG's namespace does not apply.
	nsFixed bool
	// dialer reaches in-cluster action servers from outside; nil in cluster.
	dialer *clusterDialer
	// base dials in the cluster, where no port-forward is needed.
	base net.Dialer
	// dial is Options.Dial.
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	keeper   *keeper
	client   *protocol.Client // reads action servers' spec endpoints
	builtins *actions.Registry

	// observer watches the pods and events behind jsorc's objects; sink
	// is where their events go.
	observer *k8s.Observer
	sink     sinkHolder
	// metrics is what discovery said of the cluster's metrics API.
	metrics metricsAPI

	mu        sync.Mutex
	listeners map[string]func()
}

// kubeConfig resolves how the engine reaches the cluster, in order: a REST
// configuration given by a test, --kubeconfig (or KUBECONFIG, which the CLI
// passes as Kubeconfig), --in-cluster, META_CONFIG's kubernetes.config,
// META_CONFIG's kubernetes.in_cluster when the engine runs in a pod, and
// last the usual kubeconfig loading rules (~/.kube/config).
func kubeConfig(opts Options, env backend.Env, getenv func(string) string) (cfg k8s.Config, how string, err error) {
	meta := env.Meta
	cfg = k8s.Config{Namespace: meta.Namespace, Logger: env.Logger}
	if opts.Namespace != "" {
		cfg.Namespace = opts.Namespace
	}
	inPod := getenv("KUBERNETES_SERVICE_HOST") != ""
	switch {
	case opts.REST != nil:
		cfg.REST = opts.REST
		how = "the REST configuration given to the engine"
	case opts.Kubeconfig != "" && opts.InCluster:
		return cfg, "", backend.Errorf(backend.ErrInvalid, "engine: kube backend: choose either a kubeconfig or in-cluster, not both")
	case opts.Kubeconfig != "":
		cfg.Kubeconfig = opts.Kubeconfig
		how = "kubeconfig " + opts.Kubeconfig
	case opts.InCluster:
		cfg.InCluster = true
		how = "the pod's service account (in-cluster)"
	case meta.Kubeconfig != "":
		cfg.Kubeconfig = meta.Kubeconfig
		how = "kubeconfig " + cfg.Kubeconfig + " (META_CONFIG kubernetes.config)"
	case meta.InCluster && inPod:
		cfg.InCluster = true
		how = "the pod's service account (META_CONFIG kubernetes.in_cluster)"
	default:
		how = "the default kubeconfig (KUBECONFIG or ~/.kube/config)"
	}
	return cfg, how, nil
}

// New connects to the cluster that opts and META_CONFIG (env.Meta) name.
// It starts no informer (see Runnables).
func New(ctx context.Context, opts Options, env backend.Env) (*Backend, error) {
	cfg, how, err := kubeConfig(opts, env, os.Getenv)
	if err != nil {
		return nil, err
	}
	kc, err := k8s.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("engine: kube backend (cluster from %s): %w", how, err)
	}
	if opts.Image == "" {
		opts.Image = DefaultImage
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kb := &Backend{
		kc:             kc,
		log:            log,
		image:          opts.Image,
		inCluster:      cfg.InCluster,
		how:            how,
		inClusterMeta:  env.Meta.InCluster,
		kubeconfigMeta: env.Meta.Kubeconfig,
		nsFixed:        opts.Namespace != "",
		base:           net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
		builtins:       actions.NewRegistry(),
		listeners:      map[string]func(){},
		dial:           opts.Dial,
	}
	if !kb.inCluster && kb.dial == nil {
		kb.dialer = newClusterDialer(kc, kb.base)
	}
	kb.client = protocol.NewClient(protocol.ClientOptions{DialContext: kb.DialContext})
	kb.keeper = newKeeper(kb)
	kb.observer = kc.NewObserver(kb.objectEvent)
	// A service_refresh right after the engine opens is taken up by the
	// keep-alive loop once it runs.
	kb.keeper.begin()
	log.Info("kube backend", "namespace", kc.Namespace(), "cluster", how, "in_cluster", kb.inCluster)
	return kb, nil
}

// Name returns "kube".
func (kb *Backend) Name() string { return Name }

// DialContext dials an action server: through its port-forward from
// outside the cluster (or Options.Dial), directly inside it (a
// backend.Dialer).
func (kb *Backend) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if kb.dial != nil {
		return kb.dial(ctx, network, addr)
	}
	if kb.dialer == nil {
		return kb.base.DialContext(ctx, network, addr)
	}
	return kb.dialer.DialContext(ctx, network, addr)
}

// Runnables are the backend's loops: the informers (ready once their
// caches synced, so no module starts on an empty cache), the routing of
// their events, the keep-alive, and, outside the cluster, the lifetime of
// the port-forwards.
func (kb *Backend) Runnables() []backend.Task {
	ts := []backend.Task{
		{Name: "kube informers", Runnable: informers{kb}},
		{Name: "kube events", Runnable: backend.RunnableFunc(kb.dispatchEvents)},
		{Name: "kube keep-alive", Runnable: backend.RunnableFunc(kb.keeper.run)},
		{Name: "kube pods and events", Runnable: kb.observer},
	}
	if kb.dialer != nil {
		ts = append(ts, backend.Task{Name: "kube port-forwards", Runnable: backend.RunnableFunc(kb.dialer.Start)})
	}
	return ts
}

// Close ends the port-forwards left and the probe client's connections;
// the informers ended with the runnables.
func (kb *Backend) Close() error {
	if kb.dialer != nil {
		kb.dialer.closeAll()
	}
	kb.client.CloseIdleConnections()
	return nil
}

// informers runs the kube client's informers; it is ready once their
// caches synced.
type informers struct{ kb *Backend }

// Start runs the informers until ctx ends. Ending before the caches synced
// is not an error of its own: Ready says why.
func (i informers) Start(ctx context.Context) error {
	if err := i.kb.kc.Start(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// Ready waits for the caches to sync. A Role that forbids watching the
// namespace fails at once, naming the refusal.
func (i informers) Ready(ctx context.Context) error {
	return i.kb.waitSynced(ctx, syncTimeout)
}

// dispatchEvents routes the informers' events until ctx ends.
func (kb *Backend) dispatchEvents(ctx context.Context) error {
	for ev := range kb.kc.Watch(ctx) {
		kb.dispatch(ev)
	}
	return nil
}

// waitSynced waits for the informer caches, failing early when the API
// server refuses the engine's list or watch.
func (kb *Backend) waitSynced(ctx context.Context, timeout time.Duration) error {
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

// serviceOwnerPrefix starts the owner label of a kept-alive service's
// objects; a module's owner is its bare name. Module names cannot hold a
// dot, so the two never collide.
const serviceOwnerPrefix = "service."

// dispatch hands a watch event to whoever waits on its owner: a kept-alive
// service's loop or a module's action server.
func (kb *Backend) dispatch(ev k8s.Event) {
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
func (kb *Backend) listen(owner string, poke func()) (unlisten func()) {
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
// in place: another namespace or another way to reach the cluster, for
// which the engine opens a new backend (backend.ErrReopen).
func (kb *Backend) checkMeta(meta backend.Meta) error {
	var changed []string
	if !kb.nsFixed && meta.Namespace != kb.kc.Namespace() {
		changed = append(changed, fmt.Sprintf("namespace %q (was %q)", meta.Namespace, kb.kc.Namespace()))
	}
	if meta.InCluster != kb.inClusterMeta || meta.Kubeconfig != kb.kubeconfigMeta {
		changed = append(changed, "kubernetes (in_cluster, config)")
	}
	if len(changed) == 0 {
		return nil
	}
	return backend.Errorf(backend.ErrReopen, "META_CONFIG: %s", strings.Join(changed, " and "))
}
