package ui

import (
	"encoding/json"
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// handleResult takes in the answer of a load, unload, policy change or
// call. Failures go to the status line; nothing here can end the console.
func (m *model) handleResult(msg tea.Msg) tea.Cmd {
	now := m.c.now()
	switch msg := msg.(type) {
	case loadedMsg:
		op := m.ops[msg.name]
		if msg.err != nil {
			m.finish(msg.name, toneErr, fmt.Sprintf("loading %s in %s mode: %v", msg.name, msg.mode, msg.err))
			break
		}
		if op == nil {
			break
		}
		if m.modules != nil {
			m.modules[msg.name] = msg.status
			m.actions.setData(m.modules, m.stats)
		}
		state := stateOf(msg.status)
		if state.word == "READY" {
			m.finish(msg.name, toneOK, fmt.Sprintf("%s READY in %s mode after %s", msg.name, msg.mode, fmtElapsed(now.Sub(op.started))))
			break
		}
		// A remote load answers STARTING: follow it to READY.
		op.awaitReady = true
		op.mode = modeName(msg.mode)
	case unloadedMsg:
		if msg.err != nil {
			m.finish(msg.name, toneErr, fmt.Sprintf("unloading %s: %v", msg.name, msg.err))
			break
		}
		m.finish(msg.name, toneOK, msg.message)
	case policySetMsg:
		if msg.err != nil {
			m.say(toneErr, fmt.Sprintf("setting policy %s: %v", msg.name, msg.err))
			break
		}
		m.say(toneOK, msg.message)
		return m.read(readPolicy)
	case calledMsg:
		if msg.err != nil {
			m.say(toneErr, fmt.Sprintf("calling %s: %v", msg.name, msg.err))
			break
		}
		b, err := json.Marshal(msg.result)
		if err != nil {
			b = []byte(fmt.Sprint(msg.result))
		}
		m.report(toneOK, fmt.Sprintf("%s → %s", msg.name, b), prettyJSON(msg.result))
	}
	return tea.Batch(m.read(readStatus), m.startSpinner())
}

// modeName maps JSORC's alias "local" to "module".
func modeName(mode string) string {
	if mode == "local" {
		return "module"
	}
	return mode
}
