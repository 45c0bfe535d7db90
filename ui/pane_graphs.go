package ui

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/jsorc/jsorc/api/types"
)

// graphWindows are the time windows the Graphs pane offers (+ and -):
// the engine keeps an hour at 10 s and six at 1 min (types.HistorySpans).
func graphWindows() []time.Duration {
	return []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
		30 * time.Minute, time.Hour, 6 * time.Hour}
}

// defaultWindow is the index of the window the pane starts with.
const defaultWindow = 1

// graphsPane draws live CPU, memory, latency and call-rate graphs over a
// time window, with axes and units, sized to the pane: of the whole
// engine, or of one module (the one whose detail is open). The history
// comes from the engine (jsorc_history), so it is as long as the engine
// keeps it whenever the console started; each refresh adds the newest
// points. Its body is cached and drawn again only when the points, the
// size or the window change.
type graphsPane struct {
	c    *common
	w, h int
	// engine is the whole engine's history, oldest first.
	engine []types.Sample
	// module is the module shown ("" the engine), modPts its history and
	// modInProcess whether it runs in-process (its CPU and memory are the
	// engine's).
	module       string
	modPts       []types.Sample
	modInProcess bool
	window       int
	cache        string
	dirty        bool
	// sysInfo says whether tracksys runs and its source, "" when not.
	sysInfo string
	// podsNote says why the action servers that run as pods have no CPU
	// or memory figures ("no metrics source: ..."), "" when they have.
	podsNote string
}

func newGraphsPane(c *common) *graphsPane {
	return &graphsPane{c: c, window: defaultWindow, dirty: true}
}

// SetSize implements pane.
func (p *graphsPane) SetSize(w, h int) {
	if w != p.w || h != p.h {
		p.w, p.h, p.dirty = w, h, true
	}
}

// keepFor is how long the pane keeps points: its longest window.
func keepFor() time.Duration { return graphWindows()[len(graphWindows())-1] }

// setHistory installs a history read from the engine for module ("" the
// engine). Points the pane holds from before the engine's oldest one (an
// engine restarted under an attached console) are kept.
func (p *graphsPane) setHistory(module string, pts []types.Sample) {
	if module != p.module && module != "" {
		return // read for a module no longer shown
	}
	cur := &p.engine
	if module != "" {
		cur = &p.modPts
	}
	if len(pts) == 0 {
		return // an engine that just started: what is held stays
	}
	var older []types.Sample
	first := pts[0].TS
	for _, q := range *cur {
		if q.TS.Before(first) {
			older = append(older, q)
		}
	}
	*cur = trimPoints(append(older, pts...))
	p.dirty = true
}

// addSamples appends the points newer than the newest held, for module
// ("" the engine).
func (p *graphsPane) addSamples(module string, pts []types.Sample) {
	if module != p.module && module != "" {
		return
	}
	cur := &p.engine
	if module != "" {
		cur = &p.modPts
	}
	last := lastTS(*cur)
	for _, q := range pts {
		if q.TS.After(last) {
			*cur = append(*cur, q)
			last = q.TS
			p.dirty = true
		}
	}
	*cur = trimPoints(*cur)
}

// lastTS is the time of the newest point, zero when there is none.
func lastTS(pts []types.Sample) time.Time {
	if len(pts) == 0 {
		return time.Time{}
	}
	return pts[len(pts)-1].TS
}

// trimPoints drops the points older than the longest window.
func trimPoints(pts []types.Sample) []types.Sample {
	if len(pts) == 0 {
		return pts
	}
	cut := pts[len(pts)-1].TS.Add(-keepFor())
	i := 0
	for i < len(pts) && pts[i].TS.Before(cut) {
		i++
	}
	if i == 0 {
		return pts
	}
	return append(pts[:0], pts[i:]...)
}

// setSubject shows module's graphs ("" the engine's); it reports whether
// the subject changed, so its history must be read.
func (p *graphsPane) setSubject(module string, inProcess bool) bool {
	p.modInProcess = inProcess
	if module == p.module {
		return false
	}
	p.module, p.modPts, p.dirty = module, nil, true
	return true
}

// points is the history of the subject.
func (p *graphsPane) points() []types.Sample {
	if p.module != "" {
		return p.modPts
	}
	return p.engine
}

// setPodsNote sets why the pods have no CPU or memory figures.
func (p *graphsPane) setPodsNote(note string) {
	if note != p.podsNote {
		p.podsNote, p.dirty = note, true
	}
}

// setSysInfo sets what the frame says of tracksys.
func (p *graphsPane) setSysInfo(info string) { p.sysInfo = info }

// span is the current time window.
func (p *graphsPane) span() time.Duration { return graphWindows()[p.window] }

// zoom lengthens (d > 0) or shortens the time window.
func (p *graphsPane) zoom(d int) tea.Cmd {
	p.window = max(0, min(len(graphWindows())-1, p.window+d))
	p.dirty = true
	return nil
}

// View implements pane.
func (p *graphsPane) View() string { return p.viewFramed(true) }

func (p *graphsPane) viewFramed(focused bool) string {
	if p.dirty {
		p.cache = p.body(max(0, p.w-2), max(0, p.h-2))
		p.dirty = false
	}
	info := "+/- window"
	if p.module != "" {
		info = "esc: the engine's · " + info
	}
	if p.sysInfo != "" {
		info = p.sysInfo + " · " + info
	}
	whose := "the engine"
	if p.module != "" {
		whose = "module " + p.module
	}
	return p.c.frame("Graphs · "+whose+" · last "+fmtDuration(p.span()), info, p.cache, p.w, p.h, focused)
}

// graphSpec is one graph: its title, unit and series, and whose figures
// they are and per what (its subtitle).
type graphSpec struct {
	title, unit, whose string
	legends            []string
	values             func(s types.Sample) []float64
	// peak marks the series whose points merge by their largest value
	// (p99) rather than their mean.
	peak []bool
	// sys marks CPU and memory, which need a system sampler.
	sys bool
	// zeroGaps draws a column without points as 0 once the series began
	// (a module's calls: no point means no call).
	zeroGaps bool
	// floor is the least top of the y axis, so a flat zero line is drawn
	// at the bottom rather than in the middle.
	floor float64
}

// graphSpecs are the graphs of the engine (module "") or of one module,
// each saying whose figures they are and per what: CPU, memory, the
// latency per action call and the calls, and for the engine the latency
// per app request (one run of an app, what the policies optimise).
func graphSpecs(module string) []graphSpec {
	sys, calls, latency := "engine + all action servers", "all actions, engine-wide", "all actions, per call"
	if module != "" {
		sys, calls, latency = module+"'s action server", module+"'s actions", module+"'s actions, per call"
	}
	specs := []graphSpec{
		{title: "CPU", unit: "cores", whose: sys, sys: true, floor: 0.25,
			values: func(s types.Sample) []float64 { return []float64{s.CPUCores} }},
		{title: "Memory", unit: "MB", whose: sys, sys: true, floor: 10,
			values: func(s types.Sample) []float64 { return []float64{float64(s.MemBytes) / (1 << 20)} }},
		{title: "Call latency", unit: "ms", whose: latency, legends: []string{"p50", "p99"}, floor: 1,
			peak:   []bool{false, true},
			values: func(s types.Sample) []float64 { return []float64{s.P50MS, s.P99MS} }},
		{title: "Calls", unit: "calls/s", whose: calls, floor: 1, zeroGaps: module != "",
			values: func(s types.Sample) []float64 { return []float64{s.Rate} }},
	}
	if module == "" {
		specs = append(specs, graphSpec{title: "Request latency", unit: "ms", whose: "all apps, per request (one app run)",
			legends: []string{"p50", "p99"}, floor: 1, peak: []bool{false, true},
			values: func(s types.Sample) []float64 { return []float64{s.ReqP50MS, s.ReqP99MS} }})
	}
	return specs
}

// body lays the graphs out in one row when wide, else in rows of three
// or two, or stacked when narrow; a last row with fewer graphs shares the
// width among them.
func (p *graphsPane) body(w, h int) string {
	specs := graphSpecs(p.module)
	n := len(specs)
	cols := 1
	switch {
	case w >= n*36 || (w >= n*24 && h < 16):
		cols = n
	case n > 4 && w >= 3*36:
		cols = 3
	case w >= 76:
		cols = 2
	}
	rows := (n + cols - 1) / cols
	var out []string
	for r := 0; r < rows; r++ {
		cellH := h / rows
		if r == rows-1 {
			cellH = h - cellH*(rows-1)
		}
		k := min(cols, n-r*cols) // graphs in this row
		widths := make([]int, k)
		cellW := (w - (k - 1)) / k
		for c := range widths {
			widths[c] = cellW
		}
		widths[k-1] = w - cellW*(k-1) - (k - 1)
		cells := make([][]string, k)
		for c := range cells {
			cells[c] = strings.Split(p.graph(specs[r*cols+c], widths[c], cellH), "\n")
		}
		for l := 0; l < cellH; l++ {
			var line strings.Builder
			for c := range cells {
				if c > 0 {
					line.WriteByte(' ')
				}
				s := ""
				if l < len(cells[c]) {
					s = cells[c][l]
				}
				line.WriteString(fit(s, widths[c]))
			}
			out = append(out, line.String())
		}
	}
	return strings.Join(out, "\n")
}

// now is the time at the right edge of the graphs: the newest point of
// the engine or of the subject.
func (p *graphsPane) now() time.Time {
	t := lastTS(p.engine)
	if m := lastTS(p.modPts); m.After(t) {
		t = m
	}
	return t
}

// maxPointStep bounds how long before its time a point is drawn: a point
// stands for the interval since the one before it (1 s, 10 s, 1 min), but
// not across a gap in the history.
const maxPointStep = time.Minute

// plotColumns spreads the points over cols columns of the window ending
// at now: each point covers the columns of the interval it stands for;
// a column takes the mean of its points (the largest for peak series),
// NaN when none covers it. last is the newest point's values.
func plotColumns(pts []types.Sample, g graphSpec, cols int, span time.Duration, now time.Time) (data [][]float64, last []float64) {
	start := now.Add(-span)
	colDur := float64(span) / float64(cols)
	var sum [][]float64
	var cnt []int
	prev := time.Time{}
	for i := range pts {
		smp := &pts[i]
		ts := smp.TS
		step := ts.Sub(prev)
		prev = ts
		if i == 0 || step <= 0 || step > maxPointStep {
			step = types.SampleInterval
		}
		if g.sys && smp.SysSource == "" {
			continue
		}
		if !ts.After(start) || ts.After(now) {
			continue
		}
		vals := g.values(*smp)
		if sum == nil {
			sum = make([][]float64, len(vals))
			for k := range sum {
				sum[k] = make([]float64, cols)
			}
			cnt = make([]int, cols)
		}
		c0 := int(float64(ts.Add(-step).Sub(start)) / colDur)
		c1 := int(math.Ceil(float64(ts.Sub(start))/colDur)) - 1
		c0, c1 = max(0, c0), min(cols-1, max(c1, c0))
		for c := c0; c <= c1; c++ {
			for k, v := range vals {
				if k < len(g.peak) && g.peak[k] {
					sum[k][c] = max(sum[k][c], v)
				} else {
					sum[k][c] += v
				}
			}
			cnt[c]++
		}
		last = vals
	}
	if sum == nil {
		return nil, nil
	}
	began := false
	for c := 0; c < cols; c++ {
		began = began || cnt[c] > 0
		for k := range sum {
			switch {
			case cnt[c] == 0 && g.zeroGaps && began:
				sum[k][c] = 0
			case cnt[c] == 0:
				sum[k][c] = math.NaN()
			case k >= len(g.peak) || !g.peak[k]:
				sum[k][c] /= float64(cnt[c])
			}
		}
	}
	return sum, last
}

// yLabelWidth is the width of the y axis labels.
const yLabelWidth = 6

// graph draws one graph in w×h cells: a title line, the plot, and the time
// axis.
func (p *graphsPane) graph(g graphSpec, w, h int) string {
	s := p.c.styles
	span := p.span()
	plotW := max(1, w-yLabelWidth-2)
	data, last := plotColumns(p.points(), g, plotW, span, p.now())
	sampled := data != nil

	title := s.Title.Render(g.title)
	whose := g.whose
	if g.sys && p.podsNote != "" && !(p.module != "" && p.modInProcess) {
		// The engine's figure leaves the pods out, a module's pods have
		// none: the title says so, the plot's place says why.
		whose = "no metrics source for " + whose
		if p.module == "" {
			whose = "engine only · pods: no metrics source"
		}
		if h < 6 {
			title += s.Muted.Render(" · no metrics source")
		}
	}
	// The legend's figures matter more than the unit on the title line:
	// where both do not fit, the unit moves to the line below, then the
	// legend's gaps narrow, before anything is cut.
	legend := func(gap string) string {
		var b strings.Builder
		for k, name := range g.legends {
			mark := "─"
			if k > 0 {
				mark = "•"
			}
			if !s.Plain {
				mark = lipgloss.NewStyle().Foreground(s.Series[k%len(s.Series)]).Render(mark)
			}
			v := dash
			if sampled && k < len(last) {
				v = fmtValue(last[k])
			}
			b.WriteString(gap + mark + " " + name + " " + v)
		}
		if len(g.legends) == 0 && sampled {
			b.WriteString(gap + "now " + fmtValue(last[0]))
		}
		return b.String()
	}
	unit := s.Muted.Render(" (" + g.unit + ")")
	wide := legend("  ")
	switch {
	case w >= 36 && lipgloss.Width(title+unit+wide) <= w:
		title += unit + wide
	case lipgloss.Width(title+wide) <= w:
		whose = g.unit + " · " + whose
		title += wide
	default:
		whose = g.unit + " · " + whose
		title += legend(" ")
	}
	title = fit(title, w)
	rest := h - 1
	if h >= 6 {
		title += "\n" + s.Muted.Render(fit(whose, w))
		rest--
	}
	if rest < 2 || w < yLabelWidth+12 {
		return title
	}
	switch {
	case g.sys && !sampled && p.module != "" && p.podsNote != "" && !p.modInProcess:
		return title + "\n" + center(s.Muted.Render(wrapText(p.podsNote, w-2)), w, rest)
	case g.sys && !sampled && p.module != "" && p.modInProcess:
		return title + "\n" + center(s.Muted.Render(wrapText(p.module+" runs in-process: its CPU and memory are the engine's (esc shows the engine's graphs)", w-2)), w, rest)
	case g.sys && !sampled && p.module != "":
		return title + "\n" + center(s.Muted.Render(wrapText("no measurement of "+p.module+"'s action server yet", w-2)), w, rest)
	case g.sys && !sampled:
		return title + "\n" + center(s.Muted.Render(wrapText("not sampled yet: this engine reports no CPU or memory samples", w-2)), w, rest)
	case !sampled && p.module != "":
		return title + "\n" + center(s.Muted.Render(wrapText("no calls of "+p.module+" in the engine's history", w-2)), w, rest)
	case !sampled:
		return title + "\n" + center(s.Muted.Render("waiting for samples…"), w, rest)
	}

	axis := rest >= 5
	plotH := rest
	if axis {
		plotH -= 2
	}
	top := g.floor
	for _, series := range data {
		for _, v := range series {
			if !math.IsNaN(v) && v > top {
				top = v
			}
		}
	}
	opts := []asciigraph.Option{
		asciigraph.Height(max(1, plotH-1)),
		asciigraph.Width(plotW),
		asciigraph.Offset(2),
		asciigraph.LowerBound(0),
		asciigraph.UpperBound(top),
		asciigraph.YAxisValueFormatter(func(v float64) string { return fitRight(fmtValue(v), yLabelWidth) }),
		asciigraph.SeriesChars(asciigraph.DefaultCharSet, asciigraph.CreateCharSet("•")),
	}
	if !s.Plain {
		cols := make([]asciigraph.AnsiColor, 0, len(data))
		for k := range data {
			cols = append(cols, ansi256(s.Series[k%len(s.Series)]))
		}
		opts = append(opts, asciigraph.SeriesColors(cols...), asciigraph.AxisColor(ansi256(s.Axis)), asciigraph.LabelColor(ansi256(s.Axis)))
	}
	plot := block(asciigraph.PlotMany(data, opts...), w, plotH)
	out := title + "\n" + plot
	if axis {
		out += "\n" + p.timeAxis(plotW, span)
	}
	return out
}

// timeAxis draws the x axis under a plot of plotW columns: a line with
// ticks and, under it, how long ago each tick was.
func (p *graphsPane) timeAxis(plotW int, span time.Duration) string {
	s := p.c.styles
	ticks := max(2, min(6, (plotW+6)/12))
	pad := strings.Repeat(" ", yLabelWidth+1)
	line := []rune(strings.Repeat("─", plotW))
	labels := []rune(strings.Repeat(" ", plotW))
	free := 0 // first column a label may use
	for t := 0; t < ticks; t++ {
		col := t * (plotW - 1) / (ticks - 1)
		line[col] = '┬'
		ago := span - time.Duration(t)*span/time.Duration(ticks-1)
		text := "now"
		if ago > 0 {
			text = "-" + fmtDuration(ago.Round(time.Second))
		}
		tr := []rune(text)
		start := col - len(tr)/2
		switch t {
		case 0:
			start = col
		case ticks - 1:
			start = col - len(tr) + 1
		}
		if start < free || start+len(tr) > plotW {
			continue
		}
		copy(labels[start:], tr)
		free = start + len(tr) + 1
	}
	return s.Muted.Render(pad+"└"+string(line)) + "\n" + s.Muted.Render(pad+" "+string(labels))
}

// fmtValue formats a graph value in at most six cells. A value that
// rounds to zero is 0.00, never -0.00 (asciigraph's axis labels can be a
// hair below zero).
func fmtValue(v float64) string {
	if math.Abs(v) < 0.005 {
		v = 0
	}
	switch {
	case math.IsNaN(v):
		return dash
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// ansi256 maps a theme colour to the 256-colour index asciigraph draws with.
func ansi256(c color.Color) asciigraph.AnsiColor {
	if c == nil {
		return asciigraph.Default
	}
	idx := asciigraph.AnsiColor(ansi.Convert256(c))
	if idx == asciigraph.Default {
		return asciigraph.Black
	}
	return idx
}
