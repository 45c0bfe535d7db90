package ui

// The smallest screen the console lays out; below it, it says so.
const (
	minWidth  = 80
	minHeight = 24
)

// Rows the header (title, tabs) and the footer (status, keys) take.
const (
	headerRows = 2
	footerRows = 2
)

// gridFits reports whether the screen is large enough to show every pane
// at once; smaller screens show the focused pane and a tab bar.
func gridFits(w, h int) bool { return w >= 160 && h >= 45 }

// size is a pane's size on the screen.
type size struct{ w, h int }

// layout is how large each pane is on a screen of w×h (gridView places
// them).
type layout struct {
	tooSmall bool
	grid     bool
	bodyH    int
	panes    [paneCount]size
}

// computeLayout places the panes. In the grid, the left column holds
// Actions over Policy and Services, the right column Graphs over Benchmark.
func computeLayout(w, h int) layout {
	l := layout{tooSmall: w < minWidth || h < minHeight}
	if l.tooSmall {
		return l
	}
	l.bodyH = h - headerRows - footerRows
	if !gridFits(w, h) {
		for p := range l.panes {
			l.panes[p] = size{w, l.bodyH}
		}
		return l
	}
	l.grid = true
	leftW := w * 11 / 20
	rightW := w - leftW
	actH := l.bodyH * 3 / 5
	lowH := l.bodyH - actH
	polW := leftW / 2
	graphH := l.bodyH * 2 / 3
	l.panes[paneActions] = size{leftW, actH}
	l.panes[panePolicy] = size{polW, lowH}
	l.panes[paneServices] = size{leftW - polW, lowH}
	l.panes[paneGraphs] = size{rightW, graphH}
	l.panes[paneBenchmark] = size{rightW, l.bodyH - graphH}
	return l
}

// resize lays the screen out again for a new size.
func (m *model) resize(w, h int) {
	m.c.width, m.c.height = w, h
	m.layout = computeLayout(w, h)
	if m.layout.tooSmall {
		return
	}
	for p, r := range m.layout.panes {
		m.pane(paneID(p)).SetSize(r.w, r.h)
	}
	m.sizeOverlays()
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
	}
	return m.actions.viewFramed(focused)
}
