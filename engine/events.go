package engine

import (
	"context"
	"time"

	"github.com/jsorc/jsorc/internal/pubsub"
)

// EventType says what an Event is about.
type EventType string

// The engine's event types.
const (
	// EventModule: a module's state changed (requested mode, serving
	// placement, its action server's phase). Name is the module.
	EventModule EventType = "module"
	// EventPolicy: the policy was set, or it moved modules. Name is the
	// policy; Message says what it did.
	EventPolicy EventType = "policy"
	// EventApps: apps were defined.
	EventApps EventType = "apps"
	// EventLoadTest: a running load test made progress. Name is the app.
	EventLoadTest EventType = "loadtest"
)

// Event tells a watcher that something of the engine changed. Watchers
// re-read what they show through the API; an event carries only what
// changed, when, and an optional message.
type Event struct {
	Type    EventType `json:"type"`
	Name    string    `json:"name,omitempty"`
	At      time.Time `json:"at"`
	Message string    `json:"message,omitempty"`
}

// newEvents returns the engine's broker. It coalesces by type and name: a
// subscriber that is behind gets the latest event of each thing that
// changed, never an unbounded backlog, and loses no thing's latest change.
func newEvents() *pubsub.Broker[Event] {
	return pubsub.NewBroker(pubsub.Options[Event]{
		Key: func(ev Event) string { return string(ev.Type) + "\x00" + ev.Name },
	})
}

// Subscribe returns a channel of engine events and a function that ends the
// subscription. The channel is closed when the engine closes.
func (e *Engine) Subscribe() (<-chan Event, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	return e.events.Subscribe(ctx), cancel
}

// publish tells every subscriber of a change (must-deliver).
func (e *Engine) publish(t EventType, name, message string) {
	e.events.Publish(Event{Type: t, Name: name, At: time.Now(), Message: message})
}
