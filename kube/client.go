package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/jsorc/jsorc/internal/pubsub"
)

// Labels and annotations jsorc sets on every object it applies.
const (
	// LabelManagedBy marks an object as created by jsorc; its value is
	// [ManagedByValue]. The informers watch only objects carrying it.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of [LabelManagedBy] on jsorc's objects.
	ManagedByValue = "jsorc"
	// LabelOwner names the owner (an action module, a service) an object
	// belongs to.
	LabelOwner = "jsorc.dev/owner"
	// LabelConfigVersion holds a hash of the owner's whole definition at the
	// time the object was applied.
	LabelConfigVersion = "jsorc.dev/config-version"
)

// DefaultFieldManager is the server-side apply field manager used when
// [Config.FieldManager] is empty.
const DefaultFieldManager = "jsorc"

// Default client-side rate limits. client-go's own defaults (5 QPS, burst 10)
// would make applying 50 action servers take tens of seconds.
const (
	// DefaultQPS is the sustained requests per second when the rest config
	// sets none.
	DefaultQPS = 50
	// DefaultBurst is the request burst when the rest config sets none.
	DefaultBurst = 100
)

// inClusterNamespaceFile is where a pod's service account namespace is mounted.
const inClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// DefaultResources are the resources jsorc may apply, watches with informers,
// prunes and deletes. Apply refuses objects of any other resource, so that
// nothing jsorc creates escapes its cache, Prune or Delete.
func DefaultResources() []schema.GroupVersionResource {
	return []schema.GroupVersionResource{
		{Group: "apps", Version: "v1", Resource: "deployments"},
		{Version: "v1", Resource: "services"},
		{Version: "v1", Resource: "configmaps"},
		{Version: "v1", Resource: "persistentvolumeclaims"},
	}
}

// Config says how to reach the cluster and where to work in it.
type Config struct {
	// Kubeconfig is the path of a kubeconfig file. Empty means the usual
	// loading rules (KUBECONFIG, then ~/.kube/config) unless InCluster is set.
	Kubeconfig string
	// InCluster uses the service account of the pod the engine runs in.
	InCluster bool
	// Namespace is where every object lives. Empty means the kubeconfig
	// context's namespace, the pod's namespace in cluster, else "default".
	Namespace string
	// FieldManager is the server-side apply field manager; empty means
	// [DefaultFieldManager].
	FieldManager string
	// Resources are the tracked resources; nil means [DefaultResources].
	Resources []schema.GroupVersionResource
	// REST, when set, is used as is instead of loading a configuration
	// (Kubeconfig and InCluster are then ignored). Tests use it to wrap the
	// transport or to authenticate with a service-account token.
	REST *rest.Config
	// Logger receives watch errors and other diagnostics; nil discards them.
	Logger *slog.Logger
}

// Client is jsorc's handle on one namespace of a cluster. Its methods are
// safe for concurrent use. Reads (DeploymentReady, Diff, Objects, Prune's
// choice of what to delete) come from the informer cache that Start fills.
type Client struct {
	rest         *rest.Config
	namespace    string
	kubeContext  string
	fieldManager string
	logger       *slog.Logger

	dynamic   dynamic.Interface
	clientset kubernetes.Interface
	mapper    *restmapper.DeferredDiscoveryRESTMapper

	resources []schema.GroupVersionResource
	factory   dynamicinformer.DynamicSharedInformerFactory
	informers map[schema.GroupVersionResource]informerHandle

	events *pubsub.Broker[Event]

	errMu   sync.Mutex
	lastErr error // latest list/watch error

	startMu sync.Mutex
	started bool
	synced  chan struct{} // closed once every informer has synced
}

// New builds a client from cfg and checks that the API server answers.
// It does not start the informers: run [Client.Start] for that.
func New(ctx context.Context, cfg Config) (*Client, error) {
	restCfg, namespace, kubeContext, err := loadREST(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Namespace != "" {
		namespace = cfg.Namespace
	}
	if namespace == "" {
		namespace = "default"
	}
	if errs := validation.IsDNS1123Label(namespace); len(errs) > 0 {
		return nil, fmt.Errorf("kube: namespace %q: %s", namespace, strings.Join(errs, "; "))
	}
	restCfg = rest.CopyConfig(restCfg)
	if restCfg.QPS == 0 {
		restCfg.QPS = DefaultQPS
	}
	if restCfg.Burst == 0 {
		restCfg.Burst = DefaultBurst
	}
	if restCfg.UserAgent == "" {
		restCfg.UserAgent = "jsorc"
	}

	c := &Client{
		rest:         restCfg,
		namespace:    namespace,
		kubeContext:  kubeContext,
		fieldManager: cfg.FieldManager,
		logger:       cfg.Logger,
		resources:    cfg.Resources,
		synced:       make(chan struct{}),
	}
	if c.fieldManager == "" {
		c.fieldManager = DefaultFieldManager
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(c.resources) == 0 {
		c.resources = DefaultResources()
	}

	if c.dynamic, err = dynamic.NewForConfig(restCfg); err != nil {
		return nil, fmt.Errorf("kube: dynamic client: %w", err)
	}
	if c.clientset, err = kubernetes.NewForConfig(restCfg); err != nil {
		return nil, fmt.Errorf("kube: clientset: %w", err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("kube: discovery client: %w", err)
	}
	if err := disco.RESTClient().Get().AbsPath("/version").Do(ctx).Error(); err != nil {
		return nil, fmt.Errorf("kube: cannot reach the API server at %s: %w", restCfg.Host, err)
	}
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))

	c.events = newWatchBroker()
	if err := c.setupInformers(); err != nil {
		return nil, err
	}
	return c, nil
}

// loadREST resolves the rest.Config, the namespace and the kubeconfig
// context the configuration names.
func loadREST(cfg Config) (*rest.Config, string, string, error) {
	switch {
	case cfg.REST != nil:
		return cfg.REST, "", "", nil
	case cfg.InCluster && cfg.Kubeconfig != "":
		return nil, "", "", errors.New("kube: choose either in-cluster or a kubeconfig, not both")
	case cfg.InCluster:
		rc, err := rest.InClusterConfig()
		if err != nil {
			return nil, "", "", fmt.Errorf("kube: in-cluster configuration (is the engine running in a pod?): %w", err)
		}
		ns := ""
		if b, err := os.ReadFile(inClusterNamespaceFile); err == nil {
			ns = strings.TrimSpace(string(b))
		}
		return rc, ns, "in-cluster", nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if cfg.Kubeconfig != "" {
		if _, err := os.Stat(cfg.Kubeconfig); err != nil {
			return nil, "", "", fmt.Errorf("kube: kubeconfig: %w", err)
		}
		rules.ExplicitPath = cfg.Kubeconfig
	}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	rc, err := loader.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, "", "", errors.New("kube: no Kubernetes configuration found: pass a kubeconfig, set KUBECONFIG, or run in a cluster with in-cluster enabled")
		}
		return nil, "", "", fmt.Errorf("kube: kubeconfig: %w", err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, "", "", fmt.Errorf("kube: kubeconfig namespace: %w", err)
	}
	name := ""
	if raw, err := loader.RawConfig(); err == nil {
		name = raw.CurrentContext
	}
	return rc, ns, name, nil
}

// Namespace is the namespace every object of this client lives in.
func (c *Client) Namespace() string { return c.namespace }

// FieldManager is the server-side apply field manager the client uses.
func (c *Client) FieldManager() string { return c.fieldManager }

// Context is the kubeconfig context the client uses ("in-cluster" in a
// pod, "" when a REST configuration was given).
func (c *Client) Context() string { return c.kubeContext }

// Host is the API server's address.
func (c *Client) Host() string { return c.rest.Host }
