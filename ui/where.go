package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// whereMsg brings where the engine runs things.
type whereMsg struct {
	ans types.EngineInfoAnswer
	err error
}

// readWhere asks the engine where it runs action servers and services.
func (m *model) readWhere() tea.Cmd {
	f := m.fetch
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
		defer cancel()
		ans, err := types.Call(ctx, f.backend, types.EngineInfo, types.NoParams{})
		return whereMsg{ans: ans, err: err}
	}
}

// takeWhere keeps where the engine runs things, for the header and the
// services pane.
func (m *model) takeWhere(msg whereMsg) {
	if msg.err != nil {
		m.c.log.Info("the engine does not say where it runs things", "err", msg.err)
		return
	}
	m.where = msg.ans
	m.services.backend = msg.ans.Backend
}

// whereFields are the header's fields of the backend: its name, and on a
// cluster the kubeconfig context with the API server, and the namespace
// (k9s-style), most important first.
func (m *model) whereFields(field func(label, value string) string) []string {
	w := m.where
	if w.Backend == "" {
		return nil
	}
	out := []string{field("backend", w.Backend)}
	if w.Namespace != "" {
		out = append(out, field("ns", w.Namespace))
	}
	if w.Server != "" || w.Context != "" {
		cluster := w.Context
		if w.Server != "" {
			if cluster != "" {
				cluster += " "
			}
			cluster += "(" + w.Server + ")"
		}
		out = append(out, field("cluster", cluster))
	}
	return out
}
