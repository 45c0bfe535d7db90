package engine

import (
	"cmp"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
)

// The status of a module, in the API's shape (api/types).
type (
	// ActionStatus is one module's status in JSORC's shape, with what
	// jsorc adds.
	ActionStatus = types.ActionStatus
	// ModuleStatus describes the in-process side of a module.
	ModuleStatus = types.ModuleStatus
	// RemoteStatus describes the module's remote action server.
	RemoteStatus = types.RemoteStatus
)

func (m *module) status() ActionStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := ActionStatus{
		Serving: string(m.serving),
		Module: ModuleStatus{
			Kind:    kindOf(m.cfg.ActionConfig),
			Builtin: m.cfg.Builtin,
			Wasm:    m.cfg.Wasm,
			Loaded:  m.serving == ModeModule,
		},
		Remote: RemoteStatus{
			URL:       m.rstate.URL,
			Status:    m.rstate.Phase.Status(),
			PID:       m.rstate.PID,
			Restarts:  m.rstate.Restarts,
			External:  m.rstate.External,
			LastError: m.rstate.LastError,
		},
		Actions:  append([]string(nil), m.known...),
		Source:   m.cfg.Source,
		Fallback: m.fallback,
	}
	if b := m.cur.Load(); b != nil {
		st.InFlight = b.inFlight(true)
	}
	for _, d := range m.draining {
		st.InFlight += d.inFlight(false)
	}
	st.Draining = len(m.draining)
	st.Module.LocalMemRequirement, st.Module.SizeBytes = m.e.memRequirement(m, m.cfg.ActionConfig)
	if m.kept != nil {
		until := m.kept.until
		st.Module.KeptUntil = &until
	}
	if m.server != nil && !m.rstate.External {
		st.Remote.ReplicasReady = m.rstate.ReadyReplicas()
		st.Remote.ReplicasDesired = max(m.rstate.Desired, 1)
		if _, ok := m.server.srv.(backend.Scaler); ok && m.cfg.Replicas != nil {
			// What the engine asked for, even before its backend says so.
			st.Remote.ReplicasDesired = m.replicasLocked()
		}
		if m.autoscaledLocked() {
			st.Remote.ReplicasScaling = types.ScalingAuto
			if m.pinned {
				st.Remote.ReplicasScaling = types.ScalingManual
			}
		}
	}
	if st.Remote.URL == "" && m.cfg.URL != "" {
		st.Remote.URL = m.cfg.URL
	}
	if st.Actions == nil {
		st.Actions = []string{}
	}
	if m.desired != ModeNone {
		s := string(m.desired)
		st.RequestedMode = &s
	}
	if m.serving != ModeNone {
		s := string(m.serving)
		st.Mode = &s
	}
	if m.serving == ModeModule {
		st.Module.Name = cmp.Or(m.cfg.Module, m.name)
		st.Module.LoadedModule = cmp.Or(m.cfg.LoadedModule, m.name)
	}
	// JSORC's READY came with mode "remote" in the same answer (its test
	// waits for READY, then checks the mode): a server that is up but not
	// yet swapped in is still STARTING for a module asked to go remote.
	if m.desired == ModeRemote && m.serving != ModeRemote && st.Remote.Status == backend.PhaseReady.Status() {
		st.Remote.Status = backend.PhaseStarting.Status()
	}
	if m.failErr != nil && m.failGen == m.gen {
		st.LastError = m.failErr.Error()
	}
	return st
}

// kindOf says what implements a module.
func kindOf(c ActionConfig) string {
	switch {
	case c.Wasm != "":
		return types.KindWasm
	case c.Builtin != "":
		return types.KindBuiltin
	}
	return types.KindExternal
}

// Status is JSORC's `actions status NAME`: the status of one module.
func (e *Engine) Status(name string) (ActionStatus, error) {
	m, err := e.module(name)
	if err != nil {
		return ActionStatus{}, err
	}
	return m.status(), nil
}

// StatusAll returns the status of every configured module, by name.
func (e *Engine) StatusAll() map[string]ActionStatus {
	out := make(map[string]ActionStatus, e.routes.len())
	for name, m := range e.routes.all() {
		out[name] = m.status()
	}
	return out
}

// Modules lists the configured modules, sorted.
func (e *Engine) Modules() []string { return e.routes.names() }
