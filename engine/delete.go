package engine

import (
	"context"
	"fmt"

	"github.com/jsorc/jsorc/internal/run"
	"github.com/jsorc/jsorc/store"
)

// DeleteAction is `jsorc actions delete NAME`, which JSORC did not have: it
// forgets a configured module — its config and its stored mode — and
// stops its reconciler. A module that is loaded (or keeps a warm action
// server) is refused with ErrConflict unless force is set; force unloads
// it and retires its server first. It returns what it did.
func (e *Engine) DeleteAction(ctx context.Context, name string, force bool) (string, error) {
	m, err := e.module(name)
	if err != nil {
		return "", err
	}
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	loaded := m.loaded()
	if loaded != "" && !force {
		return "", errorf(ErrConflict, "module %q is %s; unload it first, or delete it with -force (which unloads it and retires its action server)", name, loaded)
	}
	msg := "deleted module " + name
	if loaded != "" {
		if _, err := e.Unload(ctx, name, "auto", true); err != nil {
			return "", fmt.Errorf("deleting %s: %w", name, err)
		}
		msg = fmt.Sprintf("unloaded %s (it was %s), retired its action server and deleted it", name, loaded)
	}
	task, err := e.forget(m)
	if err != nil {
		return "", err
	}
	if task != nil {
		task.Stop()
		select {
		case <-task.Done():
		case <-ctx.Done():
			e.log.Warn("deleted module: its reconciler is still stopping", "module", name)
		}
	}
	e.log.Info("module deleted", "module", name)
	e.publish(causeOf(ctx), EventModule, name, msg)
	return msg, nil
}

// forget removes an unloaded module from the store and the routing table,
// and marks it deleted so that no request can give it a mode again. It
// returns the module's reconciler task, if it has one, for the caller to
// stop.
func (e *Engine) forget(m *module) (*run.Task, error) {
	m.intent.Lock()
	defer m.intent.Unlock()
	if again := m.loaded(); again != "" {
		return nil, errorf(ErrConflict, "module %q was loaded again meanwhile (%s); not deleted", m.name, again)
	}
	if err := e.store.Forget(m.name, store.ActionConfigs, store.Modes); err != nil {
		return nil, fmt.Errorf("engine: deleting the module %q: %w", m.name, err)
	}
	e.mu.Lock()
	e.routes.remove(m.name)
	e.mu.Unlock()
	e.hist.forget(m.name)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleted = true
	return m.task, nil
}

// loaded says how the module is in use ("loaded in remote mode", "keeping
// a warm action server"), or "" when it is not.
func (m *module) loaded() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.desired != ModeNone:
		return fmt.Sprintf("loaded in %s mode", m.desired)
	case m.serving != ModeNone:
		return fmt.Sprintf("still serving in %s mode", m.serving)
	case m.server != nil || m.stopping > 0:
		return "keeping an action server"
	}
	return ""
}
