package engine

import (
	"context"
	"maps"
	"net"
	"net/url"
	"sync"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/internal/run"
)

// serverSpec is the part of a module's config a backend needs to run its
// action server.
func serverSpec(name string, cfg ActionConfig) backend.ServerSpec {
	spec := backend.ServerSpec{Module: name, Builtin: cfg.Builtin, Params: cfg.Params, URL: cfg.URL}
	if cfg.Local != nil {
		spec.Command, spec.Env = cfg.Local.Command, cfg.Local.Env
	}
	if cfg.Kube != nil {
		spec.Manifests, spec.Port = cfg.Kube.Manifests, cfg.Kube.Port
	}
	return spec
}

// launch prepares the module's remote action server on the engine's
// backend or, when its config names a url, the follower of that external
// server (on every backend).
func (e *Engine) launch(name string, cfg ActionConfig, replicas int, report func(backend.State)) (backend.Server, error) {
	var l backend.Launcher = e.backend()
	if cfg.URL != "" {
		l = e.external
	}
	spec := serverSpec(name, cfg)
	spec.Wasm = e.wasmServer(name, cfg)
	if cfg.Replicas != nil {
		spec.Replicas = replicas // else the backend's own count (a manifest's)
	}
	srv, err := l.Launch(spec, report)
	return srv, fromBackend(err)
}

// serverRunnable runs a module's server in the group. A server that ends
// with an error is the module's trouble, reported in its state and the
// log, never a reason to stop the engine.
func (e *Engine) serverRunnable(module string, srv backend.Server) run.Runnable {
	return run.Func(func(ctx context.Context) error {
		if err := srv.Start(ctx); err != nil {
			e.log.Warn("action server ended", "module", module, "err", err)
		}
		return nil
	})
}

// scrapeState is what the engine last told the keeper to scrape.
type scrapeState struct {
	mu   sync.Mutex
	last *backend.ScrapeTargets
}

// updateScrapeTargets points the kept-alive Prometheus at the engine and at
// every action server the engine runs (not the external ones), each a job
// named for its module. The keeper hears only of changes.
func (e *Engine) updateScrapeTargets() error {
	e.mu.Lock()
	t := backend.ScrapeTargets{Engine: e.apiAddr, Servers: map[string]string{}}
	e.mu.Unlock()
	for name, m := range e.routes.all() {
		m.mu.Lock()
		raw, external := m.rstate.URL, m.rstate.External
		m.mu.Unlock()
		if raw == "" || external {
			continue
		}
		if u, err := url.Parse(raw); err == nil {
			if _, _, err := net.SplitHostPort(u.Host); err == nil {
				t.Servers[name] = u.Host
			}
		}
	}
	s := &e.scrape
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last != nil && s.last.Engine == t.Engine && maps.Equal(s.last.Servers, t.Servers) {
		return nil
	}
	if err := e.backend().SetScrapeTargets(t); err != nil {
		return fromBackend(err)
	}
	s.last = &t
	return nil
}
