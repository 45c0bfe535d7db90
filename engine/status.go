package engine

import "fmt"

// ActionStatus is one module's status in JSORC's shape — mode, module,
// remote — with what jsorc adds: the mode actually serving calls (which
// differs from mode while a switch is under way), the actions, the config's
// source and the last failure.
type ActionStatus struct {
	// Mode is the requested mode: "module", "remote", or null when unloaded.
	Mode *string `json:"mode"`
	// Serving is the mode serving calls right now ("" when none).
	Serving string       `json:"serving"`
	Module  ModuleStatus `json:"module"`
	Remote  RemoteStatus `json:"remote"`
	Actions []string     `json:"actions"`
	Source  string       `json:"source"`
	// LastError is the last failure to reach the requested mode.
	LastError string `json:"last_error,omitempty"`
}

// ModuleStatus describes the in-process side of a module.
type ModuleStatus struct {
	Builtin             string  `json:"builtin,omitempty"`
	Loaded              bool    `json:"loaded"`
	LocalMemRequirement float64 `json:"local_mem_requirement"`
}

// RemoteStatus describes the module's remote action server.
type RemoteStatus struct {
	URL string `json:"url"`
	// Status is STARTING, READY, CRASHED, NOT_INSTALLED, or "" when no server runs.
	Status    string `json:"status"`
	PID       int    `json:"pid,omitempty"`
	Restarts  int    `json:"restarts,omitempty"`
	External  bool   `json:"external,omitempty"`
	LastError string `json:"last_error,omitempty"`
}

func (m *module) status() ActionStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := ActionStatus{
		Serving: string(m.serving),
		Module: ModuleStatus{
			Builtin:             m.cfg.Builtin,
			Loaded:              m.serving == ModeModule,
			LocalMemRequirement: m.cfg.LocalMemRequirement,
		},
		Remote: RemoteStatus{
			URL:       m.rstate.URL,
			Status:    m.rstate.Phase.Status(),
			PID:       m.rstate.PID,
			Restarts:  m.rstate.Restarts,
			External:  m.rstate.External,
			LastError: m.rstate.LastError,
		},
		Actions: append([]string(nil), m.known...),
		Source:  m.cfg.Source,
	}
	if st.Remote.URL == "" && m.cfg.URL != "" {
		st.Remote.URL = m.cfg.URL
	}
	if st.Actions == nil {
		st.Actions = []string{}
	}
	if m.desired != ModeNone {
		s := string(m.desired)
		st.Mode = &s
	}
	if m.failErr != nil && m.failGen == m.gen {
		st.LastError = m.failErr.Error()
	}
	return st
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
	mods := e.routes.Load().mods
	out := make(map[string]ActionStatus, len(mods))
	for name, m := range mods {
		out[name] = m.status()
	}
	return out
}

// Modules lists the configured modules, sorted.
func (e *Engine) Modules() []string { return sortedKeys(e.routes.Load().mods) }

// String renders a status as one line, for logs.
func (s ActionStatus) String() string {
	mode := "none"
	if s.Mode != nil {
		mode = *s.Mode
	}
	return fmt.Sprintf("mode=%s serving=%s remote=%s %s", mode, s.Serving, s.Remote.Status, s.Remote.URL)
}
