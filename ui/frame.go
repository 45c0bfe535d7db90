package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// frame draws a rounded border of w×h cells around body, with title set
// into the top edge and info into the bottom edge, k9s-style. body is
// fitted to the inside (w-2)×(h-2).
func (c *common) frame(title, info, body string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return block("", w, h)
	}
	border, titleInk := c.inks[inkBorder], c.inks[inkPaneTitle]
	if focused {
		border, titleInk = c.inks[inkBorderFocused], c.inks[inkPaneTitleFocused]
	}
	inner := w - 2
	var b strings.Builder
	b.Grow((w + 16) * h)

	// Top edge: ╭─ Title ───╮
	t := ""
	if title != "" {
		t = ansi.Truncate(" "+title+" ", inner-2, "… ")
	}
	tw := widthOf(t)
	b.WriteString(border.paint("╭─"))
	b.WriteString(titleInk.paint(t))
	b.WriteString(border.paint(strings.Repeat("─", max(0, inner-1-tw)) + "╮"))

	side := border.paint("│")
	lines := strings.Split(body, "\n")
	for i := 0; i < h-2; i++ {
		b.WriteByte('\n')
		b.WriteString(side)
		if i < len(lines) {
			b.WriteString(fit(lines[i], inner))
		} else {
			b.WriteString(strings.Repeat(" ", inner))
		}
		b.WriteString(side)
	}

	// Bottom edge: ╰──── info ─╯
	b.WriteByte('\n')
	in := ""
	if info != "" {
		in = ansi.Truncate(" "+info+" ", inner-2, "… ")
	}
	iw := widthOf(in)
	b.WriteString(border.paint("╰" + strings.Repeat("─", max(0, inner-1-iw))))
	b.WriteString(c.paint(inkMuted, in))
	b.WriteString(border.paint("─╯"))
	return b.String()
}
