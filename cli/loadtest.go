package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/measure"
)

func runLoadtest(ctx context.Context, r *runner, pos []string) error {
	params, err := r.params(r.verb(), pos)
	if err != nil {
		return err
	}
	c, err := r.client()
	if err != nil {
		return err
	}
	done := make(chan struct{})
	go r.showLoadtestProgress(ctx, c, done)
	raw, err := r.call(ctx, types.LoadTest.Name(), params)
	close(done)
	if err != nil {
		return err
	}
	var ans types.LoadTestAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("decoding the load test answer: %w", err)
	}
	runs := ans.Result
	if plot := r.o.vals["plot"]; plot != "" {
		if err := writePlot(plot, runs); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stderr, "plot written to %s\n", plot)
	}
	if r.o.output == "json" {
		return nil
	}
	t := newTable("APP", "POLICY", "REQUESTS", "ERRORS", "REQ/S", "MEAN ms", "P50 ms", "P99 ms", "FINAL PLACEMENT")
	for _, app := range sortedNames(runs) {
		for _, pol := range sortedNames(runs[app]) {
			run := runs[app][pol]
			m := run.WalkerLevel[types.ReqTypeApp][app]
			t.row(app, pol, fmt.Sprint(run.Requests), fmt.Sprint(run.Errors), fmt.Sprintf("%.1f", m.Throughput),
				fmt.Sprintf("%.2f", run.MeanMS), fmt.Sprintf("%.2f", m.P50Latency), fmt.Sprintf("%.2f", m.P99Latency), placementText(run.Placement))
		}
	}
	t.print(r.env.Stdout)
	return nil
}

// showLoadtestProgress prints a progress line on stderr every second until
// done is closed.
func (r *runner) showLoadtestProgress(ctx context.Context, c *client.Client, done <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	shown := false
	tty := isTerminal(r.env.Stderr)
	lastRun, lastLine := "", time.Time{}
	for {
		select {
		case <-done:
			if shown {
				fmt.Fprintln(r.env.Stderr)
			}
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st, err := types.Call(ctx, c, types.LoadTestProgress, types.NoParams{})
		if err != nil || !st.Running {
			continue
		}
		p50 := "—"
		if st.Requests > 0 && st.LastP50 > 0 {
			p50 = fmt.Sprintf("%.2f ms", st.LastP50)
		}
		line := fmt.Sprintf("%s under %s: %3.0f/%.0f s  %d requests  %d errors  p50 %s",
			st.App, st.Policy, st.Elapsed, st.Duration, st.Requests, st.Errors, p50)
		switch {
		case tty:
			fmt.Fprintf(r.env.Stderr, "\r%s   ", line)
			shown = true
		case line[:strings.Index(line, ":")] != lastRun || time.Since(lastLine) >= 10*time.Second:
			// Not a terminal: a line every ten seconds and at each new run.
			fmt.Fprintln(r.env.Stderr, line)
			lastRun, lastLine = line[:strings.Index(line, ":")], time.Now()
		}
	}
}

func placementText(p map[string]string) string {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Strings(names)
	out := ""
	for _, n := range names {
		if out != "" {
			out += " "
		}
		out += n + "=" + p[n]
	}
	return dash(out)
}

// writePlot draws the median latency of every run over time.
func writePlot(path string, runs types.LoadTestResult) error {
	var series []measure.Series
	title := "request latency"
	for _, app := range sortedNames(runs) {
		title = app + ": median request latency"
		for _, pol := range sortedNames(runs[app]) {
			name := pol
			if len(runs) > 1 {
				name = app + " " + pol
			}
			series = append(series, measure.SeriesOf(name, runs[app][pol].Series, measure.StatP50))
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := measure.PlotSVG(f, series, measure.PlotOptions{Title: title, XLabel: "time (s)", YLabel: "latency (ms)"}); err != nil {
		f.Close()
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}
