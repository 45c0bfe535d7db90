package ui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/internal/verbs"
)

// execute runs a command line.
func (m *model) execute(line string) tea.Cmd {
	cmd, err := interpret(line)
	if errors.Is(err, errEmpty) {
		return nil
	}
	m.remember(line)
	if err != nil {
		m.say(toneErr, err.Error()+jsonQuoteHint(line))
		return nil
	}
	m.c.log.Info("command", "line", line)
	if m.readOnly && changes(cmd) {
		m.say(toneWarn, fmt.Sprintf("read-only console: `%s` would change the engine (run it from a shell, or open the console without --readonly)", strings.TrimSpace(line)))
		return nil
	}
	switch cmd.kind {
	case cmdGoto:
		m.showHelp = false
		return m.setFocus(cmd.pane)
	case cmdStatus:
		m.showHelp = false
		m.setFocus(paneActions)
		if cmd.name == "" {
			m.actions.closeDetail()
			return m.read(readStatus)
		}
		if !m.showModule(cmd.name) {
			return nil
		}
		m.actions.openDetail()
	case cmdLoad:
		if cmd.mode == "" {
			if !m.showModule(cmd.name) {
				return nil
			}
			return m.openLoadDialog()
		}
		return m.startLoad(cmd.name, cmd.mode)
	case cmdUnload:
		return m.startUnload(cmd.name, cmd.mode, cmd.retire)
	case cmdCall:
		m.say(toneNone, "calling "+cmd.name+"…")
		return m.fetch.call(cmd.name, cmd.args)
	case cmdPolicySet:
		return m.fetch.setPolicy(cmd.name, cmd.args)
	case cmdHelp:
		m.showHelp = true
	case cmdQuit:
		return m.quit()
	case cmdLogs:
		m.showHelp = false
		return m.openLogs(cmd.name, cmd.mode)
	case cmdMeasure:
		return m.measure(cmd.name, cmd.verb)
	case cmdSay:
		m.say(toneWarn, cmd.text)
	case cmdRun:
		m.say(toneNone, "running "+cmd.path+"…")
		return m.fetch.run(cmd.path, cmd.in)
	}
	return nil
}

// jsonQuoteHint explains a JSON flag (-ctx, -params) given without
// quotes: the line is split at blanks as a shell splits it, so an object
// with a blank in it falls apart into words.
func jsonQuoteHint(line string) string {
	for _, flag := range []string{"-ctx", "-params"} {
		i := strings.Index(line, flag)
		if i < 0 {
			continue
		}
		rest := strings.TrimLeft(line[i+len(flag):], " =")
		if strings.HasPrefix(rest, "{") || strings.HasPrefix(rest, "[") {
			return fmt.Sprintf(" — hint: the line is split at blanks as a shell splits it, so JSON with a blank in it falls apart; put it in single quotes: %s '{\"value\": 1}'", flag)
		}
	}
	return ""
}

// changes reports whether a command would change the engine (or run an
// action): what a read-only console refuses.
func changes(cmd command) bool {
	switch cmd.kind {
	case cmdLoad, cmdUnload, cmdCall, cmdPolicySet:
		return true
	case cmdMeasure:
		return cmd.verb != "report"
	case cmdRun:
		v, _ := verbs.Find(verbs.All(), strings.Fields(cmd.path))
		return v == nil || !types.IsRead(v.Endpoint)
	}
	return false
}

// showModule selects module name in the Actions pane, clearing a filter
// that hides it; it reports failure on the status line.
func (m *model) showModule(name string) bool {
	if _, ok := m.modules[name]; !ok {
		m.say(toneErr, fmt.Sprintf("module %q is not configured (configure it with `jsorc actions config %s SOURCE`)", name, name))
		return false
	}
	m.setFocus(paneActions)
	m.actions.closeDetail()
	if !m.actions.selectName(name) {
		m.actions.setFilter(parseFilter(""))
		m.actions.selectName(name)
	}
	return true
}
