package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// promptKind says what the bottom line is being used to type.
type promptKind int

const (
	promptCommand promptKind = iota // `:` a command in the CLI's syntax
	promptFilter                    // `/` a filter of the Actions pane
	promptSearch                    // `/` a search in the open overlay (logs, output)
)

// prompt is the command line or the filter being typed. While it is open
// it has every key: global keys do not fire.
type prompt struct {
	kind promptKind
	edit lineEdit
	// history browsing: index into model.history, len = the new line.
	histPos int
	draft   string
	// candidates are the completions shown under the line; next is the
	// one a further tab inserts.
	candidates []string
	keep       string
	next       int
	// prior is the filter before this prompt opened, restored by esc.
	prior string
}

// openCommandLine opens the `:` command line.
func (m *model) openCommandLine() tea.Cmd {
	m.prompt = &prompt{kind: promptCommand, histPos: len(m.history)}
	return nil
}

// openFilter opens the `/` filter with the current filter to edit.
func (m *model) openFilter() tea.Cmd {
	p := &prompt{kind: promptFilter, prior: m.actions.filterText()}
	p.edit.set(p.prior)
	m.prompt = p
	return nil
}

// handlePromptKey edits the open prompt.
func (m *model) handlePromptKey(k tea.KeyPressMsg) tea.Cmd {
	p := m.prompt
	p.edit.setWidth(m.c.width - 2)
	switch k.String() {
	case "esc":
		if p.kind == promptFilter {
			m.actions.setFilter(parseFilter(p.prior))
		}
		if s := m.scrolled(); p.kind == promptSearch && s != nil {
			s.setSearch(p.prior)
		}
		m.prompt = nil
		return nil
	case "enter":
		m.prompt = nil
		if p.kind != promptCommand {
			return nil
		}
		return m.execute(p.edit.String())
	case "tab":
		if p.kind == promptCommand {
			m.completeLine()
		}
		return nil
	case "up", "down":
		if p.kind == promptCommand {
			m.browseHistory(k.String() == "up")
		}
		return nil
	}
	if p.edit.edit(k) {
		p.candidates = nil
		m.typed(p)
	}
	return nil
}

// typed applies what the filter or search line holds as it is typed, and
// offers the command line's completions as suggestions.
func (m *model) typed(p *prompt) {
	switch p.kind {
	case promptCommand:
		line := p.edit.String()
		keep, cands := complete(line, m.names())
		full := make([]string, 0, len(cands))
		for _, c := range cands {
			full = append(full, keep+c)
		}
		p.edit.suggest(full)
	case promptFilter:
		m.actions.setFilter(parseFilter(p.edit.String()))
	case promptSearch:
		if s := m.scrolled(); s != nil {
			s.setSearch(p.edit.String())
		}
	}
}

// handlePaste types pasted text into the open prompt.
func (m *model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	if m.prompt == nil {
		return nil
	}
	m.prompt.edit.insert(strings.ReplaceAll(msg.Content, "\n", " "))
	m.typed(m.prompt)
	return nil
}

// completeLine completes the command line's last word: a unique candidate
// is inserted, several are listed and their common prefix inserted, and
// tab again cycles through them.
func (m *model) completeLine() {
	p := m.prompt
	line := p.edit.String()
	if len(p.candidates) > 1 && strings.HasPrefix(line, p.keep) {
		p.edit.set(p.keep + p.candidates[p.next%len(p.candidates)])
		p.next++
		return
	}
	keep, cands := complete(line, m.names())
	switch len(cands) {
	case 0:
		p.candidates = nil
	case 1:
		p.edit.set(keep + cands[0] + " ")
		p.candidates = nil
	default:
		p.candidates, p.keep, p.next = cands, keep, 0
		p.edit.set(keep + commonPrefix(cands))
	}
}

// names are what completion offers: the modules, their actions, the
// policies.
func (m *model) names() names {
	n := names{policies: m.policyNow.Available}
	for name, st := range m.modules {
		n.modules = append(n.modules, name)
		for _, a := range st.Actions {
			n.actions = append(n.actions, name+"."+a)
		}
	}
	sort.Strings(n.modules)
	sort.Strings(n.actions)
	return n
}

// browseHistory steps through the command lines run before.
func (m *model) browseHistory(up bool) {
	p := m.prompt
	if len(m.history) == 0 {
		return
	}
	if p.histPos == len(m.history) {
		p.draft = p.edit.String()
	}
	if up {
		p.histPos = max(0, p.histPos-1)
	} else {
		p.histPos = min(len(m.history), p.histPos+1)
	}
	if p.histPos == len(m.history) {
		p.edit.set(p.draft)
	} else {
		p.edit.set(m.history[p.histPos])
	}
	p.candidates = nil
}

// remember adds a command line to the history, and keeps the history in
// the history file when there is one.
func (m *model) remember(line string) {
	line = strings.TrimSpace(line)
	if line == "" || (len(m.history) > 0 && m.history[len(m.history)-1] == line) {
		return
	}
	m.history = append(m.history, line)
	if len(m.history) > maxHistory {
		m.history = m.history[len(m.history)-maxHistory:]
	}
	if err := saveHistory(m.historyFile, m.history); err != nil {
		m.c.log.Warn("keeping the command history", "file", m.historyFile, "err", err)
	}
}

// maxHistory bounds the command history.
const maxHistory = 500

// loadHistory reads the command lines kept in file, oldest first ("" or
// a missing file: none).
func loadHistory(file string) ([]string, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) > maxHistory {
		out = out[len(out)-maxHistory:]
	}
	return out, nil
}

// saveHistory writes the history to file (mode 0600: a line may hold a
// call's arguments), through a temporary file so a crash leaves the old
// one whole.
func saveHistory(file string, history []string) error {
	if file == "" {
		return nil
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(history, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// promptView draws the open prompt (first line) and its completions or
// hints (second line).
func (m *model) promptView(w int) (string, string) {
	p, s := m.prompt, m.c.styles
	sigil, hint := ":", "enter run · tab complete · ↑/↓ history · esc cancel"
	if p.kind == promptFilter {
		sigil, hint = "/", "regex, case-insensitive; !x hides what matches x · enter keep · esc cancel"
		if f := parseFilter(p.edit.String()); f.literal {
			hint = "not a valid regex: matching it as plain text · " + hint
		}
	}
	if p.kind == promptSearch {
		sigil, hint = "/", "search: regex, case-insensitive · n/N next/previous match · enter keep · esc cancel"
	}
	line := s.Prompt.Render(sigil) + p.edit.view(m.c)
	if len(p.candidates) > 0 {
		var b strings.Builder
		for i, c := range p.candidates {
			if i > 0 {
				b.WriteString("  ")
			}
			if len(p.candidates) > 1 && i == (p.next-1+len(p.candidates))%len(p.candidates) && p.next > 0 {
				b.WriteString(s.Key.Render(c))
			} else {
				b.WriteString(s.Suggestion.Render(c))
			}
		}
		hint = b.String()
		return fit(line, w), fit(hint, w)
	}
	if p.kind == promptCommand && p.edit.String() == "" {
		hint = fmt.Sprintf("e.g. actions load textenc -mode remote · actionpolicy set default · graphs · q   (%s)", hint)
	}
	return fit(line, w), s.Muted.Render(fit(hint, w))
}
