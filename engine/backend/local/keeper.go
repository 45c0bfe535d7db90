package local

import (
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/services"
)

// The keep-alive of platform services (JSORC's MetaService) on the local
// backend: the services named in META_CONFIG's keep_alive run as supervised
// processes (package services), probed every backoff_interval; with
// automation off they are only observed.

// Set hands META_CONFIG's keep_alive, automation and interval, with the
// service definitions, to the service manager.
func (b *Backend) Set(meta backend.Meta, defs map[string]services.Definition) error {
	b.svc.Every(meta.Interval)
	if err := b.svc.Set(meta.KeepAlive, defs, meta.Automation); err != nil {
		return backend.Errorf(backend.ErrInvalid, "keep-alive: %w", err)
	}
	return nil
}

// Info reports every defined or kept service.
func (b *Backend) Info() map[string]services.Info { return b.svc.Info() }

// Refresh restarts one kept service.
func (b *Backend) Refresh(name string) error { return b.svc.Refresh(name) }

// ServiceURL is the URL of a ready service.
func (b *Backend) ServiceURL(name string) string {
	if info, ok := b.svc.Info()[name]; ok && info.State == services.StateReady {
		return info.URL
	}
	return ""
}

// SetScrapeTargets points promon at the engine ("jsorc") and every action
// server, each as its own job (the module's name).
func (b *Backend) SetScrapeTargets(t backend.ScrapeTargets) error {
	targets := make(map[string][]string, len(t.Servers)+1)
	if t.Engine != "" {
		targets["jsorc"] = []string{t.Engine}
	}
	for name, hostport := range t.Servers {
		targets[name] = []string{hostport}
	}
	return b.svc.SetScrapeTargets(targets)
}

// ScrapeInterval is how often the bundled Prometheus scrapes here.
func (b *Backend) ScrapeInterval() time.Duration { return services.PromScrapeInterval }
