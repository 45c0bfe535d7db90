package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jsorc/jsorc/api/types"
)

// detailView shows one module in full: its modes, its remote server, where
// its config came from, its last error, and every action's measurements.
type detailView struct {
	c      *common
	name   string
	w, h   int
	st     types.ActionStatus
	stats  types.Stats
	offset int
	lines  []string
}

func newDetailView(c *common, name string) *detailView {
	return &detailView{c: c, name: name}
}

// SetSize implements pane (the size of the inside of the frame).
func (d *detailView) SetSize(w, h int) {
	d.w, d.h = w, h
	d.render()
}

func (d *detailView) setData(st types.ActionStatus, stats types.Stats) {
	d.st, d.stats = st, stats
	d.render()
}

func (d *detailView) setStats(stats types.Stats) {
	d.stats = stats
	d.render()
}

// scroll moves the view by n lines.
func (d *detailView) scroll(n int) {
	d.offset = max(0, min(d.offset+n, len(d.lines)-d.h))
}

// render lays out the detail's lines for the current width.
func (d *detailView) render() {
	st, s := d.st, d.c.styles
	label := func(l string) string { return s.Muted.Render(fmt.Sprintf("%-13s", l)) }
	state := stateOf(st)
	md := mode(st)
	var lines []string
	add := func(l string) { lines = append(lines, l) }
	add(s.Title.Render(d.name) + "  " + d.c.toneStyle(state.tone).Render(state.text()))
	add("")
	add(label("mode") + orDash(md) + s.Muted.Render("  (requested)"))
	add(label("serving") + orDash(st.Serving) + s.Muted.Render("  (answering calls now)"))
	inproc := "no in-process implementation"
	switch {
	case st.Module.Builtin != "":
		inproc = "built-in " + st.Module.Builtin
	case st.Module.Wasm != "":
		inproc = "wasm " + st.Module.Wasm
	}
	if hasInProcess(st) && st.Module.Loaded {
		inproc += ", loaded"
	}
	cost := fmt.Sprintf("  (costs %s MB when loaded)", fmtMB(st.Module.LocalMemRequirement))
	if st.Module.SizeBytes > 0 {
		cost = fmt.Sprintf("  (measured %s: code + instances' memory)", fmtBytes(st.Module.SizeBytes))
	}
	add(label("in-process") + inproc + s.Muted.Render(cost))
	remote := orDash(st.Remote.Status)
	if st.Remote.External {
		remote += "  external server (not jsorc's to stop)"
	}
	add(label("remote") + remote)
	add(label("URL") + orDash(st.Remote.URL))
	pid := dash
	if st.Remote.PID > 0 {
		pid = strconv.Itoa(st.Remote.PID)
	}
	add(label("PID") + pid + s.Muted.Render("   restarts ") + strconv.Itoa(st.Remote.Restarts))
	add(label("config") + orDash(st.Source))
	// Errors wrap under their label, never cut: they are read to the end.
	wrapped := func(l, text string) {
		for i, part := range strings.Split(wrapText(text, max(10, d.w-13)), "\n") {
			if i == 0 {
				add(label(l) + s.Err.Render(part))
			} else {
				add(strings.Repeat(" ", 13) + s.Err.Render(part))
			}
		}
	}
	if st.LastError != "" {
		wrapped("last error", st.LastError)
	} else {
		add(label("last error") + dash)
	}
	if st.Remote.LastError != "" {
		wrapped("server error", st.Remote.LastError)
	}
	add("")
	names := append([]string(nil), st.Actions...)
	sort.Strings(names)
	nameW := len("ACTION")
	for _, a := range names {
		nameW = max(nameW, len(d.name)+1+len(a))
	}
	nameW = min(nameW, 32)
	row := func(a, m, calls, errs, rate, mean, p50, p99 string) string {
		l := fmt.Sprintf("%-*s %-7s %8s %7s %7s %7s %7s", nameW, fit(a, nameW), m, calls, errs, rate, p50, p99)
		if d.w >= nameW+62 {
			l += fmt.Sprintf(" %8s", mean)
		}
		return l
	}
	add(s.TableHeader.Render(row("ACTION", "MODE", "CALLS", "ERRORS", "CALLS/S", "MEAN MS", "P50 MS", "P99 MS")))
	for _, a := range names {
		full := d.name + "." + a
		shown := false
		for _, m := range []string{"module", "remote"} {
			cs, ok := d.stats.Actions[full+"/"+m]
			if !ok {
				continue
			}
			shown = true
			add(row(full, m, strconv.FormatUint(cs.Calls, 10), strconv.FormatUint(cs.Errors, 10), fmtRate(cs.Rate), fmtMS(cs.MeanMS), fmtMS(cs.P50MS), fmtMS(cs.P99MS)))
		}
		if !shown {
			add(fmt.Sprintf("%-*s %s", nameW, fit(full, nameW), s.Muted.Render("no calls yet")))
		}
	}
	if len(names) == 0 {
		add(s.Muted.Render("The module's actions are known once it has been loaded."))
	}
	for i, l := range lines {
		lines[i] = fit(l, d.w)
	}
	d.lines = lines
	d.scroll(0)
}

// View implements pane.
func (d *detailView) View() string {
	end := min(len(d.lines), d.offset+d.h)
	return block(strings.Join(d.lines[d.offset:end], "\n"), d.w, d.h)
}
