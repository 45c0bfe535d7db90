package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// benchmarkPane shows the benchmark: while one runs, its live report read
// on each refresh (per request type and name, and "all": throughput, mean,
// p50, p90, p95 and p99 latency); after it stops, the last report and when
// it stopped. A running load test's progress shows above the report.
type benchmarkPane struct {
	c    *common
	w, h int

	// known is set once a read said whether a benchmark runs.
	known   bool
	running bool
	// startedAt is when the console started the running benchmark (zero
	// when it was started elsewhere); readAt when its report was read;
	// stoppedAt when it stopped, while the last report shows.
	startedAt, readAt, stoppedAt time.Time
	report                       types.Report
	rows                         []benchRow
	load                         types.LoadTestStatus

	tbl *table
}

// benchRow is one line of the report: a request type and name.
type benchRow struct {
	reqType, name string
	m             types.Metrics
}

func benchColumns() []column {
	return []column{
		{title: "TYPE", width: 11},
		{title: "NAME", min: 14},
		{title: "REQ/S", width: 7, right: true},
		{title: "MEAN MS", width: 7, right: true},
		{title: "P50 MS", width: 7, right: true},
		// On a narrow pane the names keep room and p95, then p90, go.
		{title: "P90 MS", width: 7, right: true, hideBelow: 1},
		{title: "P95 MS", width: 7, right: true, hideBelow: 1},
		{title: "P99 MS", width: 7, right: true},
	}
}

func newBenchmarkPane(c *common) *benchmarkPane {
	return &benchmarkPane{c: c, tbl: newTable(c, benchColumns())}
}

// SetSize implements pane.
func (p *benchmarkPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.tbl.SetSize(max(0, w-3), max(0, h-2))
}

// setRead takes in a read of the benchmark made at at: its live report,
// or that none runs. A benchmark that stopped elsewhere keeps its last
// report, stopped at about the time of the read.
func (p *benchmarkPane) setRead(r benchRead, at time.Time) {
	p.known = true
	if r.running {
		if !p.running {
			p.stoppedAt = time.Time{}
		}
		p.running, p.readAt = true, at
		p.setReport(r.report)
		return
	}
	if p.running {
		p.running, p.stoppedAt = false, at
	}
}

// started says the console started a benchmark at at: its report starts
// empty.
func (p *benchmarkPane) started(at time.Time) {
	p.known, p.running = true, true
	p.startedAt, p.readAt, p.stoppedAt = at, at, time.Time{}
	p.setReport(types.Report{})
}

// stopped says the benchmark stopped at at with its final report.
func (p *benchmarkPane) stopped(r types.Report, at time.Time) {
	p.known, p.running = true, false
	p.stoppedAt, p.readAt = at, at
	p.setReport(r)
}

// setLoadTest takes in the load test's progress.
func (p *benchmarkPane) setLoadTest(lt types.LoadTestStatus) { p.load = lt }

// setReport lays the report out in rows: request types in order, each
// with its aggregate first and then its names.
func (p *benchmarkPane) setReport(r types.Report) {
	p.report = r
	p.rows = p.rows[:0]
	for _, t := range sortedKeys(r) {
		names := sortedKeys(r[t])
		slices.SortStableFunc(names, func(a, b string) int {
			return cmp.Compare(boolRank(a != types.AllName), boolRank(b != types.AllName))
		})
		for _, n := range names {
			p.rows = append(p.rows, benchRow{reqType: t, name: n, m: r[t][n]})
		}
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// View implements pane.
func (p *benchmarkPane) View() string { return p.viewFramed(true) }

func (p *benchmarkPane) viewFramed(focused bool) string {
	iw, ih := max(0, p.w-2), max(0, p.h-2)
	title, info := "Benchmark", "b start"
	switch {
	case p.running && !p.startedAt.IsZero():
		title += " · running " + fmtDuration(p.c.now().Sub(p.startedAt))
		info = "b stop"
	case p.running:
		title += " · running"
		info = "b stop"
	case !p.stoppedAt.IsZero():
		title += " · stopped"
	}
	return p.c.frame(title, info, block(p.body(iw, ih), iw, ih), p.w, p.h, focused)
}

func (p *benchmarkPane) body(w, h int) string {
	s := p.c.styles
	lines := []string{p.stateLine()}
	if p.load.Running {
		lines = append(lines, "", " "+s.TableHeader.Render("LIVE LOAD TEST"))
		lines = append(lines, p.loadLines(w)...)
	}
	lines = append(lines, "")
	switch {
	case !p.running && p.stoppedAt.IsZero():
		msg := "b starts a benchmark: from then on every request is measured by type " +
			"(app runs are " + types.ReqTypeApp + ") and name, and its live report shows here: " +
			"throughput, mean, p50, p90, p95 and p99 latency. b again stops it and keeps the last report."
		lines = append(lines, s.Muted.Render(indent(msg, 1, w-1)))
	case len(p.rows) == 0:
		msg := "no request measured yet: run apps (`jsorc app run NAME`, `jsorc loadtest`) and they show here."
		if !p.running {
			msg = "the benchmark measured no request."
		}
		lines = append(lines, s.Muted.Render(indent(msg, 1, w-1)))
	default:
		lines = append(lines, p.table(h-len(lines)))
	}
	return strings.Join(lines, "\n")
}

// stateLine says whether a benchmark runs, since when, and when its
// report was read or when it stopped.
func (p *benchmarkPane) stateLine() string {
	s := p.c.styles
	clock := func(t time.Time) string { return t.In(p.c.loc).Format("15:04:05") }
	switch {
	case p.running:
		line := " " + s.OK.Render("● running")
		if !p.startedAt.IsZero() {
			line += s.Muted.Render(" since ") + clock(p.startedAt) + s.Muted.Render(" ("+fmtDuration(p.c.now().Sub(p.startedAt))+")")
		} else {
			line += s.Muted.Render(" (started elsewhere)")
		}
		return line + s.Muted.Render(" · report of ") + clock(p.readAt)
	case !p.stoppedAt.IsZero():
		return " " + s.Warn.Render("■ stopped at "+clock(p.stoppedAt)) + s.Muted.Render(" · its last report")
	case !p.known:
		return " " + s.Muted.Render("reading the benchmark…")
	}
	return " " + s.Muted.Render("○ no benchmark runs")
}

// loadLines describe the running load test: app, policy, elapsed time of
// its duration, requests, errors, and the last p50 latency.
func (p *benchmarkPane) loadLines(w int) []string {
	s := p.c.styles
	lt := p.load
	sep := s.Muted.Render(" · ")
	secs := func(x float64) time.Duration { return time.Duration(x * float64(time.Second)).Round(time.Second) }
	elapsed := fmtDuration(secs(lt.Elapsed))
	if lt.Duration > 0 {
		elapsed += s.Muted.Render(" of ") + fmtDuration(secs(lt.Duration)) +
			s.Muted.Render(fmt.Sprintf(" (%.0f%%)", min(100, 100*lt.Elapsed/lt.Duration)))
	}
	first := " " + s.Muted.Render("app ") + orDash(lt.App) + sep + s.Muted.Render("policy ") + orDash(lt.Policy) + sep + elapsed
	errs := fmt.Sprintf("%d errors", lt.Errors)
	if lt.Errors > 0 {
		errs = s.Err.Render(errs)
	}
	second := fmt.Sprintf(" %d requests", lt.Requests) + sep + errs + sep + s.Muted.Render("last p50 ") + fmtMS(lt.LastP50) + s.Muted.Render(" ms")
	if widthOf(first)+widthOf(second) <= w {
		return []string{first + sep + strings.TrimPrefix(second, " ")}
	}
	return []string{fit(first, w), fit(second, w)}
}

// table renders the report's rows in h lines at most, header included;
// a type's name is written on its first row only.
func (p *benchmarkPane) table(h int) string {
	s := p.c.styles
	if h < 2 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" " + p.tbl.header())
	n := len(p.rows)
	room := h - 1
	if n > room {
		room-- // the last line says how many more
	}
	for i := 0; i < min(n, room); i++ {
		r := p.rows[i]
		typ := r.reqType
		if i > 0 && p.rows[i-1].reqType == r.reqType {
			typ = ""
		}
		nameTone := toneNone
		if r.name == types.AllName {
			nameTone = toneMuted
		}
		b.WriteString("\n ")
		b.WriteString(p.tbl.renderRow([]cell{
			{text: typ},
			{text: r.name, tone: nameTone},
			{text: fmtThroughput(r.m.Throughput)},
			{text: fmtMS(r.m.AverageLatency)},
			{text: fmtMS(r.m.P50Latency)},
			{text: fmtMS(r.m.P90Latency)},
			{text: fmtMS(r.m.P95Latency)},
			{text: fmtMS(r.m.P99Latency)},
		}, false))
	}
	if n > room {
		b.WriteString("\n" + s.Muted.Render(fmt.Sprintf(" … %d more rows (a taller pane shows them)", n-room)))
	}
	return b.String()
}

// fmtThroughput formats requests per second with a decimal below 1000.
func fmtThroughput(r float64) string {
	switch {
	case r <= 0:
		return "0"
	case r < 1000:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.0f", r)
}
