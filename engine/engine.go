package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/engine/track"
	"github.com/jsorc/jsorc/store"
)

// Options configure an Engine. Only DataDir is required.
type Options struct {
	// DataDir holds the bbolt database and the action servers' logs.
	DataDir string
	// Executable is the jsorc binary the local backend runs as
	// `{jsorc} serve-action`; default: this process's executable.
	Executable string
	// Host is the loopback address local action servers bind to.
	Host string
	// CallTimeout bounds one remote call unless the module's config says
	// otherwise (default 30s).
	CallTimeout time.Duration
	// LockTimeout bounds the wait for the data directory's lock (default 1s).
	LockTimeout time.Duration
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger

	// Backend is where remote action servers and kept-alive services run:
	// BackendLocal (the default) or BackendKube.
	Backend string
	// Kubeconfig is the kubeconfig file of the kube backend's cluster.
	// Empty means in-cluster when InCluster is set, else META_CONFIG's
	// kubernetes field, else KUBECONFIG or ~/.kube/config.
	Kubeconfig string
	// InCluster makes the kube backend use the service account of the pod
	// the engine runs in.
	InCluster bool
	// Namespace, when set, is where the kube backend works, whatever
	// META_CONFIG's namespace says (deploy/ passes the pod's own).
	Namespace string
	// Image is the container image of built-in action servers on the kube
	// backend (default DefaultKubeImage); its entrypoint must be jsorc.
	Image string
	// KubeREST, when set, is the kube backend's client configuration, used
	// as is instead of Kubeconfig or InCluster. Tests use it to count
	// requests or to authenticate with a service-account token.
	KubeREST *rest.Config
}

func (o *Options) setDefaults() error {
	if o.DataDir == "" {
		return errorf(ErrInvalid, "engine: no data directory")
	}
	if o.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("engine: finding the jsorc binary: %w", err)
		}
		o.Executable = exe
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch o.Backend {
	case "":
		o.Backend = BackendLocal
	case BackendLocal, BackendKube:
	default:
		return errorf(ErrInvalid, "engine: unknown backend %q (want %s or %s)", o.Backend, BackendLocal, BackendKube)
	}
	if o.Image == "" {
		o.Image = DefaultKubeImage
	}
	return nil
}

// Engine is a running jsorc engine. All its methods are safe for concurrent
// use; Close ends it.
type Engine struct {
	opts     Options
	log      *slog.Logger
	store    *store.Store
	builtins *actions.Registry
	client   *protocol.Client
	tracks   *track.Set

	// ctx lives as long as the engine; background work derives from it.
	ctx    context.Context
	cancel context.CancelFunc

	// routes is the routing table, replaced whole (copy on write) under mu
	// so calls read it without a lock.
	routes atomic.Pointer[routeTable]

	// loops tracks the engine's background loops; Close waits for them.
	loops sync.WaitGroup

	mu     sync.Mutex
	meta   MetaConfig
	apps   map[string]App
	closed bool

	svc         *services.Manager
	kube        *kubeBackend // nil on the local backend
	apiAddr     string
	pol         *policyRunner
	lt          loadTester
	nodeMemOnce sync.Once
	nodeMem     float64

	events *broker
	stats  *statsState
	meas   *measuring
}

// New opens the data directory, restores what the store remembers — META_CONFIG,
// action configs, apps, the policy and each module's desired mode — and starts
// bringing every module back to its mode (restarting remote servers that are
// gone). On first start it configures the built-in modules.
func New(opts Options) (*Engine, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	st, err := store.Open(opts.DataDir, store.Options{LockTimeout: opts.LockTimeout})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	copts := protocol.ClientOptions{Timeout: opts.CallTimeout}
	var kb *kubeBackend
	if opts.Backend == BackendKube {
		meta, err := storedMeta(st)
		if err == nil {
			kb, err = newKubeBackend(ctx, opts, meta)
		}
		if err != nil {
			cancel()
			_ = st.Close()
			return nil, err
		}
		if kb.dialer != nil {
			copts.DialContext = kb.dialer.DialContext
		}
	}
	e := &Engine{
		opts:     opts,
		log:      opts.Logger,
		store:    st,
		kube:     kb,
		builtins: actions.NewRegistry(),
		client:   protocol.NewClient(copts),
		tracks:   track.NewSet(),
		ctx:      ctx,
		cancel:   cancel,
		apps:     make(map[string]App),
		events:   newBroker(),
		stats:    newStatsState(),
		meas:     newMeasuring(),
		pol:      newPolicyRunner(),
	}
	e.routes.Store(&routeTable{mods: map[string]*module{}, acts: map[string]*actionRoute{}})
	fail := func(err error) (*Engine, error) {
		cancel()
		e.loops.Wait()
		if kb != nil {
			kb.close()
		}
		_ = st.Close()
		return nil, err
	}
	if kb != nil {
		// The informers sync before any module is restored, so no action
		// server acts on an empty cache.
		if err := kb.start(ctx, &e.loops); err != nil {
			return fail(err)
		}
		e.log.Info("kube backend", "namespace", kb.kc.Namespace(), "cluster", kb.how, "in_cluster", kb.inCluster)
	}
	if err := e.restore(); err != nil {
		return fail(err)
	}
	if err := e.startKeepAlive(ctx); err != nil {
		return fail(err)
	}
	e.loops.Add(2)
	go func() {
		defer e.loops.Done()
		e.sampleLoop(ctx)
	}()
	go func() {
		defer e.loops.Done()
		e.policyLoop(ctx)
	}()
	return e, nil
}

// restore reads the store and brings the engine to the state it describes.
func (e *Engine) restore() error {
	raw, err := e.store.Meta()
	if err != nil {
		return fmt.Errorf("engine: reading META_CONFIG: %w", err)
	}
	e.meta = DefaultMeta()
	if raw != nil {
		if e.meta, err = ParseMeta(raw); err != nil {
			return fmt.Errorf("engine: stored META_CONFIG: %w", err)
		}
	}
	if err := e.loadPolicy(); err != nil {
		return err
	}
	apps, err := e.store.List(store.Apps)
	if err != nil {
		return fmt.Errorf("engine: reading apps: %w", err)
	}
	for name, v := range apps {
		var a App
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("engine: stored app %q: %w", name, err)
		}
		e.apps[name] = a
	}
	cfgs, err := e.store.List(store.ActionConfigs)
	if err != nil {
		return fmt.Errorf("engine: reading action configs: %w", err)
	}
	if len(cfgs) == 0 {
		e.log.Info("first start: configuring the built-in modules")
		_, err := e.ConfigureActions("all", BuiltinSourceName, nil)
		return err
	}
	modes, err := e.store.List(store.Modes)
	if err != nil {
		return fmt.Errorf("engine: reading modes: %w", err)
	}
	for name, v := range cfgs {
		var c ConfiguredAction
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("engine: stored action config %q: %w", name, err)
		}
		m := e.addModule(name, c)
		if v, ok := modes[name]; ok {
			var d desiredRecord
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("engine: stored mode of %q: %w", name, err)
			}
			if d.Mode != ModeNone {
				e.log.Info("restoring module", "module", name, "mode", d.Mode)
				m.setDesired(d.Mode, d.Retire)
			}
		}
	}
	return nil
}

// desiredRecord is a module's desired mode as the store keeps it.
type desiredRecord struct {
	Mode   Mode `json:"mode"`
	Retire bool `json:"retire_svc,omitempty"`
}

// addModule creates the state of a newly configured module and starts its
// reconciler. The caller persists the config.
func (e *Engine) addModule(name string, cfg ConfiguredAction) *module {
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.routes.Load()
	if m, ok := cur.mods[name]; ok {
		m.mu.Lock()
		m.cfg = cfg
		m.notifyLocked()
		m.mu.Unlock()
		return m
	}
	next := cur.clone()
	m := newModule(e, name, cfg)
	next.mods[name] = m
	e.routes.Store(next)
	go m.run(e.ctx)
	return m
}

// module returns the configured module called name.
func (e *Engine) module(name string) (*module, error) {
	m := e.routes.Load().mods[name]
	if m == nil {
		return nil, errorf(ErrNotFound, "module %q is not configured (configure it with `jsorc actions config %s SOURCE`)", name, name)
	}
	return m, nil
}

// recorder returns the latency recorder of one action in one mode.
func (e *Engine) recorder(module, action string, mode Mode) *track.Recorder {
	return e.tracks.Get(actions.FullName(module, action) + "/" + string(mode))
}

// persistDesired stores a module's desired mode so a restart restores it.
func (e *Engine) persistDesired(name string, mode Mode, retire bool) error {
	if mode == ModeNone {
		if err := e.store.Delete(store.Modes, name); err != nil {
			return fmt.Errorf("engine: forgetting the mode of %q: %w", name, err)
		}
		return nil
	}
	v, err := json.Marshal(desiredRecord{Mode: mode, Retire: retire})
	if err != nil {
		return fmt.Errorf("engine: encoding the mode of %q: %w", name, err)
	}
	if err := e.store.Put(store.Modes, name, v); err != nil {
		return fmt.Errorf("engine: storing the mode of %q: %w", name, err)
	}
	return nil
}

// Close stops every module — draining in-flight calls, unloading in-process
// instances and stopping the action servers the engine started — and closes
// the store. Desired modes stay stored, so the next start brings them back.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	var errs []error
	for name, m := range e.routes.Load().mods {
		select {
		case <-m.done:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("engine: module %q did not stop in time: %w", name, ctx.Err()))
		}
	}
	e.loops.Wait()
	if e.kube != nil {
		e.kube.close()
	}
	e.client.CloseIdleConnections()
	e.events.close()
	if err := e.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("engine: closing the store: %w", err))
	}
	return errors.Join(errs...)
}

// DataDir returns the engine's data directory.
func (e *Engine) DataDir() string { return e.opts.DataDir }

// Backend returns where the engine runs remote action servers and kept-alive
// services: BackendLocal or BackendKube.
func (e *Engine) Backend() string { return e.opts.Backend }

// storedMeta reads the META_CONFIG a store holds, or the default.
func storedMeta(st *store.Store) (MetaConfig, error) {
	raw, err := st.Meta()
	if err != nil {
		return MetaConfig{}, fmt.Errorf("engine: reading META_CONFIG: %w", err)
	}
	if raw == nil {
		return DefaultMeta(), nil
	}
	m, err := ParseMeta(raw)
	if err != nil {
		return MetaConfig{}, fmt.Errorf("engine: stored META_CONFIG: %w", err)
	}
	return m, nil
}
