package ui

// The screen sizes the console lays out for. From fullW×fullH it has a
// header, a tab bar, the body, a status line and a line of keys; from
// dashW×dashH the body is the dashboard (every pane that matters at once);
// between minW×minH and fullW×fullH it is compact (no line of keys; ? lists
// them); below minW×minH it says the terminal is too small.
const (
	fullW, fullH = 80, 24
	dashW, dashH = 120, 40
	minW, minH   = 50, 10
)

// Rows the header (title, tabs) and the footer (status, keys) take.
const (
	headerRows = 2
	footerRows = 2
)

// screenKind is how the screen is laid out.
type screenKind uint8

const (
	screenTooSmall screenKind = iota
	// screenCompact: header, tabs, the focused pane, the status line.
	screenCompact
	// screenTabs: header, tabs, the focused pane, status and keys.
	screenTabs
	// screenDashboard: header, tabs, every pane of the dashboard, status
	// and keys.
	screenDashboard
)

// size is a pane's size on the screen.
type size struct{ w, h int }

// layout is how large each pane is on a screen of w×h (dashboardView
// places them). A pane not on the dashboard takes the whole body when it
// has the focus.
type layout struct {
	kind  screenKind
	bodyH int
	// keysRow says whether the footer has the line of keys.
	keysRow bool
	panes   [paneCount]size
	// onDash marks the panes the dashboard shows; dash holds them row by
	// row, left to right.
	onDash [paneCount]bool
	dash   [][]paneID
	// detail says whether a module's description was open when laid out:
	// on the dashboard it takes more room than the table.
	detail bool
}

// tooSmall reports a screen the console cannot lay out.
func (l layout) tooSmall() bool { return l.kind == screenTooSmall }

// dashboard reports the dashboard layout.
func (l layout) dashboard() bool { return l.kind == screenDashboard }

// computeLayout places the panes.
//
// The dashboard has three bands: the module table across the whole width;
// the four graphs; and the policy (its latest decisions), the services and
// the events side by side, with the benchmark beside them from
// dashWideW columns. Panes off the dashboard (the benchmark when narrow)
// take the whole body when focused, as in the tabbed layout. The table
// takes at most two fifths of the body, and no more than its rows need
// (rows modules), leaving the rest to the panes below.
func computeLayout(w, h, rows int) layout {
	var l layout
	switch {
	case w < minW || h < minH:
		return l
	case w < fullW || h < fullH:
		l.kind = screenCompact
		l.bodyH = h - headerRows - 1
	case w < dashW || h < dashH:
		l.kind, l.keysRow = screenTabs, true
		l.bodyH = h - headerRows - footerRows
	default:
		l.kind, l.keysRow = screenDashboard, true
		l.bodyH = h - headerRows - footerRows
	}
	for p := range l.panes {
		l.panes[p] = size{w, l.bodyH}
	}
	if l.kind != screenDashboard {
		if w >= sideBySideW {
			// Wide but short (a 160×23 split): the table and the graphs
			// side by side.
			left := w * 11 / 20
			l.dash = [][]paneID{{paneActions, paneGraphs}}
			l.panes[paneActions] = size{left, l.bodyH}
			l.panes[paneGraphs] = size{w - left, l.bodyH}
			l.onDash[paneActions], l.onDash[paneGraphs] = true, true
		}
		return l
	}
	actH := min(l.bodyH*2/5, max(8, rows+3)) // frame and header: 3 rows
	graphH := (l.bodyH - actH) * 11 / 20
	lowH := l.bodyH - actH - graphH
	low := []paneID{panePolicy, paneServices, paneEvents}
	if w >= dashWideW {
		low = append(low, paneBenchmark)
	}
	l.dash = [][]paneID{{paneActions}, {paneGraphs}, low}
	l.panes[paneActions] = size{w, actH}
	l.panes[paneGraphs] = size{w, graphH}
	for i, p := range low {
		l.panes[p] = size{share(w, len(low), i), lowH}
	}
	for _, row := range l.dash {
		for _, p := range row {
			l.onDash[p] = true
		}
	}
	return l
}

// dashWideW is the width from which the dashboard shows the benchmark too.
const dashWideW = 180

// sideBySideW is the width from which a screen too short for the dashboard
// shows the module table and the graphs side by side.
const sideBySideW = 140

// share is the width of part i of w split into n parts, the remainder
// going to the first ones.
func share(w, n, i int) int {
	s := w / n
	if i < w%n {
		s++
	}
	return s
}

// resize lays the screen out again for a new size.
func (m *model) resize(w, h int) {
	m.c.width, m.c.height = w, h
	rows := len(m.modules)
	if m.actions.detailOpen() {
		rows = h // a module's description takes the table's whole share
	}
	m.layout = computeLayout(w, h, rows)
	m.layout.detail = m.actions.detailOpen()
	if m.layout.tooSmall() {
		return
	}
	for p, r := range m.layout.panes {
		m.pane(paneID(p)).SetSize(r.w, r.h)
	}
	m.sizeOverlays()
}

// showsAlone reports whether the body shows only the focused pane: a pane
// the layout does not place (all of them in the narrow tabbed and compact
// layouts).
func (m *model) showsAlone() bool {
	return len(m.layout.dash) == 0 || !m.layout.onDash[m.focus]
}

// pane returns the pane with id p.
func (m *model) pane(p paneID) pane {
	switch p {
	case paneServices:
		return m.services
	case panePolicy:
		return m.policy
	case paneGraphs:
		return m.graphs
	case paneBenchmark:
		return m.bench
	case paneEvents:
		return m.eventsPane
	}
	return m.actions
}

// paneView renders pane p in its frame, highlighted when it has the focus.
func (m *model) paneView(p paneID) string {
	focused := p == m.focus
	switch p {
	case paneServices:
		return m.services.viewFramed(focused)
	case panePolicy:
		return m.policy.viewFramed(focused)
	case paneGraphs:
		return m.graphs.viewFramed(focused)
	case paneBenchmark:
		return m.bench.viewFramed(focused)
	case paneEvents:
		return m.eventsPane.viewFramed(focused)
	}
	return m.actions.viewFramed(focused)
}
