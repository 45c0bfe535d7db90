package ui

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// dash stands for a value that does not exist (no calls, not loaded).
const dash = "—"

// fmtRate formats calls per second.
func fmtRate(r float64) string {
	switch {
	case r <= 0:
		return "0"
	case r < 10:
		return fmt.Sprintf("%.1f", r)
	default:
		return fmt.Sprintf("%.0f", r)
	}
}

// fmtMS formats a latency in milliseconds with three significant digits
// (in-process calls of a few microseconds show theirs too).
func fmtMS(ms float64) string {
	switch {
	case ms <= 0 || math.IsNaN(ms):
		return dash
	case ms < 0.001:
		return "<0.001"
	case ms < 0.01:
		return fmt.Sprintf("%.3f", ms)
	case ms < 10:
		return fmt.Sprintf("%.2f", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f", ms)
	default:
		return fmt.Sprintf("%.0f", ms)
	}
}

// fmtMB formats a size in megabytes.
func fmtMB(mb float64) string {
	if mb <= 0 {
		return dash
	}
	if mb < 10 {
		return fmt.Sprintf("%.1f", mb)
	}
	return fmt.Sprintf("%.0f", mb)
}

// fmtBytes formats a size in binary units.
func fmtBytes(n int64) string {
	switch {
	case n <= 0:
		return dash
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.0fK", float64(n)/(1<<10))
	case n < 10<<20:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	case n < 1<<30:
		return fmt.Sprintf("%.0fM", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
}

// fmtAge formats how long ago t was, relative to now.
func fmtAge(now, t time.Time) string {
	if t.IsZero() {
		return dash
	}
	return fmtDuration(now.Sub(t)) + " ago"
}

// fmtDuration formats a duration the way k9s shows ages: 12s, 3m4s, 5h2m, 3d4h.
func fmtDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		if d%time.Minute == 0 {
			return fmt.Sprintf("%dm", int(d/time.Minute))
		}
		return fmt.Sprintf("%dm%ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// fmtElapsed formats the elapsed time of a running operation: 2.4s.
func fmtElapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmtDuration(d)
}

// fit pads or truncates s (which may hold ANSI styles) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := widthOf(s)
	switch {
	case sw == w:
		return s
	case sw < w:
		return s + strings.Repeat(" ", w-sw)
	}
	return ansi.Truncate(s, w, "…")
}

// cutAtWord shortens plain text s to at most w cells, at the end of a
// word when one ends in the latter half, and marks the cut with "…"; s
// that fits is returned as it is. A status line is cut so, never through
// a word.
func cutAtWord(s string, w int) string {
	if widthOf(s) <= w {
		return s
	}
	if w <= 1 {
		return ansi.Truncate(s, max(0, w), "")
	}
	head := ansi.Truncate(s, w-1, "")
	if i := strings.LastIndexByte(head, ' '); i > 0 && widthOf(head[:i]) >= w/2 && s[len(head)] != ' ' {
		head = head[:i]
	}
	return strings.TrimRight(head, " ,;:-") + "…"
}

// fitRight right-aligns s in w cells, truncating it when too long.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := widthOf(s)
	if sw >= w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
}

// block makes s exactly w cells wide and h lines high: longer lines are
// truncated, missing lines blank.
func block(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	var b strings.Builder
	b.Grow((w + 8) * h)
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(fit(lines[i], w))
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
	}
	return b.String()
}

// center places s in the middle of a w×h block.
func center(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	top := max(0, (h-len(lines))/2)
	out := make([]string, 0, h)
	for i := 0; i < top; i++ {
		out = append(out, "")
	}
	for _, l := range lines {
		pad := max(0, (w-widthOf(l))/2)
		out = append(out, strings.Repeat(" ", pad)+l)
	}
	return block(strings.Join(out, "\n"), w, h)
}

// wrapText wraps plain text to width w, for messages in panes.
func wrapText(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Wrap(s, w, "")
}

// widthOf is the width of s in cells, ANSI styles ignored. It counts the
// console's own text (ASCII, box drawing, symbols, SGR styles) directly and
// leaves anything else to ansi.StringWidth, which is exact but slower.
func widthOf(s string) int {
	w := 0
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b == 0x1b:
			if i+1 >= len(s) || s[i+1] != '[' {
				return ansi.StringWidth(s)
			}
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j + 1
		case b < 0x80:
			if b >= 0x20 && b != 0x7f {
				w++
			}
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !narrow(r) {
				return ansi.StringWidth(s)
			}
			w++
			i += size
		}
	}
	return w
}

// narrow reports whether r is one cell wide in every terminal: Latin
// letters, punctuation, arrows, box drawing, shapes, braille (the spinner)
// and a few symbols the console draws.
func narrow(r rune) bool {
	switch {
	case r >= 0xa0 && r < 0x300,
		r >= 0x2010 && r <= 0x2027,
		r >= 0x2190 && r <= 0x21ff,
		r >= 0x2200 && r <= 0x22ff,
		r >= 0x2500 && r <= 0x25ff,
		r >= 0x2800 && r <= 0x28ff,
		r == 0x2713 || r == 0x2717 || r == 0x27f3:
		return true
	}
	return false
}

// indent wraps text to width w and indents every line by n spaces.
func indent(text string, n, w int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(wrapText(text, max(10, w-n)), "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n")
}
