package backend

import (
	"context"
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
