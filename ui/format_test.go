package ui

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestWidthOf: the fast width agrees with ansi.StringWidth.
func TestWidthOf(t *testing.T) {
	for _, s := range []string{
		"", "abc", "a\tb", "—", "● READY", "⠋ STARTING", "✗ CRASHED", "╭─ Actions ─╮", "⟳ 15:04:05",
		"\x1b[1;38;5;111mbold\x1b[m plain", "\x1b[38;2;1;2;3m●\x1b[m", "日本語", "e\u0301", "🌍 globe", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
		"-0.00┤", "└┬──", "…", "×", "↑↓←→", "◎ observing", "▼ down", "■ stopped", "◌ starting", "? unknown service",
	} {
		if got, want := widthOf(s), ansi.StringWidth(s); got != want {
			t.Errorf("widthOf(%q) = %d; ansi.StringWidth says %d", s, got, want)
		}
	}
}

func TestFmtMS(t *testing.T) {
	for _, tc := range []struct {
		ms   float64
		want string
	}{{0, dash}, {0.0004, "<0.001"}, {0.0042, "0.004"}, {0.01, "0.01"}, {4.123, "4.12"}, {15.24, "15.2"}, {612.4, "612"}} {
		if got := fmtMS(tc.ms); got != tc.want {
			t.Errorf("fmtMS(%g) = %q; want %q", tc.ms, got, tc.want)
		}
	}
}
