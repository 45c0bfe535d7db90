package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/measure"
)

// loadtestParams are the loadtest flags that become API parameters, with
// JSORC's names; the numeric ones are sent as numbers.
var loadtestNumeric = map[string]bool{
	"mem": true, "mem_scale": true, "experiment_duration": true, "eval_phase": true,
	"perf_phase": true, "clients": true, "rate": true,
}

func loadtestFlags(fs *flag.FlagSet, o *opts) {
	o.loadtest = map[string]*string{}
	help := map[string]string{
		"test":                "name of the run in the stored report",
		"experiment":          "the app to drive",
		"policy":              "all_local, all_remote, evaluation, costmodel (several: comma-separated)",
		"mem":                 "node memory in GB the placement must fit (JSORC's 4, 6, 8)",
		"mem_scale":           "scale of mem to the modules' memory (0.1 for testdata's modules)",
		"experiment_duration": "seconds per run (default 180)",
		"eval_phase":          "evaluation policy: seconds per candidate",
		"perf_phase":          "evaluation policy: seconds to hold the best",
		"clients":             "closed loop of N clients (default 1)",
		"rate":                "open loop at this many requests per second",
	}
	for n, h := range help {
		o.loadtest[n] = fs.String(n, "", h)
	}
	fs.StringVar(&o.ctxJSON, "ctx", "", "JSON object: each request's context")
	fs.StringVar(&o.plot, "plot", "", "write an SVG plot of latency over time per policy to this file")
}

func runLoadtest(ctx context.Context, r *runner, _ []string) error {
	params := map[string]any{}
	for name, v := range r.o.loadtest {
		if *v == "" {
			continue
		}
		if !loadtestNumeric[name] {
			params[name] = *v
			continue
		}
		f, err := strconv.ParseFloat(*v, 64)
		if err != nil {
			return fmt.Errorf("%w: -%s %q is not a number", ErrUsage, name, *v)
		}
		params[name] = f
	}
	args, err := r.ctxArgs()
	if err != nil {
		return err
	}
	if args != nil {
		params["ctx"] = args
	}
	c, err := r.client()
	if err != nil {
		return err
	}
	done := make(chan struct{})
	go r.showLoadtestProgress(ctx, c, done)
	var raw json.RawMessage
	err = c.Admin(ctx, "jsorc_loadtest", params, &raw)
	close(done)
	if err != nil {
		return r.explain(err)
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("decoding the load test answer: %w", err)
	}
	delete(res, "success")
	runs := map[string]map[string]engine.LoadTestRun{}
	for app, v := range res {
		var m map[string]engine.LoadTestRun
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decoding the load test answer: %w", err)
		}
		runs[app] = m
	}
	if r.o.plot != "" {
		if err := writePlot(r.o.plot, runs); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stderr, "plot written to %s\n", r.o.plot)
	}
	if r.o.output == "json" {
		printJSON(r.env.Stdout, raw)
		return nil
	}
	t := newTable("APP", "POLICY", "REQUESTS", "ERRORS", "REQ/S", "MEAN ms", "P50 ms", "P99 ms", "FINAL PLACEMENT")
	for _, app := range sortedNames(runs) {
		for _, pol := range sortedNames(runs[app]) {
			run := runs[app][pol]
			m := run.WalkerLevel[engine.ReqTypeApp][app]
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
		var st engine.LoadTestStatus
		if err := c.Admin(ctx, "jsorc_loadtest_status", nil, &st); err != nil || !st.Running {
			continue
		}
		line := fmt.Sprintf("%s under %s: %3.0f/%.0f s  %d requests  %d errors  p50 %.2f ms",
			st.App, st.Policy, st.Elapsed, st.Duration, st.Requests, st.Errors, st.LastP50)
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
func writePlot(path string, runs map[string]map[string]engine.LoadTestRun) error {
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
