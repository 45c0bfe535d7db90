package api

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimiter caps the API's open connections. At the cap, a new
// connection takes the place of the one that has waited longest without a
// request in progress (idle between requests, or never having sent one):
// idle and slow connections cannot lock out a client that sends a request
// at once, and the process's file descriptors stay bounded. When every
// connection is serving a request, the new one is closed.
type connLimiter struct {
	max int

	mu    sync.Mutex
	conns map[*limitedConn]struct{}
}

// limitedConn is a connection the limiter tracks.
type limitedConn struct {
	net.Conn
	l *connLimiter

	// Guarded by l.mu.
	active bool      // a request is being served
	since  time.Time // when it last became idle (or was accepted)
	closed bool
}

func newConnLimiter(max int) *connLimiter {
	return &connLimiter{max: max, conns: make(map[*limitedConn]struct{})}
}

// Listener wraps ln so that its connections are counted.
func (l *connLimiter) Listener(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, l: l}
}

type limitListener struct {
	net.Listener
	l *connLimiter
}

// Accept admits the next connection, making room by closing the longest
// waiting one when at the cap; it closes the new one when no room can be
// made.
func (ll *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := ll.l.admit(c); lc != nil {
			return lc, nil
		}
		c.Close()
	}
}

// admit tracks c, evicting the longest waiting connection at the cap; nil
// when every tracked connection is serving a request.
func (l *connLimiter) admit(c net.Conn) *limitedConn {
	l.mu.Lock()
	var victim *limitedConn
	if len(l.conns) >= l.max {
		for o := range l.conns {
			if !o.active && (victim == nil || o.since.Before(victim.since)) {
				victim = o
			}
		}
		if victim == nil {
			l.mu.Unlock()
			return nil
		}
		l.forgetLocked(victim)
	}
	lc := &limitedConn{Conn: c, l: l, since: time.Now()}
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	if victim != nil {
		victim.Conn.Close()
	}
	return lc
}

func (l *connLimiter) forgetLocked(c *limitedConn) {
	c.closed = true
	delete(l.conns, c)
}

// Close stops counting the connection and closes it.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	if !c.closed {
		c.l.forgetLocked(c)
	}
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// ConnState follows each connection's state (http.Server.ConnState): only
// a connection serving a request is safe from eviction.
func (l *connLimiter) ConnState(nc net.Conn, st http.ConnState) {
	c := unwrapLimited(nc)
	if c == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch st {
	case http.StateActive:
		c.active = true
	case http.StateIdle:
		c.active, c.since = false, time.Now()
	case http.StateHijacked, http.StateClosed:
		if !c.closed {
			l.forgetLocked(c)
		}
	}
}

// unwrapLimited finds the limitedConn under a connection the server sees,
// which TLS wraps.
func unwrapLimited(c net.Conn) *limitedConn {
	for c != nil {
		if lc, ok := c.(*limitedConn); ok {
			return lc
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = u.NetConn()
	}
	return nil
}
