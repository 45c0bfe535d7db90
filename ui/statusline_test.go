package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestCutAtWord(t *testing.T) {
	tests := []struct {
		name string
		in   string
		w    int
		want string
	}{
		{"fits", "policy set", 20, "policy set"},
		{"exactly", "policy set", 10, "policy set"},
		{"cut at the last word that fits", "unknown parameter nod (known: eval_phase, perf_phase, node_mem_mb)", 40, "unknown parameter nod (known…"},
		{"a cut right after a word keeps it", "abc def ghi", 8, "abc def…"},
		{"punctuation before the cut goes", "one, two, three", 10, "one, two…"},
		{"one long word is cut hard", "aaaaaaaaaaaaaaaaaaaa", 8, "aaaaaaa…"},
		{"a word boundary too far back is not used", "ab cdefghijklmnopqrstuvwxyz", 12, "ab cdefghij…"},
		{"tiny", "hello world", 1, "h"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cutAtWord(tc.in, tc.w)
			if got != tc.want {
				t.Errorf("cutAtWord(%q, %d) = %q; want %q", tc.in, tc.w, got, tc.want)
			}
			if widthOf(got) > tc.w {
				t.Errorf("%q is %d cells wide; want at most %d", got, widthOf(got), tc.w)
			}
		})
	}
}

// TestLongErrorOnTheStatusLine: at 80 columns a long error takes the
// status line only, cut at a word with "…" and a pointer to the output
// pane; the pane above keeps its bottom border and nothing runs past the
// width; the output pane holds the whole text.
func TestLongErrorOnTheStatusLine(t *testing.T) {
	const long = "policy set costmodel: unknown parameter nod_mem_mb (known: eval_phase, perf_phase, node_mem_mb, " +
		"runtime_mem_mb, hold_ticks, min_gain_ms); give them as -params '{\"node_mem_mb\": 4096}' and see :help actionpolicy"
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		m := testModel(t, newFakeBackend(0, true), "dark", w, h)
		m.report(toneErr, long, "")
		out := m.render()
		checkShape(t, out, w, h)
		lines := strings.Split(ansi.Strip(out), "\n")
		statusAt := h - 1
		if m.layout.keysRow {
			statusAt = h - 2
		}
		status := strings.TrimRight(lines[statusAt], " ")
		if !strings.HasSuffix(status, "… (o: output)") {
			t.Errorf("%dx%d: status line %q does not end with the cut and the pointer to the output", w, h, status)
		}
		shown := strings.TrimSuffix(strings.TrimPrefix(status, toneSymbol(toneErr)), "… (o: output)")
		if !strings.HasPrefix(long, shown) || !strings.ContainsRune(" ,;:-", rune(long[len(shown)])) {
			t.Errorf("%dx%d: the status line is not cut at the end of a word: %q", w, h, shown)
		}
		above := strings.TrimSpace(lines[statusAt-1])
		if !strings.HasPrefix(above, "╰") || !strings.HasSuffix(above, "╯") {
			t.Errorf("%dx%d: the line above the status is not the pane's bottom border: %q", w, h, above)
		}
		m.Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
		whole := strings.Join(strings.Fields(ansi.Strip(m.render())), " ")
		if !strings.Contains(whole, "see :help actionpolicy") {
			t.Errorf("%dx%d: the output pane does not hold the whole error:\n%s", w, h, ansi.Strip(m.render()))
		}
	}
}
