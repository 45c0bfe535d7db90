package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/internal/run"
	"github.com/jsorc/jsorc/store"
)

// The keep-alive of platform services (JSORC's MetaService) on the local
// backend: the services named in META_CONFIG's keep_alive run as supervised
// processes, probed every backoff_interval seconds; with automation off they
// are only observed.

// addKeepAlive creates the service manager, hands it META_CONFIG and adds
// its loop to the run group; on the kube backend, the kube keep-alive loop
// instead.
func (e *Engine) addKeepAlive() error {
	if e.kube != nil {
		if err := e.applyMeta(); err != nil {
			return err
		}
		e.kube.keeper.begin()
		return e.group.Add(run.StageBackend, "kube keep-alive", run.Func(func(ctx context.Context) error {
			e.kube.keeper.run(ctx)
			return nil
		}))
	}
	mgr, err := services.NewManager(services.Options{DataDir: e.opts.DataDir, Host: e.opts.Host, Logger: e.log})
	if err != nil {
		return fmt.Errorf("engine: keep-alive: %w", err)
	}
	e.svc = mgr
	if err := e.applyMeta(); err != nil {
		return err
	}
	return e.group.Add(run.StageBackend, "keep-alive", run.Func(mgr.Run))
}

// applyMeta hands META_CONFIG's keep_alive, automation and backoff_interval
// to the keep-alive loop, with the bundled and user-defined services.
func (e *Engine) applyMeta() error {
	meta := e.Meta()
	defs, err := e.serviceDefinitions()
	if err != nil {
		return err
	}
	if e.kube != nil {
		e.kube.keeper.set(meta, defs)
		if err := e.updateScrapeTargets(); err != nil {
			return err
		}
		return e.kube.checkMeta(meta)
	}
	e.svc.Every(time.Duration(meta.BackoffInterval) * time.Second)
	if err := e.svc.Set(meta.KeepAlive, defs, meta.Automation); err != nil {
		return errorf(ErrInvalid, "keep-alive: %w", err)
	}
	return e.updateScrapeTargets()
}

// serviceDefinitions merges the bundled services with the user's, which
// may redefine a bundled one.
func (e *Engine) serviceDefinitions() (map[string]services.Definition, error) {
	defs := services.Bundled()
	raw, err := e.store.List(store.Services)
	if err != nil {
		return nil, fmt.Errorf("engine: reading service definitions: %w", err)
	}
	for name, v := range raw {
		var d services.Definition
		if err := json.Unmarshal(v, &d); err != nil {
			return nil, fmt.Errorf("engine: stored service %q: %w", name, err)
		}
		defs[name] = d
	}
	return defs, nil
}

// ConfigureServices defines (or redefines) the services of a YAML/JSON file
// (see services.ParseDefinitions) and hands them to the keep-alive loop.
// They run once META_CONFIG's keep_alive names them.
func (e *Engine) ConfigureServices(source string, content []byte) ([]string, error) {
	defs, err := services.ParseDefinitions(source, content)
	if err != nil {
		return nil, errorf(ErrInvalid, "%w", err)
	}
	recs := make(map[string][]byte, len(defs))
	for name, d := range defs {
		if recs[name], err = json.Marshal(d); err != nil {
			return nil, fmt.Errorf("engine: encoding service %q: %w", name, err)
		}
	}
	if err := e.store.PutMany(store.Services, recs); err != nil {
		return nil, fmt.Errorf("engine: storing services: %w", err)
	}
	if err := e.applyMeta(); err != nil {
		return nil, err
	}
	return sortedKeys(defs), nil
}

// ServiceInfo is jsorc's service_info: each kept-alive service's state,
// last probe, restarts and last error.
// On the kube backend the state is read from the informer cache.
func (e *Engine) ServiceInfo() map[string]services.Info {
	if e.kube != nil {
		return e.kube.keeper.info()
	}
	return e.svc.Info()
}

// refreshService re-creates one kept-alive service (service_refresh NAME).
func (e *Engine) refreshService(name string) error {
	if e.kube != nil {
		return e.kube.keeper.refreshService(name)
	}
	return e.svc.Refresh(name)
}

// ServiceURL is the base URL of a running service, or "" when it has none
// (or, on the kube backend, when the engine runs outside the cluster).
func (e *Engine) ServiceURL(name string) string {
	if e.kube != nil {
		return e.kube.keeper.serviceURL(name)
	}
	if info, ok := e.svc.Info()[name]; ok && info.State == services.StateReady {
		return info.URL
	}
	return ""
}

// SetAPIAddr tells the engine where its own API listens, so Prometheus
// (promon) scrapes the engine's /metrics too.
func (e *Engine) SetAPIAddr(addr string) {
	e.mu.Lock()
	e.apiAddr = addr
	e.mu.Unlock()
	if err := e.updateScrapeTargets(); err != nil {
		e.log.Warn("updating scrape targets", "err", err)
	}
}

// updateScrapeTargets points promon at the engine and every local action
// server, each as its own job (the module's name).
func (e *Engine) updateScrapeTargets() error {
	if e.kube != nil {
		e.kube.keeper.setScrapeTargets(e.kubeScrapeTargets())
		return nil
	}
	targets := map[string][]string{}
	e.mu.Lock()
	if e.apiAddr != "" {
		targets["jsorc"] = []string{e.apiAddr}
	}
	e.mu.Unlock()
	for name, m := range e.routes.Load().mods {
		m.mu.Lock()
		url, external := m.rstate.URL, m.rstate.External
		m.mu.Unlock()
		if url == "" || external {
			continue
		}
		host := strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
		if _, _, err := net.SplitHostPort(host); err == nil {
			targets[name] = []string{host}
		}
	}
	if err := e.svc.SetScrapeTargets(targets); err != nil {
		return fmt.Errorf("engine: scrape targets: %w", err)
	}
	return nil
}

// ServiceNames lists the kept-alive services, sorted.
func (e *Engine) ServiceNames() []string {
	info := e.ServiceInfo()
	out := make([]string, 0, len(info))
	for k := range info {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
