package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// table prints aligned columns.
type table struct {
	rows [][]string
}

func newTable(header ...string) *table { return &table{rows: [][]string{header}} }

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	_ = tw.Flush()
}

func printJSON(w io.Writer, v any) {
	if raw, ok := v.(json.RawMessage); ok {
		var x any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // numbers print as they came: 1.0 stays 1.0
		if dec.Decode(&x) != nil {
			fmt.Fprintln(w, string(raw))
			return
		}
		v = x
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(w, "%v\n", v)
		return
	}
	fmt.Fprintln(w, string(b))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// modeOf is a status's JSORC mode: the mode serving calls.
func modeOf(s types.ActionStatus) string { return deref(s.Mode) }

// requestedOf is the mode a status was asked for.
func requestedOf(s types.ActionStatus) string { return deref(s.RequestedMode) }

// deref is a nullable mode as text, "-" for null.
func deref(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}

func printStatus(w io.Writer, name string, s types.ActionStatus) {
	t := newTable("MODULE", name)
	t.row("mode", modeOf(s))
	t.row("requested", requestedOf(s))
	t.row("serving", dash(s.Serving))
	inProc := fmt.Sprintf("kind=%s", dash(s.Module.Kind))
	switch {
	case s.Module.Builtin != "":
		inProc += " builtin=" + s.Module.Builtin
	case s.Module.Wasm != "":
		inProc += " wasm=" + s.Module.Wasm
	}
	inProc += fmt.Sprintf(" loaded=%v mem=%gMB", s.Module.Loaded, s.Module.LocalMemRequirement)
	if s.Module.SizeBytes > 0 {
		inProc += " size=" + sizeOf(s.Module.SizeBytes) + " (measured)"
	}
	t.row("in-process", inProc)
	remote := dash(s.Remote.Status)
	if s.Remote.URL != "" {
		remote += " " + s.Remote.URL
	}
	if s.Remote.PID != 0 {
		remote += fmt.Sprintf(" pid=%d", s.Remote.PID)
	}
	if s.Remote.Restarts > 0 {
		remote += fmt.Sprintf(" restarts=%d", s.Remote.Restarts)
	}
	t.row("remote", remote)
	if r := s.Remote; r.ReplicasDesired > 1 || r.ReplicasScaling != "" {
		reps := fmt.Sprintf("%d ready of %d", r.ReplicasReady, r.ReplicasDesired)
		switch r.ReplicasScaling {
		case types.ScalingAuto:
			reps += " (the autoscaler sets them)"
		case types.ScalingManual:
			reps += fmt.Sprintf(" (pinned by hand: `actions scale %s auto` hands them back)", name)
		}
		t.row("replicas", reps)
	}
	t.row("actions", dash(strings.Join(s.Actions, ", ")))
	t.row("source", dash(s.Source))
	if s.Remote.LastError != "" {
		t.row("remote error", s.Remote.LastError)
	}
	if s.LastError != "" {
		t.row("last error", s.LastError)
	}
	t.print(w)
}

func printStatusTable(w io.Writer, all map[string]types.ActionStatus) {
	t := newTable("MODULE", "KIND", "MODE", "REQUESTED", "REMOTE", "URL", "MEM(MB)", "SIZE", "SOURCE")
	for _, name := range sortedNames(all) {
		s := all[name]
		t.row(name, dash(s.Module.Kind), modeOf(s), requestedOf(s), dash(s.Remote.Status), dash(s.Remote.URL),
			fmt.Sprintf("%g", s.Module.LocalMemRequirement), sizeOf(s.Module.SizeBytes), dash(s.Source))
	}
	t.print(w)
}

// sizeOf prints a measured size in binary units, "-" when not measured.
func sizeOf(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2fGiB", float64(n)/(1<<30))
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// printApps prints every app with its steps.
func printApps(w io.Writer, apps map[string]types.App) {
	t := newTable("APP", "STEPS")
	for _, name := range sortedNames(apps) {
		var steps []string
		for _, s := range apps[name].Steps {
			steps = append(steps, s.Action)
		}
		t.row(name, strings.Join(steps, " → "))
	}
	t.print(w)
}

// reflectEmpty is the type of the answers that say nothing but success.
var reflectEmpty = reflect.TypeFor[types.Empty]()

// shownDecisions is how many of the policy's latest decisions the text of
// `actionpolicy get` lists (-o json has them all).
const shownDecisions = 10

// printDecisions lists the policy's latest moves and scalings, newest
// last, each with its reason.
func printDecisions(w io.Writer, ds []types.PolicyMove) {
	if len(ds) == 0 {
		return
	}
	fmt.Fprintf(w, "decisions (the latest %d of %d, newest last):\n", min(len(ds), shownDecisions), len(ds))
	for _, d := range ds[max(0, len(ds)-shownDecisions):] {
		fmt.Fprintf(w, "  %s %s %s: %s\n", d.At.Local().Format(time.TimeOnly), d.Module, d.Change(), d.Reason)
		if d.Error != "" {
			fmt.Fprintf(w, "    failed: %s\n", d.Error)
		}
	}
}
