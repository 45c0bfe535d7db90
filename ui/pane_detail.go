package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jsorc/jsorc/api/types"
)

// detailView describes one module in full (d or enter): its modes, its
// remote server, its config, its actions with their parameters and
// measurements, what happened to it lately, its errors whole (wrapped,
// never cut) and where its action server logs. The status and figures
// come with every read; the rest from jsorc_actions_describe, read when
// the view opens and when an event says the module changed.
type detailView struct {
	c     *common
	name  string
	w, h  int
	st    types.ActionStatus
	stats types.Stats
	// desc is what jsorc_actions_describe said (nil before it answers),
	// descErr why it could not.
	desc    *types.DescribeAnswer
	descErr string
	text    *scrollPane
}

func newDetailView(c *common, name string) *detailView {
	t := newScrollPane(c, 0, false)
	t.styled = true
	t.vp.SoftWrap = false // long texts are wrapped where they are laid out
	return &detailView{c: c, name: name, text: t}
}

// SetSize implements pane (the size of the inside of the frame).
func (d *detailView) SetSize(w, h int) {
	d.w, d.h = w, h
	d.text.SetSize(w+2, h+2)
	d.render()
}

// setDescribe takes in the module's description.
func (d *detailView) setDescribe(a *types.DescribeAnswer, err error) {
	if err != nil {
		d.descErr = err.Error()
	} else {
		d.desc, d.descErr = a, ""
	}
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
func (d *detailView) scroll(n int) { d.text.scroll(n) }

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
	wrapped := func(l, text string, style func(...string) string) {
		for i, part := range wrapLines(text, max(20, d.w-14)) {
			if i == 0 {
				add(label(l) + style(part))
			} else {
				add(strings.Repeat(" ", 13) + style(part))
			}
		}
	}
	if st.LastError != "" {
		wrapped("last error", st.LastError, s.Err.Render)
	} else {
		add(label("last error") + dash)
	}
	if st.Remote.LastError != "" {
		wrapped("server error", st.Remote.LastError, s.Err.Render)
	}
	if st.Fallback != "" {
		wrapped("fallback", st.Fallback, s.Warn.Render)
	}
	if dd := d.desc; dd != nil {
		log := orDash(dd.Log)
		add(label("backend") + dd.Backend)
		wrapped("log", log, func(x ...string) string { return strings.Join(x, "") })
		if dd.LogNote != "" {
			wrapped("", dd.LogNote, s.Muted.Render)
		}
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
	lines = append(lines, d.describeLines()...)
	d.text.setLines(lines)
}

// describeLines are the parts of the description beyond the status:
// parameters, config, history.
func (d *detailView) describeLines() []string {
	s := d.c.styles
	var lines []string
	add := func(l string) { lines = append(lines, l) }
	head := func(t string) { add(""); add(s.TableHeader.Render(t)) }
	switch {
	case d.desc == nil && d.descErr != "":
		head("Description")
		for _, l := range wrapLines("✗ "+d.descErr, max(20, d.w-2)) {
			add(s.Err.Render(l))
		}
		return lines
	case d.desc == nil:
		add("")
		add(s.Muted.Render("reading the description…"))
		return lines
	}
	dd := d.desc
	head("Actions and their parameters (c calls one)")
	if len(dd.Actions) == 0 {
		add(s.Muted.Render("Known once the module has served in either mode."))
	}
	for _, a := range dd.Actions {
		params := make([]string, 0, len(a.Params))
		for _, p := range a.Params {
			params = append(params, paramText(p))
		}
		line := s.Bold.Render(a.Name) + "(" + strings.Join(params, ", ") + ")"
		if a.Doc != "" {
			line += s.Muted.Render("  " + a.Doc)
		}
		lines = append(lines, wrapLines(line, max(20, d.w))...)
	}
	if dd.Replicas != nil {
		lines = append(lines, d.podLines(dd)...)
	}
	head("History (latest events, oldest first)")
	if len(dd.History) == 0 && len(dd.Moves) == 0 {
		add(s.Muted.Render("Nothing since the engine started."))
	}
	for _, ev := range dd.History {
		at := ev.At.In(d.c.loc).Format("15:04:05")
		line := fmt.Sprintf("%s %-7s %s", at, ev.Type, ev.Message)
		if ev.Cause != "" {
			line += s.Muted.Render("  by " + string(ev.Cause))
		}
		lines = append(lines, wrapLines(line, max(20, d.w))...)
	}
	for _, mv := range dd.Moves {
		at := mv.At.In(d.c.loc).Format("15:04:05")
		line := fmt.Sprintf("%s policy  %s: %s", at, mv.Change(), mv.Reason)
		lines = append(lines, wrapLines(line, max(20, d.w))...)
	}
	head("Config")
	for _, l := range strings.Split(prettyJSON(dd.Config), "\n") {
		lines = append(lines, wrapLines(l, max(20, d.w))...)
	}
	return lines
}

// podLines show the module's workload on a cluster: replicas ready and
// wanted, each pod with its phase, restarts, node, age, why a container
// waits and its latest event, and where CPU and memory figures come from.
func (d *detailView) podLines(dd *types.DescribeAnswer) []string {
	s := d.c.styles
	lines := []string{"", s.TableHeader.Render(fmt.Sprintf("Pods (%d/%d ready)", dd.Replicas.Ready, dd.Replicas.Desired))}
	if len(dd.Pods) == 0 {
		lines = append(lines, s.Muted.Render("No pod: the workload has none yet (or none is scheduled)."))
	}
	now := d.c.now()
	for _, p := range dd.Pods {
		ready := s.Warn.Render("not ready")
		if p.Ready {
			ready = s.OK.Render("ready")
		}
		line := fmt.Sprintf("%s  %s %s  restarts %d  node %s  age %s", s.Bold.Render(p.Name), p.Phase, ready, p.Restarts, orDash(p.Node), fmtDuration(now.Sub(p.Created)))
		if p.Usage != nil {
			line += fmt.Sprintf("  cpu %s cores  mem %s MB", fmtValue(p.Usage.CPUCores), fmtMB(float64(p.Usage.MemBytes)/(1<<20)))
		}
		if p.Reason != "" {
			line += "  " + s.Err.Render(p.Reason)
		}
		lines = append(lines, wrapLines(line, max(20, d.w))...)
		if p.LastEvent != "" {
			for _, l := range wrapLines("last event: "+p.LastEvent, max(20, d.w-4)) {
				lines = append(lines, "    "+s.Muted.Render(l))
			}
		}
	}
	if dd.Metrics != "" {
		lines = append(lines, wrapLines(s.Muted.Render("CPU and memory: "+dd.Metrics), max(20, d.w))...)
	}
	return lines
}

// paramText shows one parameter: its name, its type, whether it may be
// left out and its default.
func paramText(p types.ParamSpec) string {
	t := p.Name
	if p.Type != "" && p.Type != "any" {
		t += ": " + p.Type
	}
	switch p.Kind {
	case types.ParamOptional:
		def := "optional"
		if p.Default != nil {
			def = compactJSON(p.Default)
		}
		t += " = " + def
	}
	return t
}

// View implements pane.
func (d *detailView) View() string { return block(d.text.vp.View(), d.w, d.h) }
