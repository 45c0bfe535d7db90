package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// describedMsg brings a module's description.
type describedMsg struct {
	name string
	ans  types.DescribeAnswer
	err  error
}

// describe asks for a module's description (jsorc_actions_describe).
func (m *model) describe(name string) tea.Cmd {
	f := m.fetch
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(f.ctx, readTimeout)
		defer cancel()
		ans, err := types.Call(ctx, f.backend, types.ActionsDescribe, types.NameParams{Name: name})
		return describedMsg{name: name, ans: ans, err: err}
	}
}

// takeDescribe gives the open detail its description, and a waiting call
// form its parameters.
func (m *model) takeDescribe(msg describedMsg) tea.Cmd {
	if d := m.actions.detail; d != nil && d.name == msg.name {
		if msg.err != nil {
			d.setDescribe(nil, msg.err)
		} else {
			d.setDescribe(&msg.ans, nil)
		}
	}
	if m.calling == msg.name {
		m.calling = ""
		return m.offerCall(msg)
	}
	return nil
}
