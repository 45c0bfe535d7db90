// Package external follows the action servers that someone else runs, at
// the URL a module's config names (its `url`). It starts and stops nothing:
// it polls the server's spec until it answers (READY), then checks its
// health periodically, reporting every change. The engine uses it for such
// a module on every backend.
//
// It knows the backend seam (package backend) and the action protocol's
// client, nothing of the engine.
package external

import (
	"context"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/protocol"
)

// Polling intervals: quick while the server is not ready, slow once it is.
const (
	firstInterval = 100 * time.Millisecond
	maxInterval   = time.Second
	readyInterval = 5 * time.Second
	probeTimeout  = time.Second
)

// Launcher follows external action servers with a protocol client.
type Launcher struct {
	client *protocol.Client
}

// New returns a Launcher that probes with client.
func New(client *protocol.Client) *Launcher { return &Launcher{client: client} }

// Launch returns the follower of the server at spec.URL.
func (l *Launcher) Launch(spec backend.ServerSpec, report func(backend.State)) (backend.Server, error) {
	if spec.URL == "" {
		return nil, backend.Errorf(backend.ErrInvalid, "module %q: no url of an external action server", spec.Module)
	}
	return &server{client: l.client, url: spec.URL, report: report}, nil
}

// server follows one external action server.
type server struct {
	client *protocol.Client
	url    string
	report func(backend.State)
}

// Start polls the server until ctx ends.
func (s *server) Start(ctx context.Context) error {
	interval := firstInterval
	var last backend.State
	for {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		spec, err := s.client.Spec(pctx, s.url)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		st := backend.State{Phase: backend.PhaseReady, URL: s.url, External: true, Spec: spec, Since: last.Since}
		if err != nil {
			st = backend.State{Phase: backend.PhaseStarting, URL: s.url, External: true, LastError: err.Error(), Since: last.Since}
		}
		if st.Phase != last.Phase || st.LastError != last.LastError {
			st.Since = time.Now()
			s.report(st)
			last = st
		}
		if st.Phase == backend.PhaseReady {
			interval = readyInterval
		} else {
			interval = min(2*interval, maxInterval)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// Retire does nothing: the server is not jsorc's to stop.
func (s *server) Retire(context.Context) error { return nil }
