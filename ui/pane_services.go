package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/jsorc/jsorc/api/types"
)

// servicesPane shows the services the engine keeps alive (redis, promon,
// db and the user's own): each one's state, process, endpoint, last probe,
// restarts and last error, under a line saying whether automation may
// start and repair them and on which backend they run.
type servicesPane struct {
	c    *common
	w, h int

	known bool
	// kept are the kept-alive services, by name; others the names of the
	// services defined but not kept alive.
	kept       []types.ServiceInfo
	others     []string
	automation bool
	tbl        *table
	// cursor is the selected kept service (l shows its log); focused is
	// set while the pane is drawn with the focus.
	cursor  int
	focused bool
	// backend is where the services run (local, kube), once the engine
	// said.
	backend string
}

// selected is the name of the selected kept service, "" when none.
func (p *servicesPane) selected() string {
	if p.cursor < 0 || p.cursor >= len(p.kept) {
		return ""
	}
	return p.kept[p.cursor].Name
}

// move selects the service d rows on.
func (p *servicesPane) move(d int) {
	p.cursor = max(0, min(len(p.kept)-1, p.cursor+d))
}

// serviceColumns are the columns of the wide layout.
func serviceColumns() []column {
	return []column{
		{title: "SERVICE", width: 12},
		{title: "STATE", width: 17},
		{title: "PID", width: 7, right: true},
		{title: "ENDPOINT", width: 21},
		{title: "LAST PROBE", width: 15},
		{title: "RESTARTS", width: 8, right: true},
		{title: "LAST ERROR", min: 12},
	}
}

// wideServices is the least inner width that shows every column: below
// it each service takes two or three lines instead, so nothing is left
// out on a narrow pane.
const wideServices = 1 + 12 + 17 + 7 + 21 + 15 + 8 + 12 + 6

func newServicesPane(c *common) *servicesPane {
	return &servicesPane{c: c, tbl: newTable(c, serviceColumns())}
}

// SetSize implements pane.
func (p *servicesPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.tbl.SetSize(max(0, w-3), max(0, h-3))
}

// setInfo takes in what the engine says of its services.
func (p *servicesPane) setInfo(info map[string]types.ServiceInfo) {
	p.known = true
	p.kept, p.others = p.kept[:0], p.others[:0]
	p.automation = false
	for name, in := range info {
		p.automation = p.automation || in.Automation
		if in.Enabled {
			if in.Name == "" {
				in.Name = name
			}
			p.kept = append(p.kept, in)
		} else {
			p.others = append(p.others, name)
		}
	}
	slices.SortFunc(p.kept, func(a, b types.ServiceInfo) int { return strings.Compare(a.Name, b.Name) })
	slices.Sort(p.others)
	p.tbl.SetRows(len(p.kept), p.rowCells)
	p.move(0)
}

// serviceState is a service's state in a word with its symbol and tone:
// like modules', never told by colour alone.
func serviceState(st types.ServiceState) moduleState {
	word := string(st)
	switch st {
	case types.ServiceReady:
		return moduleState{"●", word, toneOK, false}
	case types.ServiceStarting, types.ServiceStopping:
		return moduleState{"◌", word, toneWarn, true}
	case types.ServiceCrashed, types.ServiceNotInstalled:
		return moduleState{"✗", word, toneErr, false}
	case types.ServiceDown:
		return moduleState{"▼", word, toneErr, false}
	case types.ServiceUnknown:
		return moduleState{"?", word, toneErr, false}
	case types.ServiceObserving:
		return moduleState{"◎", word, toneMuted, false}
	case types.ServiceStopped:
		return moduleState{"○", word, toneMuted, false}
	}
	if word == "" {
		word = "unknown"
	}
	return moduleState{"?", word, toneWarn, false}
}

// probeText is when the service was last probed and how that went.
func (p *servicesPane) probeText(in types.ServiceInfo) (string, tone) {
	if in.LastProbe.IsZero() {
		return "never", toneMuted
	}
	at := in.LastProbe.In(p.c.loc).Format("15:04:05")
	if in.ProbeOK {
		return at + " ok", toneNone
	}
	return at + " failed", toneErr
}

// lastError is the service's last error on one line.
func lastError(in types.ServiceInfo) string {
	e := in.LastError
	if e == "" {
		e = in.ProbeError
	}
	e, _, _ = strings.Cut(strings.TrimSpace(e), "\n")
	return e
}

// rowCells renders service i as table cells.
func (p *servicesPane) rowCells(i int) []cell {
	in := p.kept[i]
	st := serviceState(in.State)
	pid := dash
	if in.PID > 0 {
		pid = strconv.Itoa(in.PID)
	}
	probe, probeTone := p.probeText(in)
	restartTone := toneNone
	if in.Restarts > 0 {
		restartTone = toneWarn
	}
	errText, errTone := lastError(in), toneErr
	if errText == "" {
		errText, errTone = dash, toneMuted
	}
	return []cell{
		{text: in.Name},
		{text: st.text(), tone: st.tone},
		{text: pid},
		{text: orDash(in.Endpoint)},
		{text: probe, tone: probeTone},
		{text: strconv.Itoa(in.Restarts), tone: restartTone},
		{text: errText, tone: errTone},
	}
}

// View implements pane.
func (p *servicesPane) View() string { return p.viewFramed(true) }

func (p *servicesPane) viewFramed(focused bool) string {
	iw, ih := max(0, p.w-2), max(0, p.h-2)
	p.focused = focused
	title := "Services"
	if p.known {
		title = fmt.Sprintf("Services [%d]", len(p.kept))
	}
	return p.c.frame(title, "", block(p.body(iw, ih), iw, ih), p.w, p.h, focused)
}

// summary is the first line (or lines, on a narrow pane): whether
// automation may start and repair the services, their backend, and how
// many are kept alive and ready.
func (p *servicesPane) summary(w int) string {
	s := p.c.styles
	var observed []string
	for _, in := range p.kept {
		if !in.Automation {
			observed = append(observed, in.Name)
		}
	}
	// The engine's own services (task, mail) are always run by it; say
	// "on" only when every kept service is, and name the exceptions.
	auto := s.OK.Render("automation on")
	switch {
	case len(p.kept) == 0 && !p.automation, len(p.kept) > 0 && len(observed) == len(p.kept):
		auto = s.Warn.Render("automation off") + s.Muted.Render(" (only observed)")
	case len(observed) > 0:
		auto = s.Warn.Render("automation off for "+strings.Join(observed, ", ")) + s.Muted.Render(" (only observed)")
	}
	ready := 0
	for _, in := range p.kept {
		if in.State == types.ServiceReady {
			ready++
		}
	}
	count := fmt.Sprintf("%d kept alive", len(p.kept))
	if len(p.kept) > 0 {
		count += fmt.Sprintf(", %d ready", ready)
	}
	return strings.Join(flowChips([]string{auto, s.Muted.Render("backend ") + orDash(p.backend), count}, s.Muted.Render(" · "), w), "\n")
}

func (p *servicesPane) body(w, h int) string {
	s := p.c.styles
	if !p.known {
		return s.Muted.Render(" reading the services…")
	}
	if len(p.kept) == 0 {
		defined := "none"
		if len(p.others) > 0 {
			defined = strings.Join(p.others, ", ")
		}
		msg := "No service is kept alive. Name them in META_CONFIG's keep_alive " +
			"(`jsorc config get META_CONFIG`, then `jsorc config set META_CONFIG JSON` " +
			"with \"keep_alive\": [\"redis\", …]) and apply it with `jsorc service refresh meta`. " +
			"Defined: " + defined + "."
		return p.summary(w) + "\n\n" + s.Muted.Render(indent(msg, 1, w-1))
	}
	head := p.summary(w)
	if w >= wideServices {
		return head + "\n" + p.table()
	}
	return head + "\n" + p.stacked(w, h-lineCount(head))
}

// table renders the wide layout: one row per service.
func (p *servicesPane) table() string {
	var b strings.Builder
	b.WriteString(" " + p.tbl.header())
	for i := 0; i < min(len(p.kept), p.tbl.visibleRows()); i++ {
		b.WriteString("\n ")
		b.WriteString(p.tbl.renderRow(p.rowCells(i), p.focused && i == p.cursor))
	}
	return b.String()
}

// stacked renders the narrow layout: per service its state, process,
// restarts, endpoint and last probe, flowed over as many lines as the
// width needs, then its last error if any.
func (p *servicesPane) stacked(w, h int) string {
	s := p.c.styles
	nameW := 0
	for _, in := range p.kept {
		nameW = max(nameW, widthOf(in.Name))
	}
	nameW = min(nameW, 16)
	var lines []string
	for i, in := range p.kept {
		st := serviceState(in.State)
		ink := p.c.toneInk(st.tone)
		name := s.Bold.Render(fit(in.Name, nameW))
		if p.focused && i == p.cursor {
			name = p.c.paint(inkRowSelected, fit(in.Name, nameW))
		}
		chips := []string{ink.paint(st.symbol) + " " + name + " " + ink.paint(st.word)}
		if in.PID > 0 {
			chips = append(chips, s.Muted.Render("pid ")+strconv.Itoa(in.PID))
		}
		restarts := strconv.Itoa(in.Restarts)
		if in.Restarts > 0 {
			restarts = s.Warn.Render(restarts)
		}
		chips = append(chips, s.Muted.Render("restarts ")+restarts)
		if in.Endpoint != "" {
			chips = append(chips, s.Muted.Render("endpoint ")+in.Endpoint)
		}
		probe, probeTone := p.probeText(in)
		chips = append(chips, s.Muted.Render("probe ")+p.c.toneInk(probeTone).paint(probe))
		block := flowChips(chips, s.Muted.Render(" · "), w)
		if e := lastError(in); e != "" {
			// Wrapped under its label on two lines at most, cut at a word
			// when longer (describe and the log have it whole).
			parts := strings.Split(wrapText(e, max(10, w-14)), "\n")
			if len(parts) > 2 {
				parts = parts[:2]
				last := ansi.Truncate(parts[1], max(1, w-16), "")
				if i := strings.LastIndexByte(last, ' '); i > 0 {
					last = last[:i] // at a word
				}
				parts[1] = last + " …"
			}
			for j, part := range parts {
				label := "   " + s.Muted.Render("last error ")
				if j > 0 {
					label = strings.Repeat(" ", 14)
				}
				block = append(block, fit(label+s.Err.Render(part), w))
			}
		}
		if len(lines)+len(block) > h && i > 0 {
			lines = append(lines, s.Muted.Render(fmt.Sprintf(" … %d more (a wider pane shows them in a table)", len(p.kept)-i)))
			break
		}
		lines = append(lines, block...)
	}
	return strings.Join(lines, "\n")
}

// flowChips lays chips out on lines of w cells, separated by sep: the
// first line indented by one cell, the next by three. A chip wider than a
// line is cut.
func flowChips(chips []string, sep string, w int) []string {
	var lines []string
	line := " " + chips[0]
	for _, c := range chips[1:] {
		if widthOf(line)+widthOf(sep)+widthOf(c) <= w {
			line += sep + c
			continue
		}
		lines = append(lines, fit(line, w))
		line = "   " + c
	}
	return append(lines, fit(line, w))
}
