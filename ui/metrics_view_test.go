package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/jsorc/jsorc/api/types"
)

// TestNoMetricsSourceShown: when the engine has no source of its pods' CPU
// and memory (a cluster without metrics.k8s.io and no Prometheus), the
// table marks a remote module's MEM MB "—*" and its frame says what the
// mark means, the engine's CPU and memory graphs say they leave the pods
// out, and a module's graphs give the reason where the plot would be.
func TestNoMetricsSourceShown(t *testing.T) {
	const note = "no metrics source: the cluster serves no metrics.k8s.io (discovery has no metrics.k8s.io/v1beta1) and jsorc's Prometheus (promon) is not kept alive"
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		w, h := size[0], size[1]
		f := newFakeBackend(0, false)
		f.stats.ServersNote = note
		m := testModel(t, f, "dark", w, h)

		table := ansi.Strip(m.actions.viewFramed(true))
		rowHas := func(name, text string) bool { return strings.Contains(rowOf(table, name), text) }
		if !rowHas("textenc", unmeasured) {
			t.Errorf("%dx%d: textenc (remote, unmeasured) has no %q in its row:\n%s", w, h, unmeasured, table)
		}
		if rowHas("echo", unmeasured) {
			t.Errorf("%dx%d: echo runs in-process, yet its MEM is marked unmeasured", w, h)
		}
		if w >= 130 && strings.Count(rowOf(table, "textenc"), unmeasured) != 2 {
			t.Errorf("%dx%d: textenc's MEM MB and CPU are not both marked: %q", w, h, rowOf(table, "textenc"))
		}
		if !strings.Contains(table, unmeasured+" no metrics source") {
			t.Errorf("%dx%d: the table's frame does not say what %q means:\n%s", w, h, unmeasured, table)
		}

		m.graphs.SetSize(w, h)
		graphs := ansi.Strip(m.graphs.viewFramed(true))
		if !strings.Contains(graphs, "no metrics source") {
			t.Errorf("%dx%d: the engine's graphs do not say the pods have no source:\n%s", w, h, graphs)
		}

		m.actions.selectName("textenc")
		m.openDetail()
		m.Update(m.followSubject()())
		m.graphs.SetSize(w, h)
		mod := ansi.Strip(m.graphs.viewFramed(true))
		if !strings.Contains(mod, "no metrics source: the cluster") || !strings.Contains(mod, "no metrics source for textenc's") {
			t.Errorf("%dx%d: textenc's graphs do not give the reason:\n%s", w, h, mod)
		}
		checkShape(t, m.graphs.viewFramed(true), w, h)
	}
}

// rowOf is the table line of module name, "" when none.
func rowOf(table, name string) string {
	for _, l := range strings.Split(table, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "│ "), name+" ") {
			return l
		}
	}
	return ""
}

// TestServerFiguresInTheTable: a remote module whose server the engine
// measures (its pods from the metrics API, or its process) shows the
// server's memory and CPU; an in-process one its known cost and no CPU
// (the engine's).
func TestServerFiguresInTheTable(t *testing.T) {
	f := newFakeBackend(0, false)
	f.stats.Servers = map[string]types.ProcStats{"textenc": {CPUCores: 0.42, MemBytes: 80 << 20}}
	f.stats.ServersSource = types.SourceMetricsAPI
	m := testModel(t, f, "dark", 200, 60)
	table := ansi.Strip(m.actions.viewFramed(true))
	fields := strings.Fields(rowOf(table, "textenc"))
	if !slices.Contains(fields, "80") || !slices.Contains(fields, "0.42") {
		t.Errorf("textenc's row %q; want 80 MB and 0.42 cores", rowOf(table, "textenc"))
	}
	if echo := rowOf(table, "echo"); strings.Contains(echo, unmeasured) || !strings.Contains(echo, " 1.0 ") {
		t.Errorf("echo's row %q; want its 1.0 MB in-process, no mark", echo)
	}
	press(m, "A")
	if got := m.actions.rows[m.actions.shown[len(m.actions.shown)-1]].name; got != "textenc" {
		t.Errorf("sorted by CPU ascending, last is %s; want textenc", got)
	}
}
