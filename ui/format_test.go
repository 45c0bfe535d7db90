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
		"-0.00┤", "└┬──", "…", "×", "↑↓←→",
	} {
		if got, want := widthOf(s), ansi.StringWidth(s); got != want {
			t.Errorf("widthOf(%q) = %d; ansi.StringWidth says %d", s, got, want)
		}
	}
}
