// Package fake is an in-process backend for the engine's own tests. Each
// remote action server is a real action protocol server (package protocol,
// as `jsorc serve-action` runs it) serving a built-in module on a loopback
// port of the test process, so the engine's tests exercise remote mode —
// launch, readiness from the spec endpoint, the switch, calls over HTTP,
// retirement — with no child process and no cluster. It runs no platform
// service: a test that needs one runs its own server and names its URL in
// New's services.
//
// The real backends keep their own tests (package local: real processes;
// package kube: a real control plane).
package fake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/engine/services"
)

// Name is the fake backend's name.
const Name = "fake"

// probeTimeout bounds the readiness probe of a server.
const probeTimeout = 5 * time.Second

// Backend is the fake backend. It is its own backend.Opener, so a test
// keeps a handle on what the engine opened.
type Backend struct {
	builtins *actions.Registry
	client   *protocol.Client
	services map[string]string

	mu       sync.Mutex
	meta     backend.Meta
	defs     map[string]services.Definition
	targets  backend.ScrapeTargets
	interval time.Duration
	running  map[string]string // module → URL of its running server
	// stops holds, by module, when each of its servers was told to stop.
	stops map[string][]time.Time
}

// New returns a fake backend. services maps the name of a service the test
// runs itself (a stand-in Prometheus) to its URL: such a service is
// reported ready there when kept alive.
func New(services map[string]string) *Backend {
	return &Backend{
		builtins: actions.NewRegistry(),
		client:   protocol.NewClient(protocol.ClientOptions{}),
		services: maps.Clone(services),
		running:  map[string]string{},
		stops:    map[string][]time.Time{},
	}
}

// Open returns b itself.
func (b *Backend) Open(context.Context, backend.Env) (backend.Backend[services.Definition, services.Info], error) {
	return b, nil
}

// Name returns "fake".
func (b *Backend) Name() string { return Name }

// Runnables is empty: the fake backend has no loop of its own.
func (b *Backend) Runnables() []backend.Task { return nil }

// Close releases the probe client's connections.
func (b *Backend) Close() error {
	b.client.CloseIdleConnections()
	return nil
}

// Running lists the modules whose server runs now, sorted.
func (b *Backend) Running() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(maps.Keys(b.running))
}

// StopRequests returns when each server of module was told to stop (its
// run ended), oldest first: a test checks that no server is stopped under
// the calls in flight on it.
func (b *Backend) StopRequests(module string) []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.stops[module])
}

// ScrapeTargets returns the scrape targets the engine last set.
func (b *Backend) ScrapeTargets() backend.ScrapeTargets {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.targets
	t.Servers = maps.Clone(t.Servers)
	return t
}

// Launch prepares an in-process server of spec's built-in module.
func (b *Backend) Launch(spec backend.ServerSpec, report func(backend.State)) (backend.Server, error) {
	if spec.Builtin == "" {
		return nil, backend.Errorf(backend.ErrConflict, "module %q: the fake backend runs built-in modules only", spec.Module)
	}
	bi, err := b.builtins.Lookup(spec.Builtin)
	if err != nil {
		return nil, backend.Errorf(backend.ErrInvalid, "module %q: %v", spec.Module, err)
	}
	return &server{b: b, module: spec.Module, builtin: bi, params: maps.Clone(spec.Params), report: report}, nil
}

// server is one in-process action server.
type server struct {
	b       *Backend
	module  string
	builtin actions.Builtin
	params  map[string]any
	report  func(backend.State)
}

// Start serves the module on a loopback port until ctx ends.
func (s *server) Start(ctx context.Context) error {
	// The group ends ctx when the server stops, whichever way it ends.
	context.AfterFunc(ctx, func() {
		s.b.mu.Lock()
		s.b.stops[s.module] = append(s.b.stops[s.module], time.Now())
		s.b.mu.Unlock()
	})
	since := time.Now()
	s.report(backend.State{Phase: backend.PhaseStarting, Since: since})
	inst, err := s.builtin.New(s.params)
	if err != nil {
		s.report(backend.State{Phase: backend.PhaseCrashed, LastError: err.Error(), Since: time.Now()})
		<-ctx.Done()
		return nil
	}
	defer inst.Close()
	h := protocol.NewHandler(s.module, inst, protocol.HandlerOptions{})
	err = protocol.Serve(ctx, "127.0.0.1:0", h, func(addr string) {
		url := "http://" + addr
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		spec, err := s.b.client.Spec(pctx, url)
		if err != nil {
			s.report(backend.State{Phase: backend.PhaseStarting, URL: url, LastError: err.Error(), Since: since})
			return
		}
		s.b.mu.Lock()
		s.b.running[s.module] = url
		s.b.mu.Unlock()
		s.report(backend.State{Phase: backend.PhaseReady, URL: url, Spec: spec, Since: time.Now()})
	})
	s.b.mu.Lock()
	delete(s.b.running, s.module)
	s.b.mu.Unlock()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("fake action server %s: %w", s.module, err)
	}
	return nil
}

// Retire does nothing: the server ended with Start.
func (s *server) Retire(context.Context) error { return nil }

// Set records META_CONFIG and the definitions.
func (b *Backend) Set(meta backend.Meta, defs map[string]services.Definition) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.meta, b.defs = meta, defs
	return nil
}

// Info reports the kept services: those the test runs as ready (and
// verified: the test stands in for what jsorc would have started), the
// others as stopped, since the fake backend runs none.
func (b *Backend) Info() map[string]services.Info {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]services.Info{}
	for _, name := range b.meta.KeepAlive {
		in := services.Info{Name: name, Enabled: true, Automation: b.meta.Automation, State: services.StateStopped,
			LastError: "the fake backend runs no services"}
		if url, ok := b.services[name]; ok {
			in.State, in.URL, in.LastError, in.Verified = services.StateReady, url, "", true
		}
		out[name] = in
	}
	return out
}

// Refresh refuses: the fake backend runs no services.
func (b *Backend) Refresh(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.defs[name]; !ok {
		return fmt.Errorf("services: refresh %s: %w", name, services.ErrUnknownService)
	}
	return fmt.Errorf("services: refresh %s: the fake backend runs no services", name)
}

// ServiceURL is the URL of a service the test runs, when kept alive.
func (b *Backend) ServiceURL(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Contains(b.meta.KeepAlive, name) {
		return ""
	}
	return b.services[name]
}

// SetScrapeInterval makes the backend report a scrape interval of its
// Prometheus (backend.ScrapeCadence), as the local and kube backends do.
func (b *Backend) SetScrapeInterval(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.interval = d
}

// ScrapeInterval is the interval set by SetScrapeInterval (0 until then).
func (b *Backend) ScrapeInterval() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.interval
}

// SetScrapeTargets records the targets (see ScrapeTargets).
func (b *Backend) SetScrapeTargets(t backend.ScrapeTargets) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.targets = t
	b.targets.Servers = maps.Clone(t.Servers)
	return nil
}
