package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jsorc/jsorc/api/types"
)

// actionsPane lists every configured module: mode, state, calls per second,
// latency and in-process memory; sortable, filterable, and with the
// selected module's detail on enter.
type actionsPane struct {
	c    *common
	w, h int

	rows  []moduleRow // every module, unsorted
	shown []int       // indices into rows, filtered and sorted
	stats types.Stats
	tbl   *table

	sortCol int
	desc    bool
	filter  filterExpr

	// detail is the open module detail, nil when the list shows.
	detail *detailView
	// spin is the spinner frame drawn for modules whose state is changing.
	spin string
	// lost is set while the engine does not answer: the rows keep what
	// was last known, but no state is claimed.
	lost bool
}

// actionColumns are the columns of the module table. The first eight sort
// with keys 1…8; the others show on wide screens.
func actionColumns() []column {
	return []column{
		{title: "MODULE", min: 12},
		{title: "MODE", width: 7},
		{title: "SERVING", width: 7},
		{title: "STATUS", width: 15},
		{title: "CALLS/S", width: 7, right: true},
		{title: "P50 MS", width: 7, right: true},
		{title: "P99 MS", width: 7, right: true},
		{title: "MEM MB", width: 6, right: true},
		{title: "CALLS", width: 9, right: true, hideBelow: 96},
		{title: "ERRORS", width: 7, right: true, hideBelow: 96},
		{title: "KIND", width: 8, hideBelow: 124},
		{title: "SIZE", width: 6, right: true, hideBelow: 124},
		{title: "PID", width: 7, right: true, hideBelow: 106},
		{title: "RESTARTS", width: 8, right: true, hideBelow: 106},
		{title: "CPU", width: 5, right: true, hideBelow: 130},
		{title: "URL", width: 23, hideBelow: 150},
	}
}

// sortLetters are the shift+letter keys that sort by each column, in
// column order (N for the module's name, ...); digits 1…9 and 0 sort by
// the first ten too. Every column sorts.
const sortLetters = "NOVSRPXMCEKZITAU"

// sortColumnOf is the column a sort key names, -1 for none.
func sortColumnOf(k string) int {
	switch {
	case len(k) == 1 && k[0] >= '1' && k[0] <= '9':
		return int(k[0] - '1')
	case k == "0":
		return 9
	case len(k) == 1:
		return strings.IndexByte(sortLetters, k[0])
	}
	return -1
}

func newActionsPane(c *common) *actionsPane {
	p := &actionsPane{c: c, tbl: newTable(c, actionColumns()), spin: "◌"}
	p.tbl.sortCol = 0
	return p
}

// SetSize implements pane.
func (p *actionsPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.tbl.SetSize(max(0, w-2), max(0, h-2))
	if p.detail != nil {
		p.detail.SetSize(max(0, w-2), max(0, h-2))
	}
}

// setData replaces the modules and their measurements, keeping the
// selection on the same module.
func (p *actionsPane) setData(status map[string]types.ActionStatus, stats types.Stats) {
	sel := p.selected()
	p.rows = buildRows(status, stats)
	p.stats = stats
	p.refresh(sel)
	if p.detail != nil {
		p.detail.setData(status[p.detail.name], stats)
	}
}

// setStats updates the measurements alone.
func (p *actionsPane) setStats(stats types.Stats) {
	p.stats = stats
	for i := range p.rows {
		p.rows[i].stats = stats.Modules[p.rows[i].name]
		p.rows[i].server = stats.Servers[p.rows[i].name]
	}
	p.refresh(p.selected())
	if p.detail != nil {
		p.detail.setStats(stats)
	}
}

// refresh filters and sorts the rows again and re-selects module sel.
func (p *actionsPane) refresh(sel string) {
	p.shown = p.shown[:0]
	for i := range p.rows {
		if p.filter.match(p.rows[i].filterText()) {
			p.shown = append(p.shown, i)
		}
	}
	slices.SortFunc(p.shown, func(a, b int) int {
		c := compareRows(&p.rows[a], &p.rows[b], p.sortCol)
		if c == 0 {
			c = strings.Compare(p.rows[a].name, p.rows[b].name)
		} else if p.desc {
			c = -c
		}
		return c
	})
	p.tbl.sortCol, p.tbl.desc = p.sortCol, p.desc
	p.tbl.SetRows(len(p.shown), p.rowCells)
	for i, idx := range p.shown {
		if p.rows[idx].name == sel {
			p.tbl.MoveTo(i)
			break
		}
	}
}

// filterText is what / matches a row against.
func (r *moduleRow) filterText() string {
	return r.name + " " + mode(r.st) + " " + r.st.Serving + " " + r.state.word
}

func compareRows(a, b *moduleRow, col int) int {
	switch col {
	case 1:
		return strings.Compare(mode(a.st), mode(b.st))
	case 2:
		return strings.Compare(a.st.Serving, b.st.Serving)
	case 3:
		return strings.Compare(a.state.word, b.state.word)
	case 4:
		return cmp.Compare(a.stats.Rate, b.stats.Rate)
	case 5:
		return cmp.Compare(a.stats.P50MS, b.stats.P50MS)
	case 6:
		return cmp.Compare(a.stats.P99MS, b.stats.P99MS)
	case 7:
		return cmp.Compare(a.memMB(), b.memMB())
	case 8:
		return cmp.Compare(a.stats.Calls, b.stats.Calls)
	case 9:
		return cmp.Compare(a.stats.Errors, b.stats.Errors)
	case 10:
		return strings.Compare(kindOf(a.st), kindOf(b.st))
	case 11:
		return cmp.Compare(a.st.Module.SizeBytes, b.st.Module.SizeBytes)
	case 12:
		return cmp.Compare(a.st.Remote.PID, b.st.Remote.PID)
	case 13:
		return cmp.Compare(a.st.Remote.Restarts, b.st.Remote.Restarts)
	case 14:
		return cmp.Compare(a.cpuCores(), b.cpuCores())
	case 15:
		return strings.Compare(a.st.Remote.URL, b.st.Remote.URL)
	}
	return strings.Compare(a.name, b.name)
}

// rowCells renders shown row i as table cells.
func (p *actionsPane) rowCells(i int) []cell {
	r := &p.rows[p.shown[i]]
	md, serving := mode(r.st), r.st.Serving
	if md == "" {
		md = dash
	}
	if serving == "" {
		serving = dash
	}
	state, stateTone := r.state.text(), r.state.tone
	switch {
	case p.lost:
		state, stateTone = "? UNKNOWN", toneMuted
	case r.state.busy:
		state = p.spin + " " + r.state.word
	}
	pid, restarts := dash, dash
	if r.st.Remote.PID > 0 {
		pid = strconv.Itoa(r.st.Remote.PID)
	}
	// A crash-looping server has no process between its restarts: its
	// restarts still show, the same figure the detail reads.
	if r.st.Remote.PID > 0 || r.st.Remote.Status != "" || r.st.Remote.Restarts > 0 {
		restarts = strconv.Itoa(r.st.Remote.Restarts)
	}
	url := r.st.Remote.URL
	if url == "" {
		url = dash
	}
	rate, p50, p99 := dash, dash, dash
	if r.stats.Calls > 0 {
		rate, p50, p99 = fmtRate(r.stats.Rate), fmtMS(r.stats.P50MS), fmtMS(r.stats.P99MS)
	}
	errTone := toneNone
	if r.stats.Errors > 0 {
		errTone = toneErr
	}
	return []cell{
		{text: r.name},
		{text: md},
		{text: serving},
		{text: state, tone: stateTone},
		{text: rate},
		{text: p50},
		{text: p99},
		{text: p.memCell(r)},
		{text: strconv.FormatUint(r.stats.Calls, 10)},
		{text: strconv.FormatUint(r.stats.Errors, 10), tone: errTone},
		{text: kindOf(r.st)},
		{text: fmtBytes(r.st.Module.SizeBytes)},
		{text: pid},
		{text: restarts},
		{text: p.cpuCell(r)},
		{text: url, tone: toneMuted},
	}
}

// unmeasured marks the MEM MB of a remote module whose pods have no
// metrics source; the frame's bottom edge says what it means.
const unmeasured = dash + "*"

// memCell is a row's MEM MB: "—*" for a remote module the engine cannot
// measure (no metrics source for its pods), not a blank that reads as
// "uses nothing".
func (p *actionsPane) memCell(r *moduleRow) string {
	if p.stats.ServersNote != "" && mode(r.st) == "remote" && r.server.MemBytes == 0 {
		return unmeasured
	}
	return fmtMB(r.memMB())
}

// cpuCell is a remote module's server's CPU in cores, as MEM MB is its
// memory; "—" in-process (its CPU is the engine's).
func (p *actionsPane) cpuCell(r *moduleRow) string {
	if p.stats.ServersNote != "" && mode(r.st) == "remote" && r.server.MemBytes == 0 {
		return unmeasured
	}
	if c := r.cpuCores(); c > 0 || (mode(r.st) == "remote" && r.server.MemBytes > 0) {
		return fmtValue(c)
	}
	return dash
}

// unmeasuredShown reports whether a shown row's MEM MB is unmeasured.
func (p *actionsPane) unmeasuredShown() bool {
	if p.stats.ServersNote == "" {
		return false
	}
	for _, i := range p.shown {
		if r := &p.rows[i]; mode(r.st) == "remote" && r.server.MemBytes == 0 {
			return true
		}
	}
	return false
}

// selected is the name of the selected module, "" when none.
func (p *actionsPane) selected() string {
	if p.detail != nil {
		return p.detail.name
	}
	if len(p.shown) == 0 {
		return ""
	}
	return p.rows[p.shown[p.tbl.cursor]].name
}

// selectedStatus is the selected module's status.
func (p *actionsPane) selectedStatus() (types.ActionStatus, bool) {
	name := p.selected()
	for i := range p.rows {
		if p.rows[i].name == name {
			return p.rows[i].st, true
		}
	}
	return types.ActionStatus{}, false
}

// selectName selects module name if it is shown.
func (p *actionsPane) selectName(name string) bool {
	for i, idx := range p.shown {
		if p.rows[idx].name == name {
			p.tbl.MoveTo(i)
			return true
		}
	}
	return false
}

func (p *actionsPane) move(d int) { p.tbl.Move(d) }
func (p *actionsPane) page(d int) { p.tbl.Move(d * p.tbl.Page()) }

// moveTo selects row i; -1 is the last.
func (p *actionsPane) moveTo(i int) {
	if i < 0 {
		i = len(p.shown) - 1
	}
	p.tbl.MoveTo(i)
}

// sortBy sorts by column col (0-based); the same column again reverses.
func (p *actionsPane) sortBy(col int) {
	if col == p.sortCol {
		p.desc = !p.desc
	} else {
		p.sortCol, p.desc = col, false
	}
	p.refresh(p.selected())
}

// setFilter applies a filter expression.
func (p *actionsPane) setFilter(f filterExpr) {
	p.filter = f
	p.refresh(p.selected())
}

func (p *actionsPane) filterText() string { return p.filter.text }

func (p *actionsPane) detailOpen() bool { return p.detail != nil }

// openDetail shows the selected module's detail.
func (p *actionsPane) openDetail() {
	st, ok := p.selectedStatus()
	if !ok {
		return
	}
	p.detail = newDetailView(p.c, p.selected())
	p.detail.SetSize(max(0, p.w-2), max(0, p.h-2))
	p.detail.setData(st, p.stats)
}

func (p *actionsPane) closeDetail() { p.detail = nil }

// title is the pane's frame title.
func (p *actionsPane) title() string {
	if p.detail != nil {
		return "Module " + p.detail.name
	}
	t := fmt.Sprintf("Actions [%d]", len(p.rows))
	if p.filter.text != "" {
		t = fmt.Sprintf("Actions [%d/%d] /%s", len(p.shown), len(p.rows), p.filter.text)
	}
	return t
}

// setLost marks the engine unreachable (or reachable again).
func (p *actionsPane) setLost(lost bool) { p.lost = lost }

// info is the hint in the frame's bottom edge.
func (p *actionsPane) info() string {
	if p.lost {
		return "engine unreachable: states unknown"
	}
	if p.detail != nil {
		return "esc back"
	}
	if len(p.rows) == 0 {
		return ""
	}
	pos := fmt.Sprintf("%d of %d", min(p.tbl.cursor+1, len(p.shown)), len(p.shown))
	if p.unmeasuredShown() {
		return unmeasured + " no metrics source for the pods (d says why) · " + pos
	}
	return pos
}

// viewFramed renders the pane in its frame.
func (p *actionsPane) viewFramed(focused bool) string {
	return p.c.frame(p.title(), p.info(), p.body(), p.w, p.h, focused)
}

// View implements pane.
func (p *actionsPane) View() string { return p.viewFramed(true) }

func (p *actionsPane) body() string {
	iw, ih := max(0, p.w-2), max(0, p.h-2)
	if p.detail != nil {
		return p.detail.View()
	}
	if len(p.rows) == 0 {
		return center(p.c.styles.Muted.Render("No module is configured. Configure one with `jsorc actions config NAME SOURCE`."), iw, ih)
	}
	if len(p.shown) == 0 {
		header, _, _ := strings.Cut(p.tbl.View(), "\n")
		return header + "\n" + p.c.styles.Muted.Render(fit("  nothing matches /"+p.filter.text+" (esc clears the filter)", iw))
	}
	return p.tbl.View()
}
