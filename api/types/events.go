package types

import (
	"context"
	"time"
)

// EventType says what an [Event] is about.
type EventType string

// The engine's event types.
const (
	// EventModule: a module's state changed (requested mode, serving
	// placement, its action server's phase). Name is the module. Watchers
	// re-read its status; the types below say what happened.
	EventModule EventType = "module"
	// EventLoad: a module was asked to load; Message names the mode.
	EventLoad EventType = "load"
	// EventUnload: a module was asked to unload.
	EventUnload EventType = "unload"
	// EventSwitch: a module's calls moved to another placement; Message
	// says from where to where.
	EventSwitch EventType = "switch"
	// EventCrash: a module's action server exited or failed its probes.
	EventCrash EventType = "crash"
	// EventRestart: a module's action server was started again.
	EventRestart EventType = "restart"
	// EventPolicy: the policy was set, or it moved modules. Name is the
	// policy; Message says what it did.
	EventPolicy EventType = "policy"
	// EventService: a kept-alive service changed state or was repaired.
	// Name is the service.
	EventService EventType = "service"
	// EventMeasure: a measuring tool started or stopped. Name is the tool
	// (benchmark, trackact, tracksys), Message "started" or "stopped".
	EventMeasure EventType = "measure"
	// EventLoadTest: a load test started, made progress or ended. Name is
	// the app.
	EventLoadTest EventType = "loadtest"
	// EventConfig: a configuration changed. Name is what: META_CONFIG,
	// actions, services or apps.
	EventConfig EventType = "config"
	// EventApps: apps were defined.
	EventApps EventType = "apps"
	// EventReset is not an engine event: a client's stream says with it
	// that events may have been missed (a reconnection, a slow reader), so
	// what the watcher shows must be read again.
	EventReset EventType = "reset"
)

// Cause says who caused an event.
type Cause string

// The causes of events.
const (
	// CauseAPI: an API client that did not say who it is.
	CauseAPI Cause = "api"
	// CauseCLI: the jsorc CLI.
	CauseCLI Cause = "cli"
	// CauseConsole: the operations console (in-process or attached).
	CauseConsole Cause = "console"
	// CausePolicy: the active action policy.
	CausePolicy Cause = "policy"
	// CauseKeepAlive: the keep-alive loop, or a backend's supervisor
	// restarting what crashed.
	CauseKeepAlive Cause = "keep-alive"
	// CauseLoadTest: a running load test.
	CauseLoadTest Cause = "loadtest"
	// CauseEngine: the engine itself (restoring its state at start, an
	// action server's own crash).
	CauseEngine Cause = "engine"
)

// CauseHeader is the request header in which an API client says who it is
// (one of Causes); the engine records it as the cause of what the request
// changes.
const CauseHeader = "X-Jsorc-Client"

// Causes lists the causes an API client may claim for itself.
func Causes() []Cause { return []Cause{CauseAPI, CauseCLI, CauseConsole} }

// Event tells a watcher that something of the engine changed. Watchers
// re-read what they show; an event carries what changed, when, who caused
// it, and an optional message.
type Event struct {
	// Seq numbers the engine's events from 1 since it started; a watcher
	// that sees a gap missed events. Progress events (a load test's
	// seconds) carry 0: they are dropped for slow watchers by design.
	Seq     uint64    `json:"seq,omitempty"`
	Type    EventType `json:"type"`
	Name    string    `json:"name,omitempty"`
	At      time.Time `json:"at"`
	Message string    `json:"message,omitempty"`
	Cause   Cause     `json:"cause,omitempty"`
}

// causeKey is the context key of a Cause.
type causeKey struct{}

// WithCause returns a context that says who is asking: the engine records
// it as the cause of what the request changes.
func WithCause(ctx context.Context, c Cause) context.Context {
	return context.WithValue(ctx, causeKey{}, c)
}

// CauseOf returns who ctx says is asking, or def when it does not say.
func CauseOf(ctx context.Context, def Cause) Cause {
	if c, ok := ctx.Value(causeKey{}).(Cause); ok && c != "" {
		return c
	}
	return def
}
