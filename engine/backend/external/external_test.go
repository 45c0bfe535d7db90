package external_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/backend/external"
	"github.com/jsorc/jsorc/engine/protocol"
)

// echoServer serves the built-in echo module on addr until stopped.
func echoServer(t *testing.T, addr string) (stop func()) {
	t.Helper()
	b, err := actions.NewRegistry().Lookup("echo")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := b.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: protocol.NewHandler("ext", inst, protocol.HandlerOptions{})}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		_ = srv.Close()
		inst.Close()
	}
}

// recorder keeps the states a server reports.
type recorder struct {
	mu     sync.Mutex
	states []backend.State
	wake   chan struct{}
}

func (r *recorder) report(st backend.State) {
	r.mu.Lock()
	r.states = append(r.states, st)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// waitPhase waits until the latest state has phase p.
func (r *recorder) waitPhase(t *testing.T, p backend.Phase) backend.State {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		r.mu.Lock()
		var last backend.State
		if n := len(r.states); n > 0 {
			last = r.states[n-1]
		}
		r.mu.Unlock()
		if last.Phase == p {
			return last
		}
		select {
		case <-r.wake:
		case <-deadline:
			t.Fatalf("phase %s never reported; last %+v", p.Status(), last)
		}
	}
}

// The follower says STARTING with the error while the server does not
// answer and READY with its spec once it does; retiring it stops nothing.
func TestFollowsExternalServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url := "http://" + addr

	rec := &recorder{wake: make(chan struct{}, 1)}
	l := external.New(protocol.NewClient(protocol.ClientOptions{}))
	if _, err := l.Launch(backend.ServerSpec{Module: "ext"}, rec.report); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("launch without a url: %v, want ErrInvalid", err)
	}
	srv, err := l.Launch(backend.ServerSpec{Module: "ext", URL: url}, rec.report)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()

	st := rec.waitPhase(t, backend.PhaseStarting)
	if st.LastError == "" || !st.External || st.URL != url {
		t.Errorf("while down: %+v", st)
	}
	stop := echoServer(t, addr)
	st = rec.waitPhase(t, backend.PhaseReady)
	if st.Spec["ext.echo"] == nil || st.LastError != "" {
		t.Errorf("ready: %+v", st)
	}
	stop()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := srv.Retire(context.Background()); err != nil {
		t.Errorf("Retire: %v", err)
	}
}
