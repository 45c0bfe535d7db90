package ui

import "time"

// statusLine is the message at the bottom of the screen: what the last
// action did, or why it failed. Errors stay longer than news.
type statusLine struct {
	text    string
	tone    tone
	expires time.Time
}

// How long messages stay.
const (
	infoTTL  = 8 * time.Second
	errorTTL = 30 * time.Second
)

func (s *statusLine) set(now time.Time, t tone, text string) {
	ttl := infoTTL
	if t == toneErr || t == toneWarn {
		ttl = errorTTL
	}
	s.text, s.tone, s.expires = text, t, now.Add(ttl)
}

// expire clears the message once its time is up.
func (s *statusLine) expire(now time.Time) {
	if s.text != "" && now.After(s.expires) {
		s.text = ""
	}
}

// say puts an informative message on the status line and, unless it is
// mere news (toneNone), whole into the output history.
func (m *model) say(t tone, text string) {
	m.report(t, text, "")
}

// report says head on the status line and keeps head and body whole in
// the output history (o shows it).
func (m *model) report(t tone, head, body string) {
	text := head
	m.status.set(m.c.now(), t, text)
	if t != toneNone || body != "" {
		m.output.add(m.c.now().In(m.c.loc), t, head, body)
	}
	switch t {
	case toneErr:
		m.c.log.Error(text)
	case toneWarn:
		m.c.log.Warn(text)
	default:
		m.c.log.Info(text)
	}
}
