package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// render draws the whole screen: header, tabs, body, status line and keys
// (no keys on a compact screen), exactly width×height cells.
func (m *model) render() string {
	w, h := m.c.width, m.c.height
	if w <= 0 || h <= 0 {
		return ""
	}
	if m.layout.tooSmall() {
		return m.tooSmallView(w, h)
	}
	var b strings.Builder
	b.Grow((w + 64) * h)
	b.WriteString(m.headerView(w))
	b.WriteByte('\n')
	b.WriteString(m.tabsView(w))
	b.WriteByte('\n')
	body := m.bodyView(w, m.layout.bodyH)
	status, keys := m.footerView(w)
	b.WriteString(body)
	b.WriteByte('\n')
	b.WriteString(status)
	if m.layout.keysRow {
		b.WriteByte('\n')
		b.WriteString(keys)
	}
	return b.String()
}

// tooSmallView asks for a larger terminal.
func (m *model) tooSmallView(w, h int) string {
	s := m.c.styles
	msg := s.Warn.Render("terminal too small") + "\n" +
		s.Muted.Render(fmt.Sprintf("need %d×%d, have %d×%d", minW, minH, w, h)) + "\n" +
		s.Muted.Render("q quits")
	return center(msg, w, h)
}

// headerView is the first line: the name, the engine, its API, the policy
// and the module counts, as many as fit beside the refresh time (or a read
// failure, which always shows).
func (m *model) headerView(w int) string {
	s := m.c.styles
	loaded := 0
	for _, st := range m.modules {
		if st.RequestedMode != nil {
			loaded++
		}
	}
	field := func(label, value string) string {
		return "  " + m.c.paint(inkHeaderLabel, label) + " " + m.c.paint(inkHeaderValue, value)
	}
	// By priority: what is dropped first comes last.
	fields := []string{field("modules", fmt.Sprintf("%d, %d loaded", len(m.modules), loaded))}
	if m.readOnly {
		fields = append([]string{"  " + s.Warn.Render("read-only")}, fields...)
	}
	if on := m.measuringHeader(); on != "" {
		fields = append(fields, field("measuring", on))
	}
	if m.policyNow.Name != "" {
		fields = append(fields, field("policy", m.policyNow.Name))
	}
	fields = append(fields, m.whereFields(field)...)
	if m.apiAddr != "" {
		fields = append(fields, field("API", m.apiAddr))
	}
	fields = append(fields, field("engine", m.engine))

	var right string
	switch {
	case m.lost():
		right = s.Err.Render("✗ engine unreachable since " + m.link.lostAt.In(m.c.loc).Format("15:04:05") + " · retrying")
	case m.readErr != nil:
		right = s.Err.Render("✗ " + m.readErr.Error())
	case !m.readAt.IsZero():
		right = s.Muted.Render("⟳ " + m.readAt.In(m.c.loc).Format("15:04:05"))
	default:
		right = s.Muted.Render("connecting…")
	}
	name := s.AppName.Render("jsorc")
	room := w - widthOf(name) - widthOf(right) - 1
	if room < 0 {
		return fit(name+" "+right, w)
	}
	// Keep the fields that fit, in their display order.
	keep := len(fields)
	for keep > 0 {
		used := 0
		for _, f := range fields[:keep] {
			used += widthOf(f)
		}
		if used <= room {
			break
		}
		keep--
	}
	// Show them engine first, as read left to right.
	line := name
	for i := len(fields) - 1; i >= 0; i-- {
		if i < keep {
			line += fields[i]
		}
	}
	return line + strings.Repeat(" ", max(1, w-widthOf(line)-widthOf(right))) + right
}

// tabsView names the panes and marks the focused one.
func (m *model) tabsView(w int) string {
	s := m.c.styles
	var b strings.Builder
	for p := paneID(0); p < paneCount; p++ {
		label := p.String()
		if p == m.focus {
			b.WriteString(m.c.paint(inkTabActive, label))
		} else {
			b.WriteString(m.c.paint(inkTab, label))
		}
	}
	hint := s.Muted.Render("tab/←→ switch")
	line := b.String()
	if widthOf(line)+widthOf(hint)+1 <= w {
		line += strings.Repeat(" ", w-widthOf(line)-widthOf(hint)) + hint
	}
	return fit(line, w)
}

// bodyView draws the panes (the dashboard's, or the focused one), or the
// help screen, with a dialog on top.
func (m *model) bodyView(w, h int) string {
	var body string
	switch {
	case m.showHelp:
		body = m.help.view(m.activeKeys(), m.helpTitle(), w, h)
	case m.overlay != overlayNone:
		body = m.overlayView()
	case m.showsAlone():
		body = m.paneView(m.focus)
	default:
		body = m.dashboardView()
	}
	if m.form != nil {
		body = overlay(body, m.form.view(m.c, w), w, h)
	}
	if m.dialog != nil {
		body = overlay(body, m.dialog.view(m.c, w), w, h)
	}
	return body
}

// dashboardView draws the dashboard's panes band by band (see
// computeLayout).
func (m *model) dashboardView() string {
	bands := make([]string, 0, len(m.layout.dash))
	for _, row := range m.layout.dash {
		band := ""
		for i, p := range row {
			if i == 0 {
				band = m.paneView(p)
				continue
			}
			band = hjoin(band, "", m.paneView(p))
		}
		bands = append(bands, band)
	}
	return strings.Join(bands, "\n")
}

// footerView is the status line (or the open prompt) and the keys line.
func (m *model) footerView(w int) (string, string) {
	if m.prompt != nil {
		return m.promptView(w)
	}
	s := m.c.styles
	var status string
	if ops := m.activeOps(); len(ops) > 0 {
		status = s.Warn.Render(m.spinner.View() + " " + ops[0].describe(m.c.now()))
		if len(ops) > 1 {
			status += s.Muted.Render(fmt.Sprintf("  (+%d more)", len(ops)-1))
		}
		if m.status.text != "" {
			status += s.Muted.Render("  · ")
			status += m.c.toneStyle(m.status.tone).Render(cutAtWord(m.status.text, w-widthOf(status)-widthOf(outputHint)))
		}
	} else if m.status.text != "" {
		text := m.statusSymbol() + m.status.text
		if widthOf(text) > w {
			text = cutAtWord(text, w-widthOf(outputHint))
		}
		status = m.c.toneStyle(m.status.tone).Render(text)
	} else if ev, ok := m.eventsPane.latest(); ok {
		status = s.Muted.Render(eventLine(ev, m.c.loc))
	}
	if more := m.c.styles.Muted.Render(outputHint); strings.HasSuffix(ansi.Strip(status), "…") {
		// Cut at a word: the whole message is in the output history.
		status += more
	} else if widthOf(status) > w && w > 30 {
		status = fit(status, w-widthOf(more)) + more
	}
	return fit(status, w), m.shortHelp(w)
}

// outputHint follows a message cut on the status line: the output pane
// holds it whole.
const outputHint = " (o: output)"

// statusSymbol prefixes a message with what kind it is, so the kind never
// hangs on colour alone.
func (m *model) statusSymbol() string { return toneSymbol(m.status.tone) }

// shortHelp is the one-line list of the main keys that apply here: the
// pane's own first, then the general ones, as many as fit. Unlike bubbles'
// help.ShortHelpView, which stops at the first key that does not fit, it
// skips that one and packs the shorter ones after it, so a narrow screen
// shows as many keys as fit.
func (m *model) shortHelp(w int) string {
	keys := m.activeKeys()
	var items []keyAction
	for _, g := range []string{groupView, groupPane, groupGeneral} {
		for _, k := range keys {
			if k.short && k.group == g {
				items = append(items, k)
			}
		}
	}
	var b strings.Builder
	used := 0
	for _, k := range items {
		hk := k.binding.Help()
		iw := widthOf(hk.Key) + 1 + widthOf(hk.Desc)
		sep := 0
		if used > 0 {
			sep = 2
		}
		if used+sep+iw > w {
			continue
		}
		if sep > 0 {
			b.WriteString("  ")
		}
		b.WriteString(m.c.paint(inkKey, hk.Key) + " " + m.c.paint(inkKeyDesc, hk.Desc))
		used += sep + iw
	}
	return fit(b.String(), w)
}

// overlay draws box centred over body (w×h), line by line.
func overlay(body, box string, w, h int) string {
	lines := strings.Split(body, "\n")
	bl := strings.Split(box, "\n")
	bw := 0
	for _, l := range bl {
		bw = max(bw, widthOf(l))
	}
	x := max(0, (w-bw)/2)
	y := max(0, (h-len(bl))/2)
	for i, l := range bl {
		j := y + i
		if j >= len(lines) {
			break
		}
		under := lines[j]
		left := ansi.Truncate(under, x, "")
		right := ansi.TruncateLeft(under, x+bw, "")
		lines[j] = left + fit(l, bw) + right
	}
	return strings.Join(lines, "\n")
}
