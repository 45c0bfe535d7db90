package ui

import (
	"fmt"
	"strings"
)

// helpView lists every key that does something where the user is, from
// the same registry that handles them, grouped, plus the command line's
// commands.
//
// Why not bubbles' help (charm.land/bubbles/v2/help): its full view lays
// key.Bindings out in columns of one screen, without section titles,
// without scrolling and without room for the `:` verbs; the console's
// sections are named for where the user is (the focused pane's name), a
// read-only console leaves out what it refuses, and a short terminal
// scrolls the list. The bindings themselves are bubbles' key.Binding, so
// their keys and texts are the ones bubbles' help would show.
type helpView struct {
	c      *common
	offset int
	lines  int
}

func newHelpView(c *common) *helpView { return &helpView{c: c} }

func (h *helpView) scroll(d int) { h.offset = max(0, min(h.offset+d, h.lines-1)) }

// view renders the help for the keys that apply, in w×hgt cells.
func (h *helpView) view(keys []keyAction, pane string, w, hgt int) string {
	s := h.c.styles
	groups := []string{groupView, groupGeneral, groupPane, groupMove}
	var sections []string
	for _, g := range groups {
		title := g
		if g == groupPane {
			title = pane
		}
		var lines []string
		for _, k := range keys {
			if k.group != g {
				continue
			}
			hk := k.binding.Help()
			lines = append(lines, s.Key.Render(fmt.Sprintf("%-10s", hk.Key))+" "+s.KeyDesc.Render(hk.Desc))
		}
		if len(lines) > 0 {
			sections = append(sections, s.TableHeader.Render(title)+"\n"+strings.Join(lines, "\n"))
		}
	}
	cmds := []string{s.TableHeader.Render("Command line (:)")}
	for _, line := range cheatSheet() {
		cmds = append(cmds, s.Key.Render(line))
	}
	cmds = append(cmds,
		s.Key.Render("graphs")+s.KeyDesc.Render(", policy… go to a pane"),
		s.Key.Render("q")+" "+s.KeyDesc.Render("quit"),
		s.KeyDesc.Render("tab completes, ↑/↓ history"),
	)
	sections = append(sections, strings.Join(cmds, "\n"))
	body := columns(sections, w-2)
	all := strings.Split(body, "\n")
	h.lines = len(all)
	h.offset = max(0, min(h.offset, len(all)-(hgt-2)))
	end := min(len(all), h.offset+hgt-2)
	info := "esc close"
	if len(all) > hgt-2 {
		info = "↑/↓ scroll · esc close"
	}
	return h.c.frame("Help — keys that work here", info, strings.Join(all[h.offset:end], "\n"), w, hgt, true)
}

// cheatSheet is the help's short list of the command line's verbs, in the
// words of the shared table (a test holds it to the table); `:help VERB`
// and `:VERB -h` give any verb's whole usage.
func cheatSheet() []string {
	return []string{
		"actions load NAME -mode M",
		"actions unload NAME",
		"actions status [NAME]",
		"actions call M.A -ctx JSON",
		"actionpolicy set NAME",
		"benchmark start|report|stop",
		"trackact start|stop",
		"tracksys start|report|stop",
	}
}

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }

// columns lays sections out in as many columns of at least 38 cells as
// fit in w (at most three), keeping their order and balancing heights.
func columns(sections []string, w int) string {
	// Every column as wide as the widest line, so no key's description
	// is cut.
	colMin := 38
	for _, sec := range sections {
		for _, l := range strings.Split(sec, "\n") {
			colMin = max(colMin, widthOf(l))
		}
	}
	n := max(1, min(3, (w+2)/(colMin+2), len(sections)))
	if n == 1 {
		return strings.Join(sections, "\n\n")
	}
	total := 0
	for _, s := range sections {
		total += lineCount(s) + 1
	}
	target := (total + n - 1) / n
	cols := make([][]string, n)
	c, height := 0, 0
	for i, s := range sections {
		if height >= target && c < n-1 && len(cols[c]) > 0 {
			c, height = c+1, 0
		}
		// Leave a section for every remaining column.
		if c < n-1 && len(sections)-i <= n-1-c && len(cols[c]) > 0 {
			c, height = c+1, 0
		}
		cols[c] = append(cols[c], s)
		height += lineCount(s) + 1
	}
	colW := (w - 2*(n-1)) / n
	out := ""
	for i, col := range cols {
		text := strings.Join(col, "\n\n")
		b := block(text, colW, lineCount(text))
		if i == 0 {
			out = b
			continue
		}
		out = hjoin(out, "  ", b)
	}
	return out
}

// hjoin puts blocks side by side, line by line, with sep between them.
// Every block must have lines of equal width.
func hjoin(a, sep, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	n := max(len(al), len(bl))
	aw, bw := 0, 0
	if len(al) > 0 {
		aw = widthOf(al[0])
	}
	if len(bl) > 0 {
		bw = widthOf(bl[0])
	}
	out := make([]string, n)
	for i := 0; i < n; i++ {
		l, r := strings.Repeat(" ", aw), strings.Repeat(" ", bw)
		if i < len(al) {
			l = al[i]
		}
		if i < len(bl) {
			r = bl[i]
		}
		out[i] = l + sep + r
	}
	return strings.Join(out, "\n")
}
