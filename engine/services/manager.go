package services

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// State is what Info says about a service (api/types).
type State = types.ServiceState

// The states of a service (see api/types for what each means).
const (
	StateReady        = types.ServiceReady
	StateStarting     = types.ServiceStarting
	StateCrashed      = types.ServiceCrashed
	StateNotInstalled = types.ServiceNotInstalled
	StateUnknown      = types.ServiceUnknown
	StateStopped      = types.ServiceStopped
	StateStopping     = types.ServiceStopping
	StateObserving    = types.ServiceObserving
	StateDown         = types.ServiceDown
)

// Info is a snapshot of one service, for the service_info API and the
// console's services pane (api/types).
type Info = types.ServiceInfo

// ErrUnknownService is wrapped by Refresh's error for a name without a
// definition.
var ErrUnknownService = errors.New("unknown service: no definition")

// ErrNotRunning is wrapped by Refresh's error when Run is not in progress.
var ErrNotRunning = errors.New("service manager not running")

// Options configure a Manager. Only DataDir is required.
type Options struct {
	// DataDir is the engine's data directory; services keep their data in
	// DataDir/services/<name> and log to DataDir/logs/service-<name>.log.
	DataDir string
	// Host is the loopback address services bind; default 127.0.0.1.
	Host string
	// Logger receives state changes; default: discard.
	Logger *slog.Logger
	// BackoffMin and BackoffMax bound the exponential back-off between
	// restarts (defaults 500ms and 30s, as local.Supervisor's).
	BackoffMin, BackoffMax time.Duration
	// Interval is the probe period until Every sets one; default 10s,
	// META_CONFIG's default backoff_interval.
	Interval time.Duration
	// MinInterval is the floor Every applies; default 5s, JSORC's floor
	// for backoff_interval. Tests set it lower.
	MinInterval time.Duration
	// ProbeTimeout bounds each probe; default 2s.
	ProbeTimeout time.Duration
	// StartTimeout bounds the wait for a started service's first good
	// probe, unless its Definition sets one; default 60s.
	StartTimeout time.Duration
	// InitTimeout bounds each Init step; default 2 minutes.
	InitTimeout time.Duration
	// UnhealthyAfter is how many consecutive failed probes of a ready
	// service make the Manager restart it (automation on); default 2.
	UnhealthyAfter int
}

// withDefaults validates o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	if o.DataDir == "" {
		return o, errors.New("services: no data directory")
	}
	abs, err := filepath.Abs(o.DataDir)
	if err != nil {
		return o, fmt.Errorf("services: data directory: %w", err)
	}
	o.DataDir = abs
	if o.Host == "" || o.Host == "localhost" {
		o.Host = "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(o.Host); err != nil || !ip.IsLoopback() {
		return o, fmt.Errorf("services: host %q is not a loopback address", o.Host)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MinInterval, 5*time.Second)
	def(&o.Interval, 10*time.Second)
	o.Interval = max(o.Interval, o.MinInterval)
	def(&o.ProbeTimeout, 2*time.Second)
	def(&o.StartTimeout, 60*time.Second)
	def(&o.InitTimeout, 2*time.Minute)
	if o.UnhealthyAfter <= 0 {
		o.UnhealthyAfter = 2
	}
	return o, nil
}

// Log attribute keys.
const (
	attrService  = "service"
	attrState    = "state"
	attrPID      = "pid"
	attrEndpoint = "endpoint"
	attrError    = "error"
)

// Manager keeps a set of services alive on the local backend. Set says
// which; Run does the work until its context ends. All methods are safe
// for concurrent use.
type Manager struct {
	opts Options
	log  *slog.Logger

	mu         sync.Mutex
	running    bool
	runCtx     context.Context // Run's context, while running
	keep       []string        // keep_alive, deduplicated, in order
	defs       map[string]Definition
	automation bool
	interval   time.Duration
	targets    map[string][]string
	changed    chan struct{}    // closed and replaced when automation or interval change
	units      map[string]*unit // kept alive now
	stopping   map[string]*unit // the latest retired unit of each name, until it has stopped
	runErrs    []error
	wg         sync.WaitGroup
}

// NewManager returns a Manager with nothing to keep alive; call Set, then
// Run.
func NewManager(opts Options) (*Manager, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Manager{
		opts:     o,
		log:      o.Logger,
		defs:     map[string]Definition{},
		interval: o.Interval,
		changed:  make(chan struct{}),
		units:    map[string]*unit{},
		stopping: map[string]*unit{},
	}, nil
}

// Run keeps the services alive until ctx ends, then stops them all and
// returns. It returns an error if a service's process could not be
// confirmed dead, or if Run is already in progress. Run may be called
// again after it has returned.
func (m *Manager) Run(ctx context.Context) error {
	m.mu.Lock()
	if m.running {
		m.mu.Unlock()
		return errors.New("services: manager already running")
	}
	m.running, m.runCtx, m.runErrs = true, ctx, nil
	m.reconcile()
	m.mu.Unlock()
	m.log.Info("service manager started", "data", m.opts.DataDir)

	<-ctx.Done()

	m.mu.Lock()
	for _, u := range m.units {
		m.retire(u)
	}
	m.running, m.runCtx = false, nil
	m.mu.Unlock()
	m.wg.Wait()

	m.mu.Lock()
	err := errors.Join(m.runErrs...)
	m.mu.Unlock()
	m.log.Info("service manager stopped")
	return err
}

// Set says which services to keep alive: the names in keepAlive (META_CONFIG's
// keep_alive; duplicates are ignored, names without a definition are
// reported as StateUnknown), defined by defs (bundled and user definitions,
// keyed by name), and whether automation is on. Services added are started
// (when automation is on), services removed are stopped, and services whose
// definition changed are re-created. With automation off the Manager starts
// and restarts nothing: it probes every period and reports; what runs keeps
// running. Set does not wait for processes to start or stop.
//
// An invalid definition is an error, and then nothing changes.
func (m *Manager) Set(keepAlive []string, defs map[string]Definition, automation bool) error {
	copied := make(map[string]Definition, len(defs))
	for name, d := range defs {
		if d.Name == "" {
			d.Name = name
		}
		if d.Name != name {
			return fmt.Errorf("services: definition %q is filed under %q", d.Name, name)
		}
		if err := d.Validate(); err != nil {
			return fmt.Errorf("services: %s: %w", name, err)
		}
		copied[name] = d.clone()
	}
	var keep []string
	for _, name := range keepAlive {
		if !slices.Contains(keep, name) {
			keep = append(keep, name)
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.keep, m.defs = keep, copied
	if m.automation != automation {
		m.automation = automation
		m.broadcast()
		m.log.Info("service automation", "on", automation)
	}
	if m.running {
		m.reconcile()
	}
	return nil
}

// Refresh re-creates one kept-alive service: its process is stopped and
// started afresh (the data directory is kept). With automation off, this
// explicit request still starts it once.
func (m *Manager) Refresh(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	def, ok := m.defs[name]
	if !ok {
		return fmt.Errorf("services: refresh %s: %w", name, ErrUnknownService)
	}
	if !slices.Contains(m.keep, name) {
		return fmt.Errorf("services: refresh %s: not kept alive (not in keep_alive)", name)
	}
	if !m.running {
		return fmt.Errorf("services: refresh %s: %w", name, ErrNotRunning)
	}
	if u := m.units[name]; u != nil {
		m.retire(u)
	}
	m.start(def, !m.automation)
	m.log.Info("service refresh", attrService, name)
	return nil
}

// Every sets the probe period (META_CONFIG's backoff_interval), raised to
// Options.MinInterval if lower, and returns the period in effect.
func (m *Manager) Every(d time.Duration) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	d = max(d, m.opts.MinInterval)
	if d != m.interval {
		m.interval = d
		m.broadcast()
	}
	return d
}

// SetScrapeTargets tells the Manager what Prometheus should scrape: job
// name → "host:port" addresses (e.g. "jsorc" → the engine's API, one job
// per action server). It rewrites the targets file of every service that
// has one (promon's {data}/targets.json), now if it runs and before every
// start; Prometheus picks the change up within about a second.
func (m *Manager) SetScrapeTargets(targets map[string][]string) error {
	copied := make(map[string][]string, len(targets))
	for job, addrs := range targets {
		if job == "" {
			return errors.New("services: scrape targets: empty job name")
		}
		for _, a := range addrs {
			host, port, err := net.SplitHostPort(a)
			if err == nil {
				_, err = strconv.ParseUint(port, 10, 16)
			}
			if err != nil || host == "" {
				return fmt.Errorf("services: scrape targets: job %s: %q is not host:port", job, a)
			}
		}
		copied[job] = slices.Clone(addrs)
	}
	m.mu.Lock()
	m.targets = copied
	var us []*unit
	for _, u := range m.units {
		if u.def.TargetsFile != "" {
			us = append(us, u)
		}
	}
	m.mu.Unlock()
	var errs []error
	for _, u := range us {
		if err := u.syncTargets(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Info returns a snapshot of every service that is defined or named in
// keep_alive, keyed by name.
func (m *Manager) Info() map[string]Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]Info, len(m.defs)+len(m.keep))
	for _, name := range m.keep {
		if _, ok := m.defs[name]; !ok {
			out[name] = Info{Name: name, Enabled: true, Automation: m.automation, State: StateUnknown, LastError: ErrUnknownService.Error()}
		}
	}
	for name, def := range m.defs {
		if u := m.units[name]; u != nil {
			out[name] = u.info(m.automation)
			continue
		}
		in := Info{
			Name:       name,
			Doc:        def.Doc,
			Enabled:    slices.Contains(m.keep, name),
			Automation: m.automation,
			State:      StateStopped,
			DataDir:    m.dataDir(name),
			LogPath:    m.logPath(name),
		}
		if def.Password {
			in.Credentials = m.passwordPath(name)
		}
		if m.stopping[name] != nil {
			in.State = StateStopping
		}
		out[name] = in
	}
	return out
}

// reconcile makes the units match keep and defs. m.mu is held.
func (m *Manager) reconcile() {
	for name, u := range m.units {
		def, ok := m.defs[name]
		if !ok || !slices.Contains(m.keep, name) || !reflect.DeepEqual(def, u.def) {
			m.retire(u)
		}
	}
	for _, name := range m.keep {
		if def, ok := m.defs[name]; ok && m.units[name] == nil {
			m.start(def, false)
		}
	}
}

// start creates and runs the unit of def; it starts once its predecessor
// of the same name has stopped. With permit, it may start once even with
// automation off. m.mu is held and m.running is true.
func (m *Manager) start(def Definition, permit bool) {
	var prev <-chan struct{}
	if old := m.stopping[def.Name]; old != nil {
		prev = old.done
	}
	u := newUnit(m, def)
	u.permit.Store(permit)
	ctx, cancel := context.WithCancel(m.runCtx)
	u.cancel = cancel
	m.units[def.Name] = u
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		u.run(ctx, prev)
	}()
}

// retire stops u without waiting. m.mu is held.
func (m *Manager) retire(u *unit) {
	u.cancel()
	delete(m.units, u.name)
	m.stopping[u.name] = u
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		<-u.done
		m.mu.Lock()
		if m.stopping[u.name] == u {
			delete(m.stopping, u.name)
		}
		m.mu.Unlock()
	}()
}

// broadcast wakes everything waiting on a change. m.mu is held.
func (m *Manager) broadcast() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// settings returns the automation flag, the probe period and the channel
// closed at their next change.
func (m *Manager) settings() (automation bool, interval time.Duration, changed <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.automation, m.interval, m.changed
}

// scrapeTargets returns the current scrape targets (not to be modified).
func (m *Manager) scrapeTargets() map[string][]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.targets
}

// noteErr records an error for Run to return.
func (m *Manager) noteErr(err error) {
	m.mu.Lock()
	m.runErrs = append(m.runErrs, err)
	m.mu.Unlock()
}

// dataDir is the data directory of the service name.
func (m *Manager) dataDir(name string) string {
	return filepath.Join(m.opts.DataDir, "services", name)
}

// logPath is the log file of the service name.
func (m *Manager) logPath(name string) string {
	return filepath.Join(m.opts.DataDir, "logs", "service-"+name+".log")
}
