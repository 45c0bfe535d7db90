package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// eventsPane is the engine's event feed, newest first: every load,
// unload, switch, crash, restart, policy decision, service change,
// measuring start and stop and load test, with who caused it (the console,
// the CLI, another API client, the policy, the keep-alive loop, the
// engine). It fills from the engine's kept events when the console starts
// or attaches, then from the event stream.
type eventsPane struct {
	c    *common
	w, h int
	// evs are the events shown, oldest first, at most maxEvents.
	evs []types.Event
	// lastSeq is the number of the newest numbered event taken, so the
	// kept events read at start and the stream do not show one twice.
	lastSeq uint64
	boot    string
	// offset is how many of the newest events are scrolled past.
	offset int
}

// maxEvents bounds the events the pane keeps.
const maxEvents = 500

func newEventsPane(c *common) *eventsPane { return &eventsPane{c: c} }

// SetSize implements pane.
func (p *eventsPane) SetSize(w, h int) { p.w, p.h = w, h }

// shown reports whether an event belongs in the feed: a module's bare
// state change (its phase while it starts) and a load test's seconds are
// the stream's business, not the reader's.
func shown(ev types.Event) bool {
	switch {
	case ev.Type == types.EventModule && ev.Message == "":
		return false
	case ev.Seq == 0 && ev.Type == types.EventLoadTest:
		return false
	}
	return true
}

// add takes in one event from the stream; it reports whether the feed
// shows it.
func (p *eventsPane) add(ev types.Event) bool {
	if ev.Seq != 0 {
		if ev.Seq <= p.lastSeq {
			return false
		}
		p.lastSeq = ev.Seq
	}
	if !shown(ev) {
		return false
	}
	p.evs = append(p.evs, ev)
	if len(p.evs) > maxEvents {
		p.evs = append(p.evs[:0], p.evs[len(p.evs)-maxEvents:]...)
	}
	if p.offset > 0 {
		p.offset++ // keep the reader's place
	}
	return true
}

// setKept takes in the events the engine kept (oldest first) from run
// boot: a new run replaces what the pane holds.
func (p *eventsPane) setKept(boot string, evs []types.Event) {
	if boot != p.boot {
		p.boot, p.lastSeq, p.offset = boot, 0, 0
		p.evs = p.evs[:0]
	}
	for _, ev := range evs {
		p.add(ev)
	}
}

// latest is the newest event shown, if any.
func (p *eventsPane) latest() (types.Event, bool) {
	if len(p.evs) == 0 {
		return types.Event{}, false
	}
	return p.evs[len(p.evs)-1], true
}

// scroll moves the view d lines towards older events (negative: newer).
func (p *eventsPane) scroll(d int) {
	p.offset = max(0, min(p.offset+d, len(p.evs)-1))
}

// page is how many events a page-up or page-down moves.
func (p *eventsPane) page() int { return max(1, p.h-3) }

// View implements pane.
func (p *eventsPane) View() string { return p.viewFramed(true) }

func (p *eventsPane) viewFramed(focused bool) string {
	iw, ih := max(0, p.w-2), max(0, p.h-2)
	info := "newest first"
	if p.offset > 0 {
		info = fmt.Sprintf("%d newer above · ↑", p.offset)
	}
	title := fmt.Sprintf("Events [%d]", len(p.evs))
	return p.c.frame(title, info, p.body(iw, ih), p.w, p.h, focused)
}

// body lists the events newest first, each on one line when wide, else
// on two (what and who, then the message).
func (p *eventsPane) body(w, h int) string {
	s := p.c.styles
	if len(p.evs) == 0 {
		return center(s.Muted.Render(wrapText("No event yet: loads, switches, crashes, policy moves, services and measuring show here as they happen, whoever causes them.", max(10, w-4))), w, h)
	}
	lines := make([]string, 0, h)
	for i := len(p.evs) - 1 - p.offset; i >= 0 && len(lines) < h; i-- {
		lines = append(lines, p.eventLines(p.evs[i], w)...)
	}
	return block(strings.Join(lines, "\n"), w, h)
}

// eventLines renders one event: time, symbol, what, name and cause, then
// the message, wrapped under it when it does not fit on the line.
func (p *eventsPane) eventLines(ev types.Event, w int) []string {
	s := p.c.styles
	sym, tn := eventSymbol(ev)
	head := s.Muted.Render(ev.At.In(p.c.loc).Format("15:04:05")) + " " +
		p.c.toneStyle(tn).Render(sym+" "+string(ev.Type))
	if ev.Name != "" {
		head += " " + s.Title.Render(ev.Name)
	}
	cause := ""
	if ev.Cause != "" {
		cause = s.Muted.Render(" · " + causeWord(ev.Cause))
	}
	if ev.Message == "" {
		return []string{fit(head+cause, w)}
	}
	one := head + " " + ev.Message + cause
	if widthOf(one) <= w {
		return []string{one}
	}
	out := []string{fit(head+cause, w)}
	for _, l := range strings.Split(wrapText(ev.Message, max(10, w-11)), "\n") {
		out = append(out, "          "+l)
	}
	return out
}

// eventSymbol is an event's symbol and tone: the kind never hangs on
// colour alone.
func eventSymbol(ev types.Event) (string, tone) {
	switch ev.Type {
	case types.EventCrash:
		return "✗", toneErr
	case types.EventRestart:
		return "↻", toneWarn
	case types.EventReset:
		return "!", toneWarn
	case types.EventLoad, types.EventSwitch:
		return "●", toneOK
	case types.EventUnload:
		return "○", toneMuted
	case types.EventPolicy:
		if strings.Contains(ev.Message, "cannot") || strings.Contains(ev.Message, "fail") {
			return "✗", toneErr
		}
		return "◆", toneOK
	case types.EventScale:
		if strings.HasPrefix(ev.Message, "could not") {
			return "✗", toneErr
		}
		return "⇅", toneOK
	case types.EventService:
		if strings.Contains(ev.Message, "down") || strings.Contains(ev.Message, "fail") {
			return "✗", toneErr
		}
		return "◆", toneNone
	}
	return "·", toneNone
}

// causeWord names who caused an event for people.
func causeWord(c types.Cause) string {
	switch c {
	case types.CauseAPI:
		return "another client"
	case types.CauseCLI:
		return "CLI"
	case types.CauseConsole:
		return "console"
	}
	return string(c)
}

// eventLine is an event in one line, for the status line.
func eventLine(ev types.Event, loc *time.Location) string {
	sym, _ := eventSymbol(ev)
	text := ev.At.In(loc).Format("15:04:05") + " " + sym + " " + string(ev.Type)
	if ev.Name != "" {
		text += " " + ev.Name
	}
	if ev.Message != "" {
		text += ": " + ev.Message
	}
	if ev.Cause != "" {
		text += " (" + causeWord(ev.Cause) + ")"
	}
	return text
}
