package ui

import (
	"regexp"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/viewport"
	"github.com/charmbracelet/x/ansi"
)

// scrollPane is a framed, scrollable text of many lines — the logs, the
// output and the module's description — on bubbles' viewport: it wraps or
// scrolls sideways, follows the end while the user is there, and
// highlights what a search finds.
type scrollPane struct {
	c    *common
	vp   viewport.Model
	w, h int
	// lines are the text, plain (no escape sequences); maxLines bounds
	// them (0: no bound), the oldest go first.
	lines    []string
	maxLines int
	// styled lines keep their styles (no search there).
	styled bool
	// follow keeps the view at the end as lines arrive; scrolling up
	// leaves it, G (or scrolling to the end) takes it up again.
	follow bool
	// search is the search's text and matches how many lines hold it.
	search  string
	re      *regexp.Regexp
	matches int
}

func newScrollPane(c *common, maxLines int, follow bool) *scrollPane {
	vp := viewport.New()
	vp.SoftWrap = true
	vp.MouseWheelEnabled = false
	return &scrollPane{c: c, vp: vp, maxLines: maxLines, follow: follow}
}

// SetSize gives the pane its outer size, frame included.
func (s *scrollPane) SetSize(w, h int) {
	s.w, s.h = w, h
	s.vp.SetWidth(max(0, w-2))
	s.vp.SetHeight(max(0, h-2))
	if s.follow {
		s.vp.GotoBottom()
	}
}

// setLines replaces the text.
func (s *scrollPane) setLines(lines []string) {
	s.lines = s.lines[:0]
	s.appendLines(lines)
}

// appendLines adds lines at the end, dropping the oldest past maxLines.
func (s *scrollPane) appendLines(lines []string) {
	for _, l := range lines {
		if !s.styled {
			l = plainLine(l)
		}
		s.lines = append(s.lines, l)
	}
	if s.maxLines > 0 && len(s.lines) > s.maxLines {
		s.lines = append(s.lines[:0], s.lines[len(s.lines)-s.maxLines:]...)
	}
	s.refresh()
}

// refresh hands the lines to the viewport and highlights the search.
func (s *scrollPane) refresh() {
	off := s.vp.YOffset()
	s.vp.SetContentLines(append([]string(nil), s.lines...))
	s.highlight(false)
	if s.follow {
		s.vp.GotoBottom()
	} else {
		s.vp.SetYOffset(off)
	}
}

// plainLine drops escape sequences and control characters a log may hold,
// and expands tabs, so widths are what they seem.
func plainLine(l string) string {
	l = ansi.Strip(l)
	l = strings.ReplaceAll(l, "\t", "    ")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, l)
}

// scroll moves by n lines; reaching the end follows again.
func (s *scrollPane) scroll(n int) {
	if n < 0 {
		s.vp.ScrollUp(-n)
	} else {
		s.vp.ScrollDown(n)
	}
	s.follow = s.vp.AtBottom()
}

// page moves by n pages.
func (s *scrollPane) page(n int) { s.scroll(n * max(1, s.vp.Height()-1)) }

// top goes to the first line and stops following.
func (s *scrollPane) top() {
	s.vp.GotoTop()
	s.follow = false
}

// bottom goes to the last line and follows.
func (s *scrollPane) bottom() {
	s.vp.GotoBottom()
	s.follow = true
}

// toggleWrap switches between wrapping long lines and scrolling sideways.
func (s *scrollPane) toggleWrap() {
	s.vp.SoftWrap = !s.vp.SoftWrap
	s.vp.SetXOffset(0)
	s.refresh()
}

// sideways scrolls unwrapped lines by n cells.
func (s *scrollPane) sideways(n int) {
	if s.vp.SoftWrap {
		return
	}
	if n < 0 {
		s.vp.ScrollLeft(-n)
	} else {
		s.vp.ScrollRight(n)
	}
}

// setSearch searches for text (a case-insensitive regex, else the text
// itself) and shows the first match from the top of the view; "" ends
// the search.
func (s *scrollPane) setSearch(text string) {
	s.search, s.re, s.matches = text, nil, 0
	if text != "" {
		re, err := regexp.Compile("(?i)" + text)
		if err != nil {
			re = regexp.MustCompile("(?i)" + regexp.QuoteMeta(text))
		}
		s.re = re
	}
	s.vp.ClearHighlights()
	s.highlight(true)
}

// highlight marks the search's matches; show moves to the nearest.
func (s *scrollPane) highlight(show bool) {
	s.matches = 0
	if s.re == nil {
		return
	}
	content := s.vp.GetContent()
	found := s.re.FindAllStringIndex(content, 10000)
	var keep [][]int
	for _, f := range found {
		if f[1] > f[0] {
			keep = append(keep, f)
		}
	}
	s.matches = len(keep)
	if len(keep) == 0 {
		return
	}
	off := s.vp.YOffset()
	s.vp.SetHighlights(keep)
	if !show {
		s.vp.SetYOffset(off)
		return
	}
	s.follow = false
}

// nextMatch moves to the next match (d > 0) or the previous one.
func (s *scrollPane) nextMatch(d int) {
	if s.matches == 0 {
		return
	}
	if d > 0 {
		s.vp.HighlightNext()
	} else {
		s.vp.HighlightPrevious()
	}
	s.follow = false
}

// styleHighlights paints matches with the theme.
func (s *scrollPane) styleHighlights() {
	st := s.c.styles
	s.vp.HighlightStyle = st.Warn.Reverse(true)
	s.vp.SelectedHighlightStyle = st.Key.Reverse(true)
}

// position says where the view is: the line range, following, the
// search's matches.
func (s *scrollPane) position() string {
	total := s.vp.TotalLineCount()
	var parts []string
	if total > 0 {
		first := s.vp.YOffset() + 1
		last := min(total, s.vp.YOffset()+s.vp.Height())
		parts = append(parts, strconv.Itoa(first)+"–"+strconv.Itoa(last)+" of "+strconv.Itoa(total))
	}
	if s.follow {
		parts = append(parts, "following")
	}
	if s.re != nil {
		if s.matches == 0 {
			parts = append(parts, "/"+s.search+": no match")
		} else {
			parts = append(parts, "/"+s.search+": "+strconv.Itoa(s.matches)+" (n/N)")
		}
	}
	if !s.vp.SoftWrap {
		parts = append(parts, "nowrap")
	}
	return strings.Join(parts, " · ")
}

// framed draws the text in a frame titled title, with info in its bottom
// edge.
func (s *scrollPane) framed(title, info string) string {
	s.styleHighlights()
	return s.c.frame(title, info, s.vp.View(), s.w, s.h, true)
}
