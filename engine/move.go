package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/internal/run"
)

// backendHandle is the backend the engine works with, the protocol client
// that reaches its action servers (through its Dialer), and the group tasks
// of its loops. service_refresh meta may replace it whole (moveBackend);
// bindings keep the client they were made with, so calls in flight finish
// where they started.
type backendHandle struct {
	b      Backend
	client *protocol.Client
	tasks  []*run.Task
}

// newClient is the protocol client for b's action servers: through b's
// dialer (the kube backend's port-forwards) and on its servers' frame
// sockets (the local backend's), where it has them; every call bounded by
// timeout unless its context ends sooner.
func newClient(b Backend, timeout time.Duration) *protocol.Client {
	copts := protocol.ClientOptions{Timeout: timeout}
	if d, ok := b.(backend.Dialer); ok {
		copts.DialContext = d.DialContext
	}
	if f, ok := b.(backend.FrameSockets); ok {
		copts.FrameSocket = f.FrameSocket
	}
	return protocol.NewClient(copts)
}

// backend returns the engine's current backend.
func (e *Engine) backend() Backend { return e.be.Load().b }

// moveTimeout bounds how long a move waits for the servers in the new
// place to be READY and serving.
const moveTimeout = 2 * time.Minute

// moveBackend applies a META_CONFIG that the backend could not apply in
// place (why says what changed: the kube backend's namespace or its way to
// the cluster), as JSORC applied it at once. It opens a backend with meta
// and starts its loops; hands it the kept-alive services; moves every
// module in remote mode make-before-break (its server started in the new
// place and READY, calls switched to it, the old server drained then
// retired); then stops the old backend's loops and closes it. It answers
// what moved and what stayed where it was, and why.
func (e *Engine) moveBackend(ctx context.Context, why error) (string, error) {
	meta := e.Meta()
	old := e.be.Load()
	nb, err := e.opts.Backend.Open(ctx, backend.Env{DataDir: e.opts.DataDir, Logger: e.log, Meta: backendMeta(meta)})
	if err != nil {
		return "", fmt.Errorf("%s: opening it: %w; the engine keeps working where it was", why, fromBackend(err))
	}
	h := &backendHandle{b: nb, client: newClient(nb, e.opts.CallTimeout)}
	e.adoptEvents(nb)
	abandon := func(err error) (string, error) {
		stopTasks(h.tasks)
		_ = nb.Close()
		return "", fmt.Errorf("%s: %w; the engine keeps working where it was", why, err)
	}
	for _, t := range nb.Runnables() {
		task, err := e.group.Add(run.StageBackend, t.Name, t.Runnable)
		if err != nil {
			return abandon(err)
		}
		h.tasks = append(h.tasks, task)
		if r, ok := t.Runnable.(run.Readier); ok {
			if err := r.Ready(ctx); err != nil {
				return abandon(fromBackend(err))
			}
		}
	}
	e.be.Store(h)
	if err := e.applyMeta(); err != nil {
		e.log.Warn("applying META_CONFIG to the new backend", "err", err)
	}

	var moving, stayed []*module
	for _, m := range e.routes.all() {
		switch {
		case m.moveServer():
			moving = append(moving, m)
		case m.hasServer():
			stayed = append(stayed, m)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, moveTimeout)
	defer cancel()
	var moved, failed []string
	for _, m := range moving {
		if err := m.waitMoved(wctx); err != nil {
			failed = append(failed, fmt.Sprintf("%s (%v; it goes on serving from its old server)", m.name, err))
			continue
		}
		moved = append(moved, m.name)
	}
	if len(failed) == 0 {
		// The old backend's servers are retired (or, for those that
		// stayed, left running): its loops and connections can go.
		for _, m := range moving {
			m.waitStopped(wctx)
		}
		stopTasks(old.tasks)
		if err := old.b.Close(); err != nil {
			e.log.Warn("closing the backend moved from", "err", err)
		}
	}
	return moveReport(why, moved, failed, stayed), nil
}

// moveReport says what a move did.
func moveReport(why error, moved, failed []string, stayed []*module) string {
	slices.Sort(moved)
	slices.Sort(failed)
	var b strings.Builder
	fmt.Fprintf(&b, "%v: applied now.", why)
	if len(moved) > 0 {
		fmt.Fprintf(&b, " Moved make-before-break (the new action server READY, calls switched to it, the old one drained and retired): %s.", strings.Join(moved, ", "))
	} else {
		b.WriteString(" No module was in remote mode: nothing to move.")
	}
	if len(failed) > 0 {
		fmt.Fprintf(&b, " Not moved: %s.", strings.Join(failed, "; "))
	}
	if len(stayed) > 0 {
		names := make([]string, len(stayed))
		for i, m := range stayed {
			names[i] = m.name
		}
		slices.Sort(names)
		fmt.Fprintf(&b, " Left where they ran: the warm servers of %s (not in remote mode; they start in the new place when loaded remote again).", strings.Join(names, ", "))
	}
	b.WriteString(" Services are kept alive in the new place from now on; those the engine kept in the old place are left there, not deleted (db's volume holds data): remove them by hand once unneeded.")
	return b.String()
}

func stopTasks(ts []*run.Task) {
	for _, t := range ts {
		t.Stop()
	}
	for _, t := range ts {
		<-t.Done()
	}
}

// moveServer detaches the module's server, when the module is in remote
// mode on the engine's backend, so that the reconciler starts one on the
// engine's (new) backend; the detached one goes on serving until the new one
// is READY and serving, then stops. It reports whether there was one.
func (m *module) moveServer() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	sr := m.server
	if sr == nil || m.desired != ModeRemote || m.cfg.URL != "" {
		return false
	}
	m.server, m.rstate = nil, backend.State{}
	m.leaving = append(m.leaving, sr)
	m.notifyLocked()
	m.wake()
	return true
}

// hasServer reports whether the module has an action server.
func (m *module) hasServer() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.server != nil
}

// waitMoved waits until the module serves from its new server and its old
// ones have been let go.
func (m *module) waitMoved(ctx context.Context) error {
	for {
		m.mu.Lock()
		ch, sr, rs, failErr, leaving := m.changed, m.server, m.rstate, m.failErr, len(m.leaving)
		m.mu.Unlock()
		cur := m.cur.Load()
		if sr != nil && rs.Phase == backend.PhaseReady && cur != nil && cur.url == rs.URL && leaving == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if failErr != nil {
				return failErr
			}
			if rs.LastError != "" {
				return errors.New(rs.LastError)
			}
			return fmt.Errorf("its new server is %v", rs.Phase)
		}
	}
}

// waitStopped waits until the servers the module let go have stopped; false
// when ctx ended first.
func (m *module) waitStopped(ctx context.Context) bool {
	for {
		m.mu.Lock()
		ch, stopping := m.changed, m.stopping
		m.mu.Unlock()
		if stopping == 0 {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// stopLeaving stops the servers a move detached, once the module no longer
// serves from them.
func (m *module) stopLeaving(ctx context.Context) {
	m.mu.Lock()
	leaving := m.leaving
	m.leaving = nil
	m.mu.Unlock()
	for _, sr := range leaving {
		m.stopServer(ctx, sr)
	}
}
