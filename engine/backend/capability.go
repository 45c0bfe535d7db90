package backend

import (
	"context"
	"errors"
	"net"
	"time"
)

// Dialer is a backend whose action servers the engine reaches through it:
// the engine's protocol client dials with DialContext (the kube backend
// outside its cluster routes in-cluster addresses through port-forwards).
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// FrameSockets is a backend whose own action servers also answer jsorc's
// frame protocol on a Unix domain socket: the engine's protocol client
// calls them there (protocol.ClientOptions.FrameSocket), a shorter hop
// than HTTP over TCP loopback.
type FrameSockets interface {
	FrameSocket(hostport string) (path string, ok bool)
}

// Scaler is a Server whose replicas can change while it runs, the state
// of each replica reported through the same callback (State.Replicas).
// Scale sets how many replicas run (at least 1); scaling down removes the
// replicas of the highest indexes at once: the engine has already stopped
// sending them calls and let the calls in flight on them return.
type Scaler interface {
	Scale(ctx context.Context, replicas int) error
}

// LogSource is a backend that can read the log of a module's action server
// or of a kept-alive service (a file on the local backend, a pod's log on
// Kubernetes). A log is read in pieces from an offset, so a reader follows
// it by asking again from where the last piece ended (the console's logs
// pane, `jsorc logs -f`), over the API as in-process.
type LogSource interface {
	ReadLog(ctx context.Context, q LogQuery) (LogPiece, error)
}

// LogQuery asks for a piece of a log.
type LogQuery struct {
	// Owner is the module's name, or the service's when Service is set.
	Owner   string
	Service bool
	// Offset is where to start in the log; negative asks for its last Max
	// bytes.
	Offset int64
	// Max bounds the bytes of the piece.
	Max int
	// ID is the LogPiece.ID the offset belongs to: a log rotated or
	// restarted since then is read again from its start.
	ID string
}

// LogPiece is a piece of a log.
type LogPiece struct {
	// Source says where the log is: a file's path, or "pod NS/NAME".
	Source string
	// ID identifies this incarnation of the log (a file, a container).
	ID string
	// Data are the bytes from Offset on; Size is the log's size now.
	Data   []byte
	Offset int64
	Size   int64
	// Reset says that the log is not the one the query's ID named: Data
	// starts the new one.
	Reset bool
}

// ScrapeCadence is a backend whose kept-alive Prometheus scrapes every
// ScrapeInterval: the engine's rate queries take windows of several
// intervals, since a rate needs at least two samples in its window.
type ScrapeCadence interface {
	ScrapeInterval() time.Duration
}

// Where says where a backend runs things: its name and, for a cluster,
// the kubeconfig context, the API server and the namespace.
type Where struct {
	Backend   string
	Context   string
	Server    string
	Namespace string
}

// Locator is a backend that says where it runs things beyond its name.
type Locator interface {
	Where() Where
}

// Pod is one pod behind a module's or a service's workload.
type Pod struct {
	Name      string
	Phase     string
	Ready     bool
	Restarts  int
	Node      string
	Created   time.Time
	Reason    string
	LastEvent string
}

// PodLister is a backend whose servers run as pods: it lists an owner's
// pods from its informer cache, with the replicas ready and desired.
type PodLister interface {
	Pods(owner string, service bool) (pods []Pod, ready, desired int)
}

// ObjectEvent is an event of the place a backend runs things (a
// Kubernetes event of a module's or service's objects: FailedScheduling,
// BackOff, OOMKilled...).
type ObjectEvent struct {
	Owner   string
	Service bool
	Warning bool
	Text    string
	At      time.Time
}

// EventSource is a backend that reports such events to the engine, which
// passes them to its own event stream.
type EventSource interface {
	SetEventSink(sink func(ObjectEvent))
}

// Usage is the CPU and memory of servers: one pod's, or summed over a
// module's pods.
type Usage struct {
	CPUCores float64
	MemBytes uint64
	Pods     int
}

// UsageReading is one reading of the CPU and memory of the servers a
// backend runs as pods.
type UsageReading struct {
	// Source names where the figures come from (types.SourceMetricsAPI).
	Source string
	// Owners are the modules' figures, each summed over its pods; Pods
	// are each pod's, by name.
	Owners map[string]Usage
	Pods   map[string]Usage
}

// ErrNoUsageSource marks a backend's answer that the place it runs its
// servers measures none of them (a cluster without the metrics API); the
// error says why.
var ErrNoUsageSource = errors.New("no usage source")

// UsageReader is a backend that reads the CPU and memory of its servers
// from the place it runs them (a cluster's metrics API). ReadUsage fails
// with ErrNoUsageSource when there is no such source there, with another
// error when reading it failed.
type UsageReader interface {
	ReadUsage(ctx context.Context) (UsageReading, error)
}
