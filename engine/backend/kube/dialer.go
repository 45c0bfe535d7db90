package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	k8s "github.com/jsorc/jsorc/kube"
)

// clusterUnreachableError says that an in-cluster action server cannot be
// reached from this engine. It wraps backend.ErrUnavailable.
type clusterUnreachableError struct {
	module, url string
	err         error
}

func (e *clusterUnreachableError) Error() string {
	return fmt.Sprintf("action server %s runs in the cluster at %s; this engine runs outside the cluster and could not port-forward to it: %v", e.module, e.url, e.err)
}

func (e *clusterUnreachableError) Unwrap() []error { return []error{backend.ErrUnavailable, e.err} }

// clusterDialer opens connections to in-cluster action servers for an
// engine outside the cluster: each server's in-cluster address
// (service.namespace.svc:port) is routed to a local port-forward, opened on
// first use and again after the tunnel dies. Other addresses are dialled
// directly.
type clusterDialer struct {
	kc   *k8s.Client
	base net.Dialer

	mu     sync.Mutex
	ctx    context.Context // Start's: tunnels live at most as long as this
	routes map[string]*tunnel
}

// tunnel is the port-forward of one action server.
type tunnel struct {
	module, url, service string
	port                 int

	mu    sync.Mutex
	local string
	stop  func()
	err   error
	errAt time.Time
}

func newClusterDialer(kc *k8s.Client, base net.Dialer) *clusterDialer {
	return &clusterDialer{kc: kc, base: base, routes: map[string]*tunnel{}}
}

// Start lets tunnels open until ctx ends, then closes them all (a
// run.Runnable).
func (d *clusterDialer) Start(ctx context.Context) error {
	d.mu.Lock()
	d.ctx = ctx
	d.mu.Unlock()
	<-ctx.Done()
	d.closeAll()
	return nil
}

// lifetime is the context tunnels live in, or an error when Start is not
// running.
func (d *clusterDialer) lifetime() (context.Context, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil || d.ctx.Err() != nil {
		return nil, errors.New("the engine's port-forwarding is not running")
	}
	return d.ctx, nil
}

// route makes calls to the module's in-cluster address go through a
// port-forward to its Service, until the returned function is called.
func (d *clusterDialer) route(module string, p plan) (unroute func()) {
	addr := net.JoinHostPort(p.service+"."+d.kc.Namespace()+".svc", strconv.Itoa(p.port))
	t := &tunnel{module: module, url: p.url, service: p.service, port: p.port}
	d.mu.Lock()
	old := d.routes[addr]
	d.routes[addr] = t
	d.mu.Unlock()
	if old != nil {
		old.close()
	}
	return func() {
		d.mu.Lock()
		if d.routes[addr] == t {
			delete(d.routes, addr)
		}
		d.mu.Unlock()
		t.close()
	}
}

// DialContext is the protocol client's dialer on the kube backend.
func (d *clusterDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	t := d.routes[addr]
	d.mu.Unlock()
	if t == nil {
		return d.base.DialContext(ctx, network, addr)
	}
	return t.dial(ctx, d, network)
}

// closeAll ends every tunnel.
func (d *clusterDialer) closeAll() {
	d.mu.Lock()
	ts := make([]*tunnel, 0, len(d.routes))
	for _, t := range d.routes {
		ts = append(ts, t)
	}
	d.mu.Unlock()
	for _, t := range ts {
		t.close()
	}
}

// dial connects through the tunnel, opening it first if needed. A tunnel
// that cannot be opened is reported for forwardRetryAfter without asking
// the API server again.
func (t *tunnel) dial(ctx context.Context, d *clusterDialer, network string) (net.Conn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for range 2 {
		if t.local == "" {
			if t.err != nil && time.Since(t.errAt) < forwardRetryAfter {
				return nil, &clusterUnreachableError{module: t.module, url: t.url, err: t.err}
			}
			life, err := d.lifetime()
			if err != nil {
				return nil, &clusterUnreachableError{module: t.module, url: t.url, err: err}
			}
			local, stop, err := d.kc.PortForward(life, "", t.service, t.port)
			if err != nil {
				t.err, t.errAt = err, time.Now()
				return nil, &clusterUnreachableError{module: t.module, url: t.url, err: err}
			}
			t.local, t.stop, t.err = local, stop, nil
		}
		conn, err := d.base.DialContext(ctx, network, t.local)
		if err == nil {
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		// The tunnel is gone (its pod went away): open a new one, once.
		t.stop()
		t.local, t.stop = "", nil
	}
	return nil, &clusterUnreachableError{module: t.module, url: t.url, err: errors.New("the port-forward closed at once")}
}

func (t *tunnel) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stop != nil {
		t.stop()
		t.local, t.stop = "", nil
	}
}
