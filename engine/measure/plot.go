package measure

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Point is one (x, y) point of a [Series].
type Point struct {
	X, Y float64
}

// Series is one named line of a plot, such as the latency of one policy
// over time. Points should be ordered by X; points with a NaN or infinite
// coordinate break the line.
type Series struct {
	Name   string
	Points []Point
}

// LoadStat selects the figure of a [LoadPoint] that [SeriesOf] plots.
type LoadStat int

// The figures [SeriesOf] can plot.
const (
	StatP50  LoadStat = iota // median latency, ms
	StatP99                  // 99th percentile latency, ms
	StatMean                 // mean latency, ms
	StatRate                 // completed requests per second
)

// SeriesOf turns the per-second points of a load run into a series named
// name: seconds since the start against the chosen figure. Seconds without
// completed requests are left out of latency series (they have no latency).
func SeriesOf(name string, points []LoadPoint, stat LoadStat) Series {
	s := Series{Name: name, Points: make([]Point, 0, len(points))}
	for _, p := range points {
		var y float64
		switch stat {
		case StatP50:
			y = p.P50
		case StatP99:
			y = p.P99
		case StatMean:
			y = p.Mean
		case StatRate:
			y = p.Rate
		}
		if stat != StatRate && p.Count == 0 {
			continue
		}
		s.Points = append(s.Points, Point{X: p.Elapsed, Y: y})
	}
	return s
}

// PlotOptions tune [PlotSVG]. The zero value plots latency over time.
type PlotOptions struct {
	// Title is drawn above the plot; none if empty.
	Title string
	// XLabel and YLabel name the axes with their units; defaults
	// "time (s)" and "latency (ms)".
	XLabel, YLabel string
	// Width and Height are the size of the image in pixels; defaults 800
	// and 450.
	Width, Height int
	// ZeroOff lets the Y axis start near the smallest Y rather than at zero
	// when every Y is positive.
	ZeroOff bool
}

// palette holds the colours of successive series, chosen to stay apart for
// the common forms of colour blindness.
var palette = [...]string{
	"#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7",
	"#56b4e9", "#f0e442", "#000000", "#999999", "#882255",
}

// PlotSVG draws series as a line plot in SVG to w: axes with tick labels,
// axis labels with units, a legend naming every series. It needs nothing
// but the standard library and writes a complete, standalone document. An
// empty plot (no series or no finite points) still draws its axes.
func PlotSVG(w io.Writer, series []Series, opts PlotOptions) error {
	if opts.Width <= 0 {
		opts.Width = 800
	}
	if opts.Height <= 0 {
		opts.Height = 450
	}
	if opts.XLabel == "" {
		opts.XLabel = "time (s)"
	}
	if opts.YLabel == "" {
		opts.YLabel = "latency (ms)"
	}

	// Data range.
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			if !finitePoint(p) {
				continue
			}
			x0, x1 = min(x0, p.X), max(x1, p.X)
			y0, y1 = min(y0, p.Y), max(y1, p.Y)
		}
	}
	if x0 > x1 { // no finite point
		x0, x1, y0, y1 = 0, 1, 0, 1
	}
	if !opts.ZeroOff && y0 > 0 {
		y0 = 0
	}
	xt := niceTicks(x0, x1, 8)
	yt := niceTicks(y0, y1, 6)
	x0, x1 = xt.lo, xt.hi
	y0, y1 = yt.lo, yt.hi

	// Layout.
	longest := 0
	for _, s := range series {
		longest = max(longest, len([]rune(s.Name)))
	}
	const charW, left, bottom = 7, 72, 56
	top := 20
	if opts.Title != "" {
		top = 40
	}
	legendW := 0
	if len(series) > 0 {
		legendW = 40 + charW*longest
	}
	right := 20 + legendW
	pw := max(opts.Width-left-right, 50)
	ph := max(opts.Height-top-bottom, 50)
	px := func(x float64) float64 { return float64(left) + (x-x0)/(x1-x0)*float64(pw) }
	py := func(y float64) float64 { return float64(top+ph) - (y-y0)/(y1-y0)*float64(ph) }

	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }

	p(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		opts.Width, opts.Height, opts.Width, opts.Height)
	p(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", opts.Width, opts.Height)
	if opts.Title != "" {
		p(`<text x="%d" y="24" text-anchor="middle" font-size="15" font-weight="bold">%s</text>`+"\n",
			left+pw/2, esc(opts.Title))
	}

	// Grid, ticks and tick labels.
	p(`<g stroke="#e0e0e0" stroke-width="1">` + "\n")
	for _, v := range xt.values {
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`+"\n", px(v), top, px(v), top+ph)
	}
	for _, v := range yt.values {
		p(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`+"\n", left, py(v), left+pw, py(v))
	}
	p("</g>\n")
	p(`<g fill="#333333">` + "\n")
	for _, v := range xt.values {
		p(`<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px(v), top+ph+18, xt.label(v))
	}
	for _, v := range yt.values {
		p(`<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-8, py(v)+4, yt.label(v))
	}
	p("</g>\n")

	// Axes and their labels.
	p(`<g stroke="#333333" stroke-width="1.5">`+"\n"+
		`<line x1="%d" y1="%d" x2="%d" y2="%d"/>`+"\n"+
		`<line x1="%d" y1="%d" x2="%d" y2="%d"/>`+"\n</g>\n",
		left, top+ph, left+pw, top+ph, left, top, left, top+ph)
	p(`<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", left+pw/2, top+ph+42, esc(opts.XLabel))
	p(`<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">%s</text>`+"\n",
		top+ph/2, top+ph/2, esc(opts.YLabel))

	// Lines.
	for i, s := range series {
		color := palette[i%len(palette)]
		p(`<g stroke="%s" fill="%s"><title>%s</title>`+"\n", color, color, esc(s.Name))
		for _, run := range finiteRuns(s.Points) {
			if len(run) == 1 {
				p(`<circle cx="%.1f" cy="%.1f" r="3" stroke="none"/>`+"\n", px(run[0].X), py(run[0].Y))
				continue
			}
			var b strings.Builder
			for j, q := range run {
				if j > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%.1f,%.1f", px(q.X), py(q.Y))
			}
			p(`<polyline fill="none" stroke-width="2" stroke-linejoin="round" points="%s"/>`+"\n", b.String())
		}
		p("</g>\n")
	}

	// Legend.
	if len(series) > 0 {
		lx := left + pw + 16
		p(`<g font-size="12">` + "\n")
		for i, s := range series {
			color := palette[i%len(palette)]
			y := top + 10 + 18*i
			p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", lx, y, lx+20, y, color)
			p(`<text x="%d" y="%d">%s</text>`+"\n", lx+26, y+4, esc(s.Name))
		}
		p("</g>\n")
	}
	p("</svg>\n")
	return bw.Flush()
}

// finitePoint reports whether both coordinates of q are finite.
func finitePoint(q Point) bool {
	return !math.IsNaN(q.X) && !math.IsInf(q.X, 0) && !math.IsNaN(q.Y) && !math.IsInf(q.Y, 0)
}

// finiteRuns splits pts at non-finite points into runs of finite ones.
func finiteRuns(pts []Point) [][]Point {
	var runs [][]Point
	startRun := -1
	for i, q := range pts {
		switch {
		case finitePoint(q) && startRun < 0:
			startRun = i
		case !finitePoint(q) && startRun >= 0:
			runs = append(runs, pts[startRun:i])
			startRun = -1
		}
	}
	if startRun >= 0 {
		runs = append(runs, pts[startRun:])
	}
	return runs
}

// esc escapes s for use as XML character data or attribute value.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// ticks is an axis: its range, extended to whole steps, and the tick values.
type ticks struct {
	lo, hi, step float64
	values       []float64
	decimals     int
}

// niceTicks chooses about n ticks at a step of 1, 2 or 5 times a power of
// ten covering [lo, hi].
func niceTicks(lo, hi float64, n int) ticks {
	if hi <= lo { // a single value: give it some room
		d := math.Abs(lo) * 0.1
		if d == 0 {
			d = 1
		}
		nonNeg := lo >= 0
		lo, hi = lo-d, hi+d
		if nonNeg && lo < 0 {
			lo = 0
		}
	}
	raw := (hi - lo) / float64(max(n-1, 1))
	exp := math.Floor(math.Log10(raw))
	base := math.Pow(10, exp)
	step := 10 * base
	for _, m := range []float64{1, 2, 5} {
		if m*base >= raw {
			step = m * base
			break
		}
	}
	t := ticks{step: step, lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step}
	t.decimals = max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	for i := 0; ; i++ {
		v := t.lo + float64(i)*step
		if v > t.hi+step/2 {
			break
		}
		t.values = append(t.values, v)
	}
	return t
}

// label formats a tick value with the decimals its step needs.
func (t ticks) label(v float64) string {
	if math.Abs(v) < t.step/1e6 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', t.decimals, 64)
}
