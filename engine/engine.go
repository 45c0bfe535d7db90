package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/backend/external"
	"github.com/jsorc/jsorc/engine/track"
	"github.com/jsorc/jsorc/internal/run"
	"github.com/jsorc/jsorc/store"
)

// Options configure an Engine. DataDir, Backend and Group are required.
type Options struct {
	// DataDir holds the bbolt database and the action servers' logs.
	DataDir string
	// Backend is where remote action servers and kept-alive services run:
	// the Options of package engine/backend/local or engine/backend/kube,
	// opened once the engine has read the META_CONFIG it needs.
	Backend BackendOpener
	// Group runs the engine's loops. New adds them; the caller runs the
	// group, with the API server in it, and calls Close after it has
	// stopped.
	Group *run.Group
	// CallTimeout bounds one remote call unless the module's config says
	// otherwise (default 30s).
	CallTimeout time.Duration
	// LockTimeout bounds the wait for the data directory's lock (default 1s).
	LockTimeout time.Duration
	// WasmKeep is how long a wasm module's compiled code and one instance
	// are kept in-process after the module moved to remote, so a move back
	// within it costs nothing (default 2 minutes; negative: not kept).
	WasmKeep time.Duration
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
}

func (o *Options) setDefaults() error {
	if o.DataDir == "" {
		return errorf(ErrInvalid, "engine: no data directory")
	}
	if o.Backend == nil {
		return errorf(ErrInvalid, "engine: no backend (Options.Backend: local.Options or kube.Options)")
	}
	if o.Group == nil {
		return errorf(ErrInvalid, "engine: no run group (Options.Group)")
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Second
	}
	if o.WasmKeep == 0 {
		o.WasmKeep = defaultWasmKeep
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Engine is a jsorc engine. All its methods are safe for concurrent use.
// New prepares it; its loops run in the run group given in Options, which
// the caller runs; Close releases what is left once the group has stopped.
type Engine struct {
	opts  Options
	log   *slog.Logger
	store *store.Store
	// be holds the backend and its protocol client; service_refresh meta
	// may replace them (see move.go), so read them through be().
	be       atomic.Pointer[backendHandle]
	external *external.Launcher
	builtins *actions.Registry
	tracks   *track.Set
	group    *run.Group

	// routes is the routing table: calls read it without a lock, changes
	// are made under mu.
	routes *routeTable

	// cfgMu orders the changes of the set of modules (configure, delete).
	cfgMu sync.Mutex

	mu      sync.Mutex
	meta    MetaConfig
	apps    map[string]App
	closed  bool
	apiAddr string

	scrape      scrapeState
	pol         *policyRunner
	lt          loadTester
	nodeMemOnce sync.Once
	nodeMem     float64
	// wasmSizes holds each wasm module's last measured in-process size
	// (int64 bytes), which stands for its local_mem_requirement.
	wasmSizes sync.Map

	events *events
	stats  *statsState
	hist   *history
	meas   *measuring

	// retried counts the calls retried on a fallback (see Retried).
	retried atomic.Uint64
	// callCtxs recycles the contexts giving calls their deadline.
	callCtxs callContexts

	// stopping ends when the engine begins to stop (see stopWatch).
	stopping context.Context
	stop     context.CancelCauseFunc
	tasks    *taskQueue
	mail     *mailer
}

// New opens the data directory and the backend, restores what the store
// remembers — META_CONFIG, action configs, apps, the policy and each
// module's desired mode — and adds the engine's loops to opts.Group: the
// backend's, the sampler, the policy loop and one reconciler per module,
// which bring every module back to its mode once the group runs. On first
// start it configures the built-in modules. New starts no goroutine; ctx
// bounds only the opening itself (the kube backend's first contact with
// its cluster).
func New(ctx context.Context, opts Options) (*Engine, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	st, err := store.Open(opts.DataDir, store.Options{LockTimeout: opts.LockTimeout})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	meta, err := storedMeta(st)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	b, err := opts.Backend.Open(ctx, backend.Env{DataDir: opts.DataDir, Logger: opts.Logger, Meta: backendMeta(meta)})
	if err != nil {
		_ = st.Close()
		return nil, fromBackend(err)
	}
	client := newClient(b, opts.CallTimeout)
	e := &Engine{
		opts:     opts,
		log:      opts.Logger,
		store:    st,
		external: external.New(client),
		group:    opts.Group,
		builtins: actions.NewRegistry(),
		tracks:   track.NewSet(),
		meta:     meta,
		apps:     make(map[string]App),
		events:   newEvents(time.Now()),
		stats:    newStatsState(),
		hist:     newHistory(),
		meas:     newMeasuring(),
		pol:      newPolicyRunner(),
	}
	e.stopping, e.stop = context.WithCancelCause(context.Background())
	e.tasks = newTaskQueue(e)
	e.mail = newMailer(e)
	e.be.Store(&backendHandle{b: b, client: client})
	e.adoptEvents(b)
	e.routes = newRouteTable()
	if err := e.start(); err != nil {
		_ = b.Close()
		_ = st.Close()
		return nil, err
	}
	return e, nil
}

// start restores the stored state and adds the loops to the group: the
// backend's first, so that the group runs them before any module (a kube
// backend's informers sync before an action server acts on their cache).
func (e *Engine) start() error {
	h := e.be.Load()
	for _, t := range h.b.Runnables() {
		task, err := e.group.Add(run.StageBackend, t.Name, t.Runnable)
		if err != nil {
			return err
		}
		h.tasks = append(h.tasks, task)
	}
	if err := e.addStopWatch(); err != nil {
		return err
	}
	if err := e.restore(); err != nil {
		return err
	}
	if err := e.tasks.restore(); err != nil {
		return err
	}
	e.restoreMeasuring()
	if err := e.applyMeta(); err != nil {
		return err
	}
	for _, r := range []struct {
		name string
		r    run.Func
	}{{"sampler", e.sampleLoop}, {"policy", e.policyLoop}, {"task service", e.tasks.Start}, {"mail service", e.mail.Start}} {
		if _, err := e.group.Add(run.StageLoops, r.name, r.r); err != nil {
			return err
		}
	}
	return nil
}

// restore reads the store and brings the engine to the state it describes.
func (e *Engine) restore() error {
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
	seeded, err := e.store.Seeded()
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if !seeded {
		// A new data directory gets the built-in modules, once: one whose
		// modules were all deleted since stays without any. (An older one
		// holds configs already, and is marked as it is.)
		if len(cfgs) == 0 {
			e.log.Info("first start: configuring the built-in modules")
			if _, err := e.ConfigureActions(types.WithCause(context.Background(), types.CauseEngine), "all", BuiltinSourceName, nil); err != nil {
				return err
			}
		}
		if err := e.store.MarkSeeded(); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		if len(cfgs) == 0 {
			return nil
		}
	}
	modes, err := e.store.List(store.Modes)
	if err != nil {
		return fmt.Errorf("engine: reading modes: %w", err)
	}
	set := make(map[string]ConfiguredAction, len(cfgs))
	for name, v := range cfgs {
		var c ConfiguredAction
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("engine: stored action config %q: %w", name, err)
		}
		set[name] = c
		e.restoreWasmSize(name, c.ActionConfig)
	}
	mods, err := e.addModules(set)
	if err != nil {
		return err
	}
	restored := 0
	for _, m := range mods {
		v, ok := modes[m.name]
		if !ok {
			continue
		}
		var d desiredRecord
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("engine: stored mode of %q: %w", m.name, err)
		}
		if d.Mode != ModeNone {
			e.log.Debug("restoring module", "module", m.name, "mode", d.Mode)
			m.restoreReplicas(d)
			if err := m.ensureRunning(); err != nil {
				return err
			}
			m.setDesired(d.Mode, d.Retire, types.CauseEngine)
			restored++
		}
	}
	e.log.Info("restored the modules", "configured", len(mods), "loaded", restored)
	return nil
}

// desiredRecord is a module's desired mode as the store keeps it.
type desiredRecord struct {
	Mode   Mode `json:"mode"`
	Retire bool `json:"retire_svc,omitempty"`
	// Replicas is the count a scaling by hand pinned (0: none; the
	// autoscaler or the config's minimum decide).
	Replicas int `json:"replicas,omitempty"`
	// AutoReplicas is the count the autoscaler last chose, kept so that a
	// restart goes on from it (0: none stored, as in a record written
	// before it existed; the module starts at the config's minimum).
	// Never set beside Replicas.
	AutoReplicas int `json:"auto_replicas,omitempty"`
}

// addModules creates the state of newly configured modules, or updates
// the config of those that exist; the routing table is copied once for the
// whole set. A module's reconciler joins the run group when it is first
// given a mode (see module.ensureRunning): a module never loaded costs no
// goroutine. It returns the modules, in no order. The caller persists the
// configs.
func (e *Engine) addModules(set map[string]ConfiguredAction) ([]*module, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*module, 0, len(set))
	var added []*module
	for name, cfg := range set {
		if m := e.routes.get(name); m != nil {
			m.mu.Lock()
			m.cfg = cfg
			m.notifyLocked()
			m.mu.Unlock()
			out = append(out, m)
			continue
		}
		m := newModule(e, name, cfg)
		added = append(added, m)
		out = append(out, m)
	}
	e.routes.put(added)
	return out, nil
}

// module returns the configured module called name.
func (e *Engine) module(name string) (*module, error) {
	m := e.routes.get(name)
	if m == nil {
		return nil, errorf(ErrNotFound, "module %q is not configured (configure it with `jsorc actions config %s SOURCE`)", name, name)
	}
	return m, nil
}

// recorder returns the latency recorder of one action in one mode.
func (e *Engine) recorder(module, action string, mode Mode) *track.Recorder {
	return e.tracks.Get(actions.FullName(module, action) + "/" + string(mode))
}

// persistDesired stores a module's desired mode, and the replicas a
// scaling by hand pinned or the autoscaler chose, so a restart restores
// them.
func (e *Engine) persistDesired(name string, mode Mode, retire bool) error {
	if mode == ModeNone {
		if err := e.store.Delete(store.Modes, name); err != nil {
			return fmt.Errorf("engine: forgetting the mode of %q: %w", name, err)
		}
		return nil
	}
	rec := desiredRecord{Mode: mode, Retire: retire}
	if m := e.routes.get(name); m != nil {
		m.mu.Lock()
		switch {
		case m.pinned:
			rec.Replicas = m.replicas
		case m.auto:
			rec.AutoReplicas = m.replicas
		}
		m.mu.Unlock()
	}
	v, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("engine: encoding the mode of %q: %w", name, err)
	}
	if err := e.store.Put(store.Modes, name, v); err != nil {
		return fmt.Errorf("engine: storing the mode of %q: %w", name, err)
	}
	return nil
}

// Close releases what the engine holds once its run group has stopped —
// the modules drained and their action servers stopped, the backend's
// loops ended: the backend's connections, the event subscriptions and the
// store. Desired modes stay stored, so the next start brings them back.
// Call it after the group's Run has returned, or instead of running it.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.stop(errStopping)
	var errs []error
	h := e.be.Load()
	if err := h.b.Close(); err != nil {
		errs = append(errs, fmt.Errorf("engine: closing the %s backend: %w", h.b.Name(), err))
	}
	h.client.CloseIdleConnections()
	e.events.broker.Shutdown()
	e.saveProgressNow()
	if err := e.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("engine: closing the store: %w", err))
	}
	return errors.Join(errs...)
}

// DataDir returns the engine's data directory.
func (e *Engine) DataDir() string { return e.opts.DataDir }

// Backend returns the name of the backend where the engine runs remote
// action servers and kept-alive services ("local", "kube").
func (e *Engine) Backend() string { return e.backend().Name() }

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
