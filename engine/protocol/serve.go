package protocol

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// ShutdownTimeout is how long Serve lets in-flight calls finish once its
// context is done, before closing their connections.
const ShutdownTimeout = 5 * time.Second

// Serve listens on addr (":0" or "127.0.0.1:0" pick a free port), calls
// ready, if not nil, with the address actually bound, and serves h until ctx
// is done. It then shuts down gracefully: it stops accepting, lets in-flight
// calls finish for up to ShutdownTimeout, and returns nil. It returns an
// error if it cannot listen, if serving fails, or if the shutdown had to cut
// calls short.
//
// Reading a request's headers is bounded (slow clients cannot hold a
// connection forever), idle keep-alive connections are closed after two
// minutes, and answers have no write deadline: an action may take as long as
// its caller's timeout allows.
func Serve(ctx context.Context, addr string, h http.Handler, ready func(boundAddr string)) error {
	return ServeSocket(ctx, addr, "", h, ready)
}

// ServeSocket is Serve that also answers the frame protocol (frame.go) on
// the Unix domain socket at path (none when path is ""): the local
// backend's engine reaches its own action servers there, a shorter hop
// than HTTP over TCP loopback, while everyone else keeps the Jaseci
// protocol over TCP. Both serve h. A file left at path by a server that
// died is replaced; the socket is removed when the server stops.
func ServeSocket(ctx context.Context, addr, path string, h http.Handler, ready func(boundAddr string)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("action server: listening on %s: %w", addr, err)
	}
	var uln net.Listener
	if path != "" {
		if uln, err = listenUnix(ctx, path); err != nil {
			_ = ln.Close()
			return err
		}
	}
	bound := ln.Addr().String()
	fresh := newFreshConns()
	srv := &http.Server{
		ConnState:         fresh.track,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
	nserve := 1
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	var frames *frameServer
	if uln != nil {
		nserve++
		frames = newFrameServer(h, nil)
		go func() { served <- frames.serve(uln) }()
	}
	// stopFrames closes the socket and ends the frame connections, the
	// calls in flight given until ctx is done.
	stopFrames := func(ctx context.Context) error {
		if frames == nil {
			return nil
		}
		_ = uln.Close()
		return frames.shutdown(ctx)
	}
	// wait collects the listeners' ends after the first.
	wait := func(from int) error {
		var errs []error
		for range nserve - from {
			if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	if ready != nil {
		ready(bound)
	}

	select {
	case err := <-served:
		closeErr := srv.Close()
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return fmt.Errorf("action server on %s: %w", bound, errors.Join(err, closeErr, stopFrames(ctx), wait(1)))
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	// Shutdown counts a connection that has not sent a request yet as busy
	// for five seconds; a pooled client often holds such spare connections,
	// so close them first, as no call can be lost on them.
	srv.SetKeepAlivesEnabled(false)
	fresh.closeAll()
	framesDone := make(chan error, 1)
	go func() { framesDone <- stopFrames(sctx) }()
	err = srv.Shutdown(sctx)
	if ferr := <-framesDone; ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		closeErr := srv.Close()
		_ = wait(0)
		return fmt.Errorf("action server on %s: shutting down: %w", bound, errors.Join(err, closeErr))
	}
	if err := wait(0); err != nil {
		return fmt.Errorf("action server on %s: %w", bound, err)
	}
	return nil
}

// listenUnix listens on the Unix domain socket at path, replacing a socket
// file a dead server left there (but no other kind of file).
func listenUnix(ctx context.Context, path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("action server: %s exists and is not a socket: give another --socket path", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("action server: removing the stale socket %s: %w", path, err)
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("action server: listening on the socket %s: %w", path, err)
	}
	return ln, nil
}

// freshConns tracks the connections that have not sent a request yet.
type freshConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func newFreshConns() *freshConns { return &freshConns{conns: make(map[net.Conn]struct{})} }

func (f *freshConns) track(c net.Conn, st http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st == http.StateNew {
		f.conns[c] = struct{}{}
	} else {
		delete(f.conns, c)
	}
}

func (f *freshConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		_ = c.Close()
		delete(f.conns, c)
	}
}
