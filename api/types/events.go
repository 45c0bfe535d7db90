package types

import (
	"context"
	"strconv"
	"strings"
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
	// EventCluster: an event of the cluster about a module's or a
	// service's objects (FailedScheduling, BackOff, OOMKilled, ...), on the
	// kube backend. Name is the module, or "service NAME".
	EventCluster EventType = "cluster"
	// EventScale: a module's replicas changed, by hand or by the
	// autoscaler (Cause policy). Name is the module; Message says from
	// how many to how many and why.
	EventScale EventType = "scale"
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

// The event stream: GET EventsPath answers server-sent events
// (text/event-stream) with the API's token. Each engine event comes as
// "id: <boot>.<seq>", "event: <type>", "data: <Event as JSON>"; the stream
// opens with a StreamHello and says ": heartbeat" every
// StreamHello.HeartbeatS seconds while nothing happens. A client that
// reconnects sends the last id it saw as Last-Event-ID and gets what it
// missed; when the engine can no longer tell (it restarted, or kept fewer
// events than were missed) the stream says "event: reset" instead.
const (
	EventsPath = AdminPrefix + "events"
	// StreamHelloEvent and StreamResetEvent name the stream's own events.
	StreamHelloEvent = "hello"
	StreamResetEvent = string(EventReset)
)

// StreamHello is the data of the stream's first event: which run of the
// engine this is, the number of its latest event, and how often the stream
// sends a heartbeat.
type StreamHello struct {
	Boot       string  `json:"boot"`
	Seq        uint64  `json:"seq"`
	HeartbeatS float64 `json:"heartbeat_s"`
}

// EventID is the stream's id of event seq of engine run boot.
func EventID(boot string, seq uint64) string { return boot + "." + strconv.FormatUint(seq, 10) }

// ParseEventID splits an id of the stream into the engine's run and the
// event's number.
func ParseEventID(id string) (boot string, seq uint64, ok bool) {
	boot, n, found := strings.Cut(id, ".")
	if !found || boot == "" {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return boot, seq, err == nil
}
