package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// outputKeep bounds the lines the output view keeps.
const outputKeep = 20000

// outputView is the history of what the console said and got back:
// results of calls and commands, full error texts, the answers of `:`
// verbs, newest last. The status line shows one line of the latest; this
// keeps them whole.
type outputView struct {
	*scrollPane
	// entries counts what was said; unseen what was said since the view
	// was last open.
	entries, unseen int
}

func newOutputView(c *common) *outputView {
	return &outputView{scrollPane: newScrollPane(c, outputKeep, true)}
}

// add records one entry: a headline (with the time and the tone's symbol)
// and a body shown whole below it.
func (o *outputView) add(at time.Time, t tone, head, body string) {
	sym := toneSymbol(t)
	lines := []string{at.Format("15:04:05") + " " + sym + head}
	if body = strings.TrimRight(body, "\n"); body != "" {
		for _, l := range strings.Split(body, "\n") {
			lines = append(lines, "    "+l)
		}
	}
	o.appendLines(lines)
	o.entries++
	o.unseen++
}

// view draws the history in its frame.
func (o *outputView) view() string {
	if o.entries == 0 {
		msg := o.c.styles.Muted.Render("Nothing yet: results of calls and commands, and errors in full, land here.")
		return o.c.frame("Output [0]", "esc back", center(msg, max(0, o.w-2), max(0, o.h-2)), o.w, o.h, true)
	}
	return o.framed(fmt.Sprintf("Output [%d]", o.entries), o.position())
}

// toneSymbol is the symbol that says what kind a message is, so the kind
// never hangs on colour alone.
func toneSymbol(t tone) string {
	switch t {
	case toneOK:
		return "✓ "
	case toneWarn:
		return "! "
	case toneErr:
		return "✗ "
	}
	return ""
}

// prettyJSON renders a value as indented JSON, or as text when it is not
// JSON.
func prettyJSON(v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		var x any
		if json.Unmarshal(raw, &x) == nil {
			v = x
		}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
