package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/store"
)

// The keep-alive of platform services (JSORC's MetaService) is the
// backend's Keeper: the engine hands it META_CONFIG with the bundled and
// user-defined services, and asks it for their state.

// applyMeta hands META_CONFIG's keep_alive, automation and backoff_interval
// to the keeper, with the bundled and user-defined services.
func (e *Engine) applyMeta() error {
	defs, err := e.serviceDefinitions()
	if err != nil {
		return err
	}
	if err := e.backend().Set(backendMeta(e.Meta()), defs); err != nil {
		return fromBackend(err)
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
func (e *Engine) ConfigureServices(ctx context.Context, source string, content []byte) ([]string, error) {
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
	names := sortedKeys(defs)
	e.publish(causeOf(ctx), EventConfig, "services", fmt.Sprintf("defined %s from %s", strings.Join(names, ", "), source))
	return names, nil
}

// ServiceInfo is jsorc's service_info: each kept-alive service's state,
// last probe, restarts and last error.
func (e *Engine) ServiceInfo() map[string]services.Info {
	info := e.backend().Info()
	info[TaskServiceName] = e.tasks.info()
	info[MailServiceName] = e.mail.info()
	return info
}

// refreshService re-creates one kept-alive service (service_refresh NAME):
// the engine's own (task) or one of the backend's.
func (e *Engine) refreshService(ctx context.Context, name string) error {
	switch name {
	case TaskServiceName:
		e.tasks.refresh(ctx)
		return nil
	case MailServiceName:
		e.mail.refresh()
		return nil
	}
	return e.backend().Refresh(name)
}

// ServiceURL is the base URL of a running service, or "" when it has none
// (or, on the kube backend, when the engine runs outside the cluster).
func (e *Engine) ServiceURL(name string) string { return e.backend().ServiceURL(name) }

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
