package engine

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/internal/pubsub"
)

// Events, in the API's shape (api/types).
type (
	// EventType says what an Event is about.
	EventType = types.EventType
	// Event tells a watcher that something of the engine changed.
	Event = types.Event
	// Cause says who caused an event.
	Cause = types.Cause
)

// The engine's event types (see api/types for what each means).
const (
	EventModule   = types.EventModule
	EventLoad     = types.EventLoad
	EventUnload   = types.EventUnload
	EventSwitch   = types.EventSwitch
	EventCrash    = types.EventCrash
	EventRestart  = types.EventRestart
	EventPolicy   = types.EventPolicy
	EventService  = types.EventService
	EventMeasure  = types.EventMeasure
	EventLoadTest = types.EventLoadTest
	EventConfig   = types.EventConfig
	EventApps     = types.EventApps
	EventCluster  = types.EventCluster
	EventScale    = types.EventScale
)

// recentEvents is how many of the latest numbered events the engine keeps,
// for a watcher that reconnects (EventsSince).
const recentEvents = types.MaxKeptEvents

// events is the engine's event hub: the broker that fans events out, and
// the numbered history of the latest ones.
type events struct {
	broker *pubsub.Broker[Event]
	boot   string

	mu     sync.Mutex
	seq    uint64
	recent []Event // ring, oldest at head once full
	head   int
}

// newEvents returns the engine's event hub. Its broker coalesces by type
// and name: a subscriber that is behind gets the latest event of each
// thing that changed, never an unbounded backlog, and loses no thing's
// latest change.
func newEvents(now time.Time) *events {
	return &events{
		broker: pubsub.NewBroker(pubsub.Options[Event]{
			Key: func(ev Event) string { return string(ev.Type) + "\x00" + ev.Name },
		}),
		boot:   strconv.FormatInt(now.UnixNano(), 36),
		recent: make([]Event, 0, recentEvents),
	}
}

// Subscribe returns a channel of engine events and a function that ends the
// subscription. The channel is closed when the engine closes.
func (e *Engine) Subscribe() (<-chan Event, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	return e.events.broker.Subscribe(ctx), cancel
}

// EventBoot names this run of the engine: event numbers (Event.Seq) count
// from 1 again when it changes.
func (e *Engine) EventBoot() string { return e.events.boot }

// EventSeq is the number of the engine's latest event (0 before the first).
func (e *Engine) EventSeq() uint64 {
	e.events.mu.Lock()
	defer e.events.mu.Unlock()
	return e.events.seq
}

// EventsSince returns the numbered events after seq that the engine still
// keeps, oldest first, and whether they are all there are: false when some
// after seq are no longer kept.
func (e *Engine) EventsSince(seq uint64) ([]Event, bool) {
	h := e.events
	h.mu.Lock()
	defer h.mu.Unlock()
	if seq >= h.seq {
		return nil, seq == h.seq
	}
	n := int(h.seq - seq)
	complete := n <= len(h.recent)
	n = min(n, len(h.recent))
	out := make([]Event, 0, n)
	for i := len(h.recent) - n; i < len(h.recent); i++ {
		out = append(out, h.recent[(h.head+i)%len(h.recent)])
	}
	return out, complete
}

// publish tells every subscriber of a change (must-deliver), numbered and
// kept for EventsSince.
func (e *Engine) publish(cause Cause, t EventType, name, message string) {
	h := e.events
	ev := Event{Type: t, Name: name, At: time.Now(), Message: message, Cause: cause}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	ev.Seq = h.seq
	if len(h.recent) < recentEvents {
		h.recent = append(h.recent, ev)
	} else {
		h.recent[h.head] = ev
		h.head = (h.head + 1) % recentEvents
	}
	// Under mu, so every subscriber gets the events in their order.
	h.broker.Publish(ev)
}

// progress tells the subscribers that can take it of progress (lossy,
// unnumbered, not kept): a slow one misses some, by design.
func (e *Engine) progress(t EventType, name, message string) {
	e.events.broker.TryPublish(Event{Type: t, Name: name, At: time.Now(), Message: message})
}

// causeOf is who ctx says is asking; an API caller that did not say is
// CauseAPI.
func causeOf(ctx context.Context) Cause { return types.CauseOf(ctx, types.CauseAPI) }

// modeWord names a mode for people: "none" for no placement.
func modeWord(m Mode) string {
	if m == ModeNone {
		return "none"
	}
	return string(m)
}

// publishServerChange tells of a module's action server crashing, or being
// started again by its backend's supervisor.
func (e *Engine) publishServerChange(module string, prev, st backend.State) {
	if st.Phase == backend.PhaseCrashed && prev.Phase != backend.PhaseCrashed {
		msg := "action server crashed"
		if st.LastError != "" {
			msg += ": " + st.LastError
		}
		e.publish(types.CauseEngine, EventCrash, module, msg)
	}
	if st.Restarts > prev.Restarts {
		e.publish(types.CauseKeepAlive, EventRestart, module, fmt.Sprintf("action server started again (restart %d)", st.Restarts))
	}
}
