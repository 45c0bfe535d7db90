package local

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/jsorc/jsorc/engine/backend"
	supervise "github.com/jsorc/jsorc/engine/local"
)

// server is a module's action server as replicas, each a supervised child
// process of its own: each (re)start of a replica gets a fresh loopback
// port and socket, readiness is the spec endpoint answering, and a crash
// restarts that replica alone, with back-off.
type server struct {
	b      *Backend
	module string
	argv   []string
	env    []string
	report func(backend.State)
	// kick wakes Start when desired changes.
	kick chan struct{}
	// reportMu keeps the reports in the order of the states they snapshot.
	reportMu sync.Mutex

	mu      sync.Mutex
	desired int
	reps    []*replica
}

// replica is one supervised process of a server.
type replica struct {
	s      *server
	index  int
	cancel context.CancelFunc

	mu    sync.Mutex
	spec  map[string][]string // what the last successful probe read
	state supervise.State
	// addr is the TCP address of the current start, whose socket the
	// engine calls through (see Backend.FrameSocket).
	addr string
	// claim is this start's entry in the backend's socket map (nil: its
	// server has no socket); it is removed only while still this one.
	claim *socketClaim
}

// Scale sets how many replicas run; Start adds or removes them.
func (s *server) Scale(_ context.Context, n int) error {
	if n < 1 {
		return backend.Errorf(backend.ErrConflict, "module %q: %d replicas: give at least 1", s.module, n)
	}
	s.mu.Lock()
	s.desired = n
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

// Start runs the replicas until ctx ends, following Scale, then stops
// them all and returns once their processes have ended.
func (s *server) Start(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		s.mu.Lock()
		for len(s.reps) < s.desired {
			r := &replica{s: s, index: len(s.reps)}
			rctx, cancel := context.WithCancel(ctx)
			r.cancel = cancel
			s.reps = append(s.reps, r)
			wg.Go(func() { r.run(rctx) })
		}
		for len(s.reps) > s.desired {
			last := s.reps[len(s.reps)-1]
			s.reps = s.reps[:len(s.reps)-1]
			last.cancel()
		}
		s.mu.Unlock()
		s.publish()
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		}
	}
}

// Retire does nothing: the processes ended with Start.
func (s *server) Retire(context.Context) error { return nil }

// run supervises the replica's process until ctx ends, then stops it.
func (r *replica) run(ctx context.Context) {
	name := r.name()
	sup := supervise.NewSupervisor(supervise.Spec{Name: name}, supervise.SupervisorOptions{
		Prepare: r.prepare,
		Probe:   r.probe,
		OnState: r.onState,
	})
	defer r.forgetSocket()
	if err := sup.Run(ctx); err != nil && ctx.Err() == nil {
		r.s.b.log.Warn("the supervisor of an action server ended", "name", name, "err", err)
	}
}

// name is the replica's process name; replica 0 keeps the name of a
// module's only server.
func (r *replica) name() string {
	if r.index == 0 {
		return "action-" + r.s.module
	}
	return fmt.Sprintf("action-%s-%d", r.s.module, r.index)
}

// logOwner is whose log the replica writes: replica 0 the module's, the
// others one each.
func (r *replica) logOwner() string {
	if r.index == 0 {
		return r.s.module
	}
	return r.s.module + "-" + strconv.Itoa(r.index)
}

// prepare picks a port and expands the command for one start.
func (r *replica) prepare(context.Context) (supervise.Spec, string, error) {
	s := r.s
	host, data := s.b.opts.Host, s.b.dataDir
	port, err := supervise.FreePort(host)
	if err != nil {
		return supervise.Spec{}, "", err
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	sock := s.b.socketPath(port)
	args, err := supervise.Expand(s.argv, map[string]string{
		"jsorc":  s.b.opts.Executable,
		"addr":   addr,
		"host":   host,
		"port":   strconv.Itoa(port),
		"name":   s.module,
		"data":   data,
		"socket": sock,
	})
	if err != nil {
		return supervise.Spec{}, "", fmt.Errorf("module %q: server command: %w", s.module, err)
	}
	r.forgetSocket()
	var claim *socketClaim
	if sock != "" && slices.Contains(s.argv, "{socket}") {
		claim = &socketClaim{path: sock}
		s.b.sockets.Store(addr, claim)
	}
	r.mu.Lock()
	r.spec, r.addr, r.claim = nil, addr, claim
	r.mu.Unlock()
	return supervise.Spec{
		Name:    r.name(),
		Argv:    args,
		Env:     s.env,
		LogPath: LogPath(data, r.logOwner(), false),
	}, "http://" + addr, nil
}

// forgetSocket drops the socket of the replica's last start from the
// backend's map, and its file: the process is gone (it is called before a
// restart and after the supervisor ends), and one killed could not remove
// it. Only while the address is still this replica's: a new server given
// the same port since makes its own.
func (r *replica) forgetSocket() {
	r.mu.Lock()
	addr, claim := r.addr, r.claim
	r.addr, r.claim = "", nil
	r.mu.Unlock()
	if claim == nil || !r.s.b.sockets.CompareAndDelete(addr, claim) {
		return
	}
	if fi, err := os.Lstat(claim.path); err == nil && fi.Mode().Type() == os.ModeSocket {
		_ = os.Remove(claim.path)
	}
}

// probe reads the spec endpoint: the replica is ready once it answers.
func (r *replica) probe(ctx context.Context, url string) error {
	spec, err := r.s.b.client.Spec(ctx, url)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.spec = spec
	r.mu.Unlock()
	return nil
}

// onState records the supervisor's state and reports the server's.
func (r *replica) onState(st supervise.State) {
	r.mu.Lock()
	r.state = st
	r.mu.Unlock()
	r.s.publish()
}

// phaseOf is a supervisor phase in the backend's terms (PhaseNone for
// stopped).
func phaseOf(p supervise.Phase) backend.Phase {
	switch p {
	case supervise.PhaseStarting:
		return backend.PhaseStarting
	case supervise.PhaseReady:
		return backend.PhaseReady
	case supervise.PhaseCrashed:
		return backend.PhaseCrashed
	case supervise.PhaseNotInstalled:
		return backend.PhaseNotInstalled
	}
	return backend.PhaseNone
}

// publish reports the server's state: its replicas, and in the fields of
// a single server those of its first ready replica (else replica 0).
// Removed replicas are no longer part of it, whatever they report.
func (s *server) publish() {
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	s.mu.Lock()
	st := backend.State{Desired: s.desired, Replicas: make([]backend.Replica, 0, len(s.reps))}
	var leadState supervise.State
	var leadSpec map[string][]string
	ready := false
	for i, r := range s.reps {
		r.mu.Lock()
		rs, spec := r.state, r.spec
		r.mu.Unlock()
		ph := phaseOf(rs.Phase)
		st.Replicas = append(st.Replicas, backend.Replica{Index: r.index, Phase: ph, URL: rs.Endpoint, PID: rs.PID, Restarts: rs.Restarts})
		st.Restarts += rs.Restarts
		if i == 0 || !ready && ph == backend.PhaseReady {
			leadState, leadSpec, ready = rs, spec, ph == backend.PhaseReady
		}
	}
	s.mu.Unlock()
	st.Phase = phaseOf(leadState.Phase)
	if st.Phase == backend.PhaseNone {
		return // the supervisor has not started it yet
	}
	st.URL, st.PID, st.LastError, st.Since = leadState.Endpoint, leadState.PID, leadState.LastError, leadState.Since
	if st.Phase == backend.PhaseReady {
		st.Spec = leadSpec
	}
	s.report(st)
}
