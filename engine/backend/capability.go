package backend

import (
	"context"
	"io"
	"net"
	"time"
)

// Dialer is a backend whose action servers the engine reaches through it:
// the engine's protocol client dials with DialContext (the kube backend
// outside its cluster routes in-cluster addresses through port-forwards).
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Scaler is a Server whose replicas can change while it runs. No backend
// implements it yet: replicas per module (issue 14) plug in here, with the
// state of each replica reported through the same callback.
type Scaler interface {
	Scale(ctx context.Context, replicas int) error
}

// LogSource is a backend that can read the log of a module's action server
// or of a service (a file on the local backend, a pod's log on Kubernetes).
// No backend implements it yet: the console's log view (issue 12) plugs in
// here.
type LogSource interface {
	Logs(ctx context.Context, owner string, follow bool) (io.ReadCloser, error)
}

// ScrapeCadence is a backend whose kept-alive Prometheus scrapes every
// ScrapeInterval: the engine's rate queries take windows of several
// intervals, since a rate needs at least two samples in its window.
type ScrapeCadence interface {
	ScrapeInterval() time.Duration
}
