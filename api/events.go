package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// The engine's event stream (GET /js_admin/events): server-sent events over
// the API's own token and guards, read by an attached console (issue 12's
// event feed) or by curl. It sits beside the admin endpoints because it is
// one of them — the same token, Host and Origin checks — and is a GET
// because it only reads. Events come from the engine's numbered history
// (EventsSince), so a stream never reorders or silently drops them: a
// reader too slow for the history, or one reconnecting to a restarted
// engine, is told "reset" and re-reads the state.

// Defaults of the stream.
const (
	// DefaultHeartbeat is how often a quiet stream says it is alive.
	DefaultHeartbeat = 15 * time.Second
	// streamWriteWindow bounds one write: a reader that takes nothing for
	// that long is gone, and its stream ends.
	streamWriteWindow = 10 * time.Second
	// streamRetry is the reconnection delay the stream suggests (SSE's
	// "retry:"), in milliseconds.
	streamRetry = 1000
)

// events serves the event stream until the client goes, the engine closes
// or the server shuts down. The server's read and write timeouts do not
// apply: the read deadline is lifted (the client's going is noticed all
// the same), and each write gets a deadline of its own.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	sub, stop := s.e.Subscribe()
	defer stop()
	// A closed engine closes every subscription at once: say so, rather
	// than open a stream that ends as it begins (and is reopened forever).
	select {
	case _, ok := <-sub:
		if !ok {
			writeErr(w, http.StatusServiceUnavailable, types.Errorf(types.ErrUnavailable, "the engine is closing: it has no more events"))
			return
		}
	default:
	}
	boot := s.e.EventBoot()
	since, missed := s.resumeFrom(r, boot)
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !isUnsupported(err) {
		s.log.Debug("event stream: lifting the read deadline", "err", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // a proxy in between must not buffer it
	w.WriteHeader(http.StatusOK)
	st := &sseWriter{w: w, rc: rc}
	hello := types.StreamHello{Boot: boot, Seq: since, HeartbeatS: s.heartbeat.Seconds()}
	st.comment(fmt.Sprintf("jsorc events; retry after %d ms", streamRetry))
	st.event(types.EventID(boot, since), types.StreamHelloEvent, hello)
	if missed != "" {
		st.event("", types.StreamResetEvent, types.Event{Type: types.EventReset, At: time.Now().UTC(), Message: missed})
	}
	since = st.sendSince(s, boot, since)
	beat := time.NewTicker(s.heartbeat)
	defer beat.Stop()
	for st.err == nil {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case ev, ok := <-sub:
			if !ok {
				return // the engine closed
			}
			if ev.Seq == 0 {
				st.event("", string(ev.Type), ev) // progress: not numbered, not kept
				continue
			}
			since = st.sendSince(s, boot, since)
		case <-beat.C:
			st.comment("heartbeat")
		}
	}
	s.log.Debug("event stream ended", "err", st.err)
}

// resumeFrom reads the client's Last-Event-ID (or ?last_event_id=): the
// number to send events after, and why the client must re-read the state
// when the engine cannot give it what it missed.
func (s *Server) resumeFrom(r *http.Request, boot string) (since uint64, missed string) {
	now := s.e.EventSeq()
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	if last == "" {
		return now, ""
	}
	b, seq, ok := types.ParseEventID(last)
	switch {
	case !ok:
		return now, fmt.Sprintf("Last-Event-ID %q is not an id of this stream (BOOT.SEQ): events may have been missed", last)
	case b != boot:
		return now, "the engine restarted since the last event: events may have been missed"
	case seq > now:
		return now, fmt.Sprintf("Last-Event-ID %q is ahead of the engine's latest event %d", last, now)
	}
	if _, complete := s.e.EventsSince(seq); !complete {
		return now, "more events happened than the engine keeps: some were missed"
	}
	return seq, ""
}

// sseWriter writes server-sent events, each flushed at once under a write
// deadline of its own; the first error stops every later write.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

// sendSince sends the numbered events after since, in order, and returns
// the number of the last one; a reader that fell behind the engine's
// history is told to reset.
func (st *sseWriter) sendSince(s *Server, boot string, since uint64) uint64 {
	evs, complete := s.e.EventsSince(since)
	if !complete {
		st.event("", types.StreamResetEvent, types.Event{Type: types.EventReset, At: time.Now().UTC(),
			Message: "the stream fell behind the engine's history: some events were missed"})
	}
	for _, ev := range evs {
		st.event(types.EventID(boot, ev.Seq), string(ev.Type), ev)
		since = ev.Seq
	}
	return since
}

// event writes one event: its id (none for ""), its name and its data as
// JSON on one line.
func (st *sseWriter) event(id, name string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		st.err = fmt.Errorf("encoding event %s: %w", name, err)
		return
	}
	msg := "event: " + name + "\ndata: " + string(b) + "\n\n"
	if id != "" {
		msg = "id: " + id + "\n" + msg
	}
	st.write(msg)
}

// comment writes an SSE comment, which readers ignore: it keeps the
// connection busy and tells the reader the stream is alive.
func (st *sseWriter) comment(text string) { st.write(": " + text + "\n\n") }

func (st *sseWriter) write(msg string) {
	if st.err != nil {
		return
	}
	if err := st.rc.SetWriteDeadline(time.Now().Add(streamWriteWindow)); err != nil && !isUnsupported(err) {
		st.err = err
		return
	}
	if _, err := st.w.Write([]byte(msg)); err != nil {
		st.err = err
		return
	}
	if err := st.rc.Flush(); err != nil {
		st.err = err
	}
}

// isUnsupported reports a ResponseWriter without deadlines (a test
// recorder): the stream works without them.
func isUnsupported(err error) bool { return errors.Is(err, http.ErrNotSupported) }

// closeStreams ends every event stream: the HTTP server calls it when it
// shuts down, since a stream never becomes idle by itself.
func (s *Server) closeStreams() { s.closeOnce.Do(func() { close(s.closing) }) }
