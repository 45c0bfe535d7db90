package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// Reconnection of the event stream.
const (
	// DefaultReconnectFor is how long Events tries to reconnect to an
	// engine whose stream ended before it gives up and closes the channel.
	DefaultReconnectFor = 5 * time.Second
	// deadHeartbeats is how many heartbeats may pass without a word before
	// a stream counts as dead.
	deadHeartbeats = 3
	// firstRetry is the first pause before reconnecting; it doubles up to
	// maxRetry.
	firstRetry = 250 * time.Millisecond
	maxRetry   = 2 * time.Second
)

// Events subscribes to the engine's event stream (types.EventsPath) and
// delivers its events until ctx ends, then closes the channel. When the
// stream breaks — the connection drops, or it stays silent for three
// heartbeats — it reconnects and resumes after the last event it
// delivered; when the engine cannot say what was missed (it restarted, or
// the reader fell too far behind) it delivers a types.EventReset, after
// which the reader should read the state again. An engine that stays
// unreachable for the reconnection time (WithReconnectFor) closes the
// channel: the engine is gone. The first connection is made before Events
// returns, so an engine without a stream, or a refused token, is an error.
func (c *Client) Events(ctx context.Context) (<-chan types.Event, error) {
	body, hello, err := c.openStream(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make(chan types.Event, 16)
	s := &eventStream{c: c, out: out, last: types.EventID(hello.Boot, hello.Seq), heartbeat: heartbeatOf(hello)}
	go s.run(ctx, body)
	return out, nil
}

// eventStream is one subscription: where it is in the engine's events,
// and how long silence may last.
type eventStream struct {
	c         *Client
	out       chan<- types.Event
	last      string // the id to resume after
	heartbeat time.Duration
}

// heartbeatOf is a stream's heartbeat, or a quarter minute when the
// engine did not say.
func heartbeatOf(h types.StreamHello) time.Duration {
	if h.HeartbeatS > 0 {
		return time.Duration(h.HeartbeatS * float64(time.Second))
	}
	return 15 * time.Second
}

// run reads the stream, reconnecting as long as the engine can be reached,
// and closes the channel at the end.
func (s *eventStream) run(ctx context.Context, body io.ReadCloser) {
	defer close(s.out)
	for {
		s.read(ctx, body)
		body.Close()
		if ctx.Err() != nil {
			return
		}
		// A broken stream is reconnected; only the engine's absence ends it.
		if body = s.reconnect(ctx); body == nil {
			return
		}
	}
}

// reconnect opens the stream again after the last event, trying for the
// reconnection time; nil when the engine stays away or refuses.
func (s *eventStream) reconnect(ctx context.Context) io.ReadCloser {
	deadline := time.Now().Add(s.c.reconnectFor)
	wait := firstRetry
	for {
		body, hello, err := s.c.openStream(ctx, s.last)
		if err == nil {
			// The hello says where the stream goes on from: after the
			// last event, or from now after a reset.
			s.last, s.heartbeat = types.EventID(hello.Boot, hello.Seq), heartbeatOf(hello)
			return body
		}
		var refused *Error
		if errors.As(err, &refused) || ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			return nil // refused (a token changed, a stream gone) or out of time
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, maxRetry)
	}
}

// openStream connects to the stream, resuming after lastID when given, and
// reads its hello.
func (c *Client) openStream(ctx context.Context, lastID string) (io.ReadCloser, types.StreamHello, error) {
	req, err := c.request(ctx, http.MethodGet, types.EventsPath, nil)
	if err != nil {
		return nil, types.StreamHello{}, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, types.StreamHello{}, c.transportError(types.EventsPath, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, types.StreamHello{}, answerError(resp, raw)
	}
	// The hello comes first; the body keeps its reader for the rest.
	body := &bufferedBody{r: bufio.NewReader(resp.Body), c: resp.Body}
	name, data, _, err := readEvent(body.r)
	if err == nil && name != types.StreamHelloEvent {
		err = fmt.Errorf("the stream began with %q, not a hello", name)
	}
	var hello types.StreamHello
	if err == nil {
		err = json.Unmarshal(data, &hello)
	}
	if err != nil {
		resp.Body.Close()
		return nil, types.StreamHello{}, fmt.Errorf("reading the event stream of %s: %w", c.base, err)
	}
	return body, hello, nil
}

// read delivers the events of one connection until it breaks, goes silent
// for too long, or ctx ends.
func (s *eventStream) read(ctx context.Context, body io.ReadCloser) {
	silence := time.Duration(deadHeartbeats) * s.heartbeat
	// A silent stream is dead: closing its body ends the read below.
	watchdog := time.AfterFunc(silence, func() { body.Close() })
	defer watchdog.Stop()
	stop := context.AfterFunc(ctx, func() { body.Close() })
	defer stop()
	r := body.(*bufferedBody).r
	for {
		name, data, id, err := readEventWatched(r, func() { watchdog.Reset(silence) })
		if err != nil {
			return
		}
		ev, ok := decodeEvent(name, data)
		if !ok {
			continue // a hello on this connection, or what this version does not know
		}
		select {
		case s.out <- ev:
		case <-ctx.Done():
			return
		}
		if id != "" {
			s.last = id
		}
	}
}

// decodeEvent turns one event of the stream into an engine event; the
// stream's hello is not one.
func decodeEvent(name string, data []byte) (types.Event, bool) {
	if name == types.StreamHelloEvent {
		return types.Event{}, false
	}
	var ev types.Event
	if err := json.Unmarshal(data, &ev); err != nil || ev.Type == "" {
		return types.Event{}, false
	}
	return ev, true
}

// readEvent reads one event: its name, data and id; comments are skipped.
func readEvent(r *bufio.Reader) (name string, data []byte, id string, err error) {
	return readEventWatched(r, func() {})
}

// readEventWatched is readEvent that calls alive for every line, comments
// (heartbeats) included.
func readEventWatched(r *bufio.Reader, alive func()) (name string, data []byte, id string, err error) {
	var lines []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", nil, "", err
		}
		alive()
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if name == "" && len(lines) == 0 {
				continue // the end of a comment or of nothing
			}
			if name == "" {
				name = "message"
			}
			return name, []byte(strings.Join(lines, "\n")), id, nil
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "": // a comment
		case "event":
			name = value
		case "data":
			lines = append(lines, value)
		case "id":
			id = value
		}
	}
}

// bufferedBody is a response body read through a buffer.
type bufferedBody struct {
	r *bufio.Reader
	c io.Closer
}

func (b *bufferedBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *bufferedBody) Close() error               { return b.c.Close() }
