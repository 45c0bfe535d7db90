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

// graphWindows are the time windows the Graphs pane offers (+ and -).
func graphWindows() []time.Duration {
	return []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}
}

// defaultWindow is the index of the window the pane starts with.
const defaultWindow = 1

// graphsPane draws live CPU, memory, latency and call-rate graphs over a
// time window, with axes and units, sized to the pane. Its body is cached
// and drawn again only when the samples, the size or the window change.
type graphsPane struct {
	c      *common
	w, h   int
	series []types.Sample
	window int
	cache  string
	dirty  bool
	// sysInfo says whether tracksys runs and its source, "" when not.
	sysInfo string
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

func (p *graphsPane) setSeries(s []types.Sample) { p.series, p.dirty = s, true }

// setSysInfo sets what the frame says of tracksys.
func (p *graphsPane) setSysInfo(info string) { p.sysInfo = info }

// span is the current time window.
func (p *graphsPane) span() time.Duration { return graphWindows()[p.window] }

// samplesWanted is how many 1 Hz samples the window needs.
func (p *graphsPane) samplesWanted() int {
	return int(graphWindows()[len(graphWindows())-1] / types.SampleInterval)
}

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
	if p.sysInfo != "" {
		info = p.sysInfo + " · " + info
	}
	return p.c.frame("Graphs · last "+fmtDuration(p.span()), info, p.cache, p.w, p.h, focused)
}

// graphSpec is one graph: its title, unit and series.
type graphSpec struct {
	title, unit string
	legends     []string
	values      func(s types.Sample) []float64
	// sys marks CPU and memory, which need a system sampler.
	sys bool
	// floor is the least top of the y axis, so a flat zero line is drawn
	// at the bottom rather than in the middle.
	floor float64
}

func graphSpecs() []graphSpec {
	return []graphSpec{
		{title: "CPU", unit: "cores", sys: true, floor: 0.25,
			values: func(s types.Sample) []float64 { return []float64{s.CPUCores} }},
		{title: "Memory", unit: "MB", sys: true, floor: 10,
			values: func(s types.Sample) []float64 { return []float64{float64(s.MemBytes) / (1 << 20)} }},
		{title: "Latency", unit: "ms", legends: []string{"p50", "p99"}, floor: 1,
			values: func(s types.Sample) []float64 { return []float64{s.P50MS, s.P99MS} }},
		{title: "Calls", unit: "calls/s", floor: 1,
			values: func(s types.Sample) []float64 { return []float64{s.Rate} }},
	}
}

// body lays the four graphs out in a 2×2 grid, or stacked when narrow.
func (p *graphsPane) body(w, h int) string {
	specs := graphSpecs()
	cols := 1
	if w >= 76 {
		cols = 2
	}
	rows := (len(specs) + cols - 1) / cols
	cellW := (w - (cols - 1)) / cols
	var out []string
	for r := 0; r < rows; r++ {
		cellH := h / rows
		if r == rows-1 {
			cellH = h - cellH*(rows-1)
		}
		cells := make([][]string, cols)
		for c := 0; c < cols; c++ {
			i := r*cols + c
			gw := cellW
			if c == cols-1 {
				gw = w - cellW*(cols-1) - (cols - 1)
			}
			if i < len(specs) {
				cells[c] = strings.Split(p.graph(specs[i], gw, cellH), "\n")
			}
		}
		for l := 0; l < cellH; l++ {
			var line strings.Builder
			for c := 0; c < cols; c++ {
				gw := cellW
				if c == cols-1 {
					gw = w - cellW*(cols-1) - (cols - 1)
				}
				if c > 0 {
					line.WriteByte(' ')
				}
				s := ""
				if l < len(cells[c]) {
					s = cells[c][l]
				}
				line.WriteString(fit(s, gw))
			}
			out = append(out, line.String())
		}
	}
	return strings.Join(out, "\n")
}

// yLabelWidth is the width of the y axis labels.
const yLabelWidth = 6

// graph draws one graph in w×h cells: a title line, the plot, and the time
// axis.
func (p *graphsPane) graph(g graphSpec, w, h int) string {
	s := p.c.styles
	span := p.span()
	pts := int(span / types.SampleInterval)
	data := make([][]float64, 0, 2)
	sampled := false
	var now time.Time
	if n := len(p.series); n > 0 {
		now = p.series[n-1].TS
	}
	var last []float64
	for i := range p.series {
		smp := p.series[i]
		if g.sys && smp.SysSource == "" {
			continue
		}
		age := int(math.Round(now.Sub(smp.TS).Seconds()))
		if age < 0 || age >= pts {
			continue
		}
		vals := g.values(smp)
		for len(data) < len(vals) {
			series := make([]float64, pts)
			for j := range series {
				series[j] = math.NaN()
			}
			data = append(data, series)
		}
		for k, v := range vals {
			data[k][pts-1-age] = v
		}
		last, sampled = vals, true
	}

	title := s.Title.Render(g.title) + s.Muted.Render(" ("+g.unit+")")
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
		title += "  " + mark + " " + name + " " + v
	}
	if len(g.legends) == 0 && sampled {
		title += "  now " + fmtValue(last[0])
	}
	if h < 3 || w < yLabelWidth+12 {
		return title
	}
	switch {
	case g.sys && !sampled:
		return title + "\n" + center(s.Muted.Render(wrapText("not sampled yet: this engine reports no CPU or memory samples", w-2)), w, h-1)
	case !sampled:
		return title + "\n" + center(s.Muted.Render("waiting for samples…"), w, h-1)
	}

	plotW := w - yLabelWidth - 2
	axis := h >= 6
	plotH := h - 1
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

// fmtValue formats a graph value in at most six cells.
func fmtValue(v float64) string {
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
