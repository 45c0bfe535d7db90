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

// say puts an informative message on the status line.
func (m *model) say(t tone, text string) {
	m.status.set(m.c.now(), t, text)
	switch t {
	case toneErr:
		m.c.log.Error(text)
	case toneWarn:
		m.c.log.Warn(text)
	default:
		m.c.log.Info(text)
	}
}
