package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts of the API's HTTP server. A call that waits longer moves its
// connection's deadlines itself (deadlines.go).
const (
	// readHeaderTimeout bounds reading a request's headers, readTimeout
	// the whole request with its body.
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	// writeTimeout bounds a quick call's answer.
	writeTimeout = defaultBudget + deadlineMargin
	// idleTimeout closes a keep-alive connection left unused.
	idleTimeout = 90 * time.Second
	// maxHeaderBytes bounds a request's headers.
	maxHeaderBytes = 64 << 10
)

// stopGrace is how long Shutdown lets the calls in progress finish before
// it ends their contexts: each then answers at once (the engine says it is
// stopping), so a long call never holds up a shutdown.
const stopGrace = time.Second

// errStopping is the cause of the requests' contexts that Shutdown ends.
var errStopping = errors.New("the API server is stopping")

// DefaultMaxConns is how many connections the API keeps open at most.
const DefaultMaxConns = 512

// HTTPOptions configure NewHTTPServer.
type HTTPOptions struct {
	// MaxConns bounds the open connections (default DefaultMaxConns).
	MaxConns int
	// TLSCert and TLSKey, both or neither, are PEM files: the API then
	// serves HTTPS only.
	TLSCert, TLSKey string
	// Logger receives the server's own errors; nil discards them.
	Logger *slog.Logger
	// ReadTimeout, WriteTimeout and IdleTimeout replace the defaults when
	// set (tests shorten them).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// or returns d, or def when d is zero.
func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// HTTPServer serves an API handler with the timeouts, the connection limit
// and the TLS the API needs.
type HTTPServer struct {
	srv     *http.Server
	limiter *connLimiter
	// stop ends the base context of every request (see Shutdown).
	stop context.CancelCauseFunc
}

// NewHTTPServer returns a server of h; it loads the TLS key pair at once, so
// a bad file is reported before anything listens.
func NewHTTPServer(h http.Handler, o HTTPOptions) (*HTTPServer, error) {
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	l := newConnLimiter(o.MaxConns)
	base, stop := context.WithCancelCause(context.Background())
	srv := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return base },
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       or(o.ReadTimeout, readTimeout),
		WriteTimeout:      or(o.WriteTimeout, writeTimeout),
		IdleTimeout:       or(o.IdleTimeout, idleTimeout),
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         l.ConnState,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelDebug),
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		stop(nil)
		return nil, errors.New("TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
	}
	if o.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			stop(nil)
			return nil, fmt.Errorf("TLS key pair %s, %s: %w", o.TLSCert, o.TLSKey, err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
	}
	// An event stream never becomes idle: Shutdown ends them, or it would
	// wait for them to its deadline.
	if s, ok := h.(*Server); ok {
		srv.RegisterOnShutdown(s.closeStreams)
	}
	return &HTTPServer{srv: srv, limiter: l, stop: stop}, nil
}

// TLS reports whether the server serves HTTPS.
func (s *HTTPServer) TLS() bool { return s.srv.TLSConfig != nil }

// Serve serves connections from ln until Shutdown.
func (s *HTTPServer) Serve(ln net.Listener) error {
	ln = s.limiter.Listener(ln)
	if s.TLS() {
		return s.srv.Serve(tls.NewListener(ln, s.srv.TLSConfig))
	}
	return s.srv.Serve(ln)
}

// Shutdown stops accepting and waits for the calls in progress, up to ctx;
// after stopGrace it ends their contexts, so the long ones answer too.
func (s *HTTPServer) Shutdown(ctx context.Context) error {
	t := time.AfterFunc(stopGrace, func() { s.stop(errStopping) })
	defer t.Stop()
	return s.srv.Shutdown(ctx)
}

// Close closes the listener and every connection at once.
func (s *HTTPServer) Close() error {
	s.stop(errStopping)
	return s.srv.Close()
}

// Loopback reports whether a listening address (host:port) can be reached
// from this machine only.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
