package ui

// benchmarkPane is the place of the live benchmark report (per request type
// and name: throughput, mean, p50/90/95/99) and of the last one after it
// stops. The console's Backend does not run benchmarks yet, and the pane
// says so.
type benchmarkPane struct {
	c    *common
	w, h int
}

func newBenchmarkPane(c *common) *benchmarkPane { return &benchmarkPane{c: c} }

// SetSize implements pane.
func (p *benchmarkPane) SetSize(w, h int) { p.w, p.h = w, h }

// View implements pane.
func (p *benchmarkPane) View() string { return p.viewFramed(true) }

func (p *benchmarkPane) viewFramed(focused bool) string {
	iw, ih := max(0, p.w-2), max(0, p.h-2)
	s := p.c.styles
	msg := s.Warn.Render("Benchmarks are not run from the console yet.") + "\n\n" +
		s.Muted.Render(wrapText("`jsorc benchmark start`, `report` and `stop` run one meanwhile (the console serves the API beside it). This pane will show the live report: throughput, mean, p50, p90, p95 and p99 latency per request type and name.", max(10, iw-4)))
	return p.c.frame("Benchmark", "", center(msg, iw, ih), p.w, p.h, focused)
}
