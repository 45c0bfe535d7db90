package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// tone is the meaning of a cell, which the theme turns into a style.
type tone uint8

const (
	toneNone tone = iota
	toneMuted
	toneOK
	toneWarn
	toneErr
)

// style returns the theme's style for a tone.
func (c *common) toneStyle(t tone) lipgloss.Style {
	switch t {
	case toneMuted:
		return c.styles.Muted
	case toneOK:
		return c.styles.OK
	case toneWarn:
		return c.styles.Warn
	case toneErr:
		return c.styles.Err
	}
	return c.styles.Row
}

// cell is one table cell: its text and its meaning.
type cell struct {
	text string
	tone tone
}

// column describes a table column.
type column struct {
	title string
	// width is the column's width; 0 makes it flexible: it takes what the
	// fixed columns leave, at least min.
	width, min int
	right      bool
	// hideBelow hides the column when the table is narrower.
	hideBelow int
}

// table draws rows of cells with a header, a selected row and scrolling.
// It renders only the rows that fit, so a long table costs what a short
// one does.
//
// Why not bubbles' table (charm.land/bubbles/v2/table), which the rest of
// the ecosystem's fingers know: its keys are the same here (↑/↓ j/k, pgup
// pgdn, g/G, and the console's own 1…8 for sorting), but as of v2.2.1
//   - a cell is a plain string drawn in one Cell style: the STATUS and
//     ERRORS columns need a tone per cell, and a string carrying its own
//     colours breaks the selected row's highlight at the first reset;
//   - columns have a title and a width only: no right-aligned numbers, no
//     column that takes the remaining width, none that hides on a narrow
//     screen (the KIND…URL columns), no sort arrow in the header;
//   - SetRows takes every row as strings: 1,000 modules are formatted on
//     each refresh, and each visible cell goes through lipgloss. Measured
//     with 1,000 modules at 200×60 (`go test -bench`, this machine): 5.9 ms
//     and 31,000 allocations per refresh, against 1.4 ms and 1,700 here
//     (statuses joined, sorted and drawn), where rows are cells made on
//     demand for the lines that show.
type table struct {
	c      *common
	cols   []column
	n      int
	row    func(i int) []cell
	cursor int
	offset int
	w, h   int
	// sortCol is the column the rows are sorted by (-1: none); desc its
	// direction. The header marks it.
	sortCol int
	desc    bool
	// widths are the laid-out widths of cols (0: hidden).
	widths []int
}

func newTable(c *common, cols []column) *table {
	return &table{c: c, cols: cols, sortCol: -1}
}

// SetSize sets the table's size: h lines including the header.
func (t *table) SetSize(w, h int) {
	t.w, t.h = w, h
	t.layout()
	t.clamp()
}

// SetRows sets the number of rows and how to get row i's cells.
func (t *table) SetRows(n int, row func(i int) []cell) {
	t.n, t.row = n, row
	t.clamp()
}

// layout computes the column widths for the table's width. Optional
// columns (hideBelow > 0) show when the table is wide enough and the
// flexible column keeps at least its min; the rightmost go first.
func (t *table) layout() {
	hidden := make([]bool, len(t.cols))
	for i, col := range t.cols {
		hidden[i] = col.hideBelow > t.w
	}
	for {
		t.widths = make([]int, len(t.cols))
		used, flex, shown := 0, -1, 0
		for i, col := range t.cols {
			if hidden[i] {
				continue
			}
			shown++
			if col.width == 0 && flex < 0 {
				flex = i
				continue
			}
			t.widths[i] = fixedWidth(col)
			used += t.widths[i]
		}
		used += max(0, shown-1) // one space between columns
		if flex < 0 {
			return
		}
		t.widths[flex] = max(t.cols[flex].min, t.w-used)
		if t.w-used >= t.cols[flex].min {
			return
		}
		drop := -1
		for i := len(t.cols) - 1; i >= 0; i-- {
			if !hidden[i] && t.cols[i].hideBelow > 0 {
				drop = i
				break
			}
		}
		if drop < 0 {
			return
		}
		hidden[drop] = true
	}
}

// fixedWidth is a fixed column's width, with room for its title and the
// sort arrow beside it, so sorting by any column shows its direction.
func fixedWidth(col column) int { return max(col.width, widthOf(col.title)+1) }

// visibleRows is how many data rows fit under the header.
func (t *table) visibleRows() int { return max(0, t.h-1) }

func (t *table) clamp() {
	if t.cursor >= t.n {
		t.cursor = t.n - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
	vis := t.visibleRows()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if vis > 0 && t.cursor >= t.offset+vis {
		t.offset = t.cursor - vis + 1
	}
	if t.offset > max(0, t.n-vis) {
		t.offset = max(0, t.n-vis)
	}
	if t.offset < 0 {
		t.offset = 0
	}
}

// Move moves the selection by d rows.
func (t *table) Move(d int) {
	t.cursor += d
	t.clamp()
}

// MoveTo selects row i.
func (t *table) MoveTo(i int) {
	t.cursor = i
	t.clamp()
}

// Page is the number of rows one page-up or page-down moves.
func (t *table) Page() int { return max(1, t.visibleRows()-1) }

// View renders the table in exactly w×h cells.
func (t *table) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow((t.w + 32) * t.h)
	b.WriteString(t.header())
	vis := t.visibleRows()
	for r := 0; r < vis; r++ {
		b.WriteByte('\n')
		i := t.offset + r
		if i >= t.n {
			b.WriteString(strings.Repeat(" ", t.w))
			continue
		}
		b.WriteString(t.renderRow(t.row(i), i == t.cursor))
	}
	return b.String()
}

func (t *table) header() string {
	var b strings.Builder
	first := true
	for i, col := range t.cols {
		w := t.widths[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		title := col.title
		if i == t.sortCol {
			if t.desc {
				title += "↓"
			} else {
				title += "↑"
			}
		}
		if col.right {
			b.WriteString(fitRight(title, w))
		} else {
			b.WriteString(fit(title, w))
		}
	}
	return t.c.paint(inkTableHeader, fit(b.String(), t.w))
}

func (t *table) renderRow(cells []cell, selected bool) string {
	var b strings.Builder
	first := true
	for i, col := range t.cols {
		w := t.widths[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		var c cell
		if i < len(cells) {
			c = cells[i]
		}
		text := fit(c.text, w)
		if col.right {
			text = fitRight(c.text, w)
		}
		if selected || c.tone == toneNone {
			b.WriteString(text)
			continue
		}
		b.WriteString(t.c.toneInk(c.tone).paint(text))
	}
	line := fit(b.String(), t.w)
	if selected {
		return t.c.paint(inkRowSelected, line)
	}
	return line
}
