package local

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Phase is where a supervised process is in its life cycle.
type Phase string

// The phases a Supervisor reports.
const (
	// PhaseStopped: not running; before Run and after Run has returned.
	PhaseStopped Phase = "stopped"
	// PhaseStarting: the process is running but the probe has not yet
	// succeeded.
	PhaseStarting Phase = "starting"
	// PhaseReady: the probe has succeeded (or there is no probe) and the
	// process has not exited since.
	PhaseReady Phase = "ready"
	// PhaseCrashed: the process exited unexpectedly, failed to start, was
	// not ready within StartTimeout or failed its health probes; a restart
	// is due at State.RetryAt.
	PhaseCrashed Phase = "crashed"
	// PhaseNotInstalled: the program does not exist; the Supervisor looks
	// again at State.RetryAt.
	PhaseNotInstalled Phase = "not-installed"
)

// State is a snapshot of a Supervisor.
type State struct {
	// Phase is the current phase.
	Phase Phase
	// PID is the process id while the process runs (Starting, Ready), else 0.
	PID int
	// Restarts counts the start attempts after the first one within the
	// current Run, whether or not they got a process running.
	Restarts int
	// LastError describes the most recent failure (an exit status, a probe
	// timeout, "not installed: …"). It is kept after recovery so a console
	// can say why the last restart happened; empty if none happened.
	LastError string
	// Since is when Phase was entered.
	Since time.Time
	// Endpoint is the string Prepare returned for the current or last
	// attempt, e.g. "127.0.0.1:40123"; empty without Prepare.
	Endpoint string
	// RetryAt is when the next start attempt is due, in phases Crashed and
	// NotInstalled; zero otherwise.
	RetryAt time.Time
}

// SupervisorOptions configure a Supervisor. Zero values select the
// documented defaults.
type SupervisorOptions struct {
	// Prepare, if set, is called before every start attempt to produce the
	// Spec to run and an opaque endpoint string (reported in State and
	// passed to Probe), typically after picking a fresh port with FreePort
	// and filling the command with Expand. Without Prepare the Spec given to
	// NewSupervisor is run every time, with an empty endpoint. An error
	// counts as a failed attempt (Crashed, back-off).
	Prepare func(ctx context.Context) (spec Spec, endpoint string, err error)
	// Probe reports readiness: nil means ready. It is polled while the
	// process is Starting, first after ProbeInterval, then at intervals
	// growing by half each time up to ProbeMaxInterval (100ms, 150ms,
	// 225ms, … 1s by default), each call under its own ProbeTimeout.
	// Without Probe a process is Ready as soon as it has been started.
	Probe func(ctx context.Context, endpoint string) error
	// OnState, if set, is called with a snapshot after every state change,
	// synchronously from Run's goroutine and in order. It must return
	// quickly and must not call Run; calling State is fine.
	OnState func(State)

	// ProbeInterval is the first readiness poll interval; default 100ms.
	ProbeInterval time.Duration
	// ProbeMaxInterval caps the growing poll interval; default 1s (or
	// ProbeInterval, if that is larger).
	ProbeMaxInterval time.Duration
	// ProbeTimeout bounds each Probe call; default 1s.
	ProbeTimeout time.Duration
	// StartTimeout is how long a process may stay Starting before it is
	// stopped and counted as a failure; default 60s, negative disables.
	StartTimeout time.Duration

	// HealthInterval, if positive, keeps probing a Ready process at this
	// interval; HealthFailures consecutive failures stop it and count as a
	// crash. Zero (the default) disables liveness probing: a Ready process
	// stays Ready until it exits.
	HealthInterval time.Duration
	// HealthFailures is the number of consecutive failed health probes that
	// trigger a restart; default 3.
	HealthFailures int

	// BackoffMin is the wait before the first restart; default 500ms. Each
	// further failure doubles the wait, up to BackoffMax (default 30s).
	BackoffMin time.Duration
	// BackoffMax caps the wait between restarts; default 30s.
	BackoffMax time.Duration
	// ResetAfter: a process that stayed Ready at least this long before it
	// failed is restarted after BackoffMin again; default 30s.
	ResetAfter time.Duration
}

// withDefaults returns o with zero fields replaced by their defaults.
func (o SupervisorOptions) withDefaults() SupervisorOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ProbeInterval, 100*time.Millisecond)
	def(&o.ProbeMaxInterval, time.Second)
	o.ProbeMaxInterval = max(o.ProbeMaxInterval, o.ProbeInterval)
	def(&o.ProbeTimeout, time.Second)
	if o.StartTimeout == 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.HealthFailures <= 0 {
		o.HealthFailures = 3
	}
	def(&o.BackoffMin, 500*time.Millisecond)
	def(&o.BackoffMax, 30*time.Second)
	o.BackoffMax = max(o.BackoffMax, o.BackoffMin)
	def(&o.ResetAfter, 30*time.Second)
	return o
}

// ErrRunning is returned by Run when the Supervisor is already running.
var ErrRunning = errors.New("local: supervisor already running")

// killWait is how long a Supervisor waits, after Stop's SIGKILL, for the
// process to be reaped before giving up on it.
const killWait = 5 * time.Second

// Supervisor keeps one process running: it starts it, probes it until it is
// ready, and restarts it with exponential back-off whenever it exits. A
// missing program is reported as PhaseNotInstalled and retried on the same
// back-off schedule (capped at BackoffMax), so installing it later is
// noticed without restarting the engine and a missing binary costs one
// lookup per BackoffMax at most.
type Supervisor struct {
	spec Spec
	opts SupervisorOptions

	mu      sync.Mutex
	running bool
	state   State
}

// NewSupervisor returns a Supervisor for spec (or for whatever
// opts.Prepare returns). Nothing runs until Run is called.
func NewSupervisor(spec Spec, opts SupervisorOptions) *Supervisor {
	return &Supervisor{
		spec:  spec,
		opts:  opts.withDefaults(),
		state: State{Phase: PhaseStopped, Since: time.Now()},
	}
}

// State returns a snapshot of the current state.
func (s *Supervisor) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// enter records a transition to phase, with edit applied to the state, and
// reports it to OnState. Since only changes when the phase does.
func (s *Supervisor) enter(phase Phase, edit func(*State)) {
	s.mu.Lock()
	if s.state.Phase != phase {
		s.state.Since = time.Now()
	}
	s.state.Phase = phase
	s.state.RetryAt = time.Time{}
	if phase != PhaseStarting && phase != PhaseReady {
		s.state.PID = 0
	}
	if edit != nil {
		edit(&s.state)
	}
	snap := s.state
	s.mu.Unlock()
	if s.opts.OnState != nil {
		s.opts.OnState(snap)
	}
}

// outcome is how one start attempt ended.
type outcome struct {
	stopped  bool          // ctx ended; the process (if any) has been stopped
	stopErr  error         // from stopping it, when stopped
	phase    Phase         // Crashed or NotInstalled, when not stopped
	err      error         // the failure, when not stopped
	readyFor time.Duration // how long the process had been Ready
}

// Run supervises until ctx is done, then stops the process (stop signal,
// StopGrace, SIGKILL), enters PhaseStopped and returns. It returns nil after
// a clean stop, an error if the process could not be confirmed dead, and
// ErrRunning if another Run is in progress. Run may be called again after
// it has returned.
func (s *Supervisor) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return ErrRunning
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	delay := s.opts.BackoffMin
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			s.enter(PhaseStopped, nil)
			return nil
		}
		out := s.attempt(ctx, attempt)
		if out.stopped {
			s.enter(PhaseStopped, nil)
			return out.stopErr
		}
		if out.readyFor >= s.opts.ResetAfter {
			delay = s.opts.BackoffMin
		}
		retryAt := time.Now().Add(delay)
		s.enter(out.phase, func(st *State) {
			st.LastError = out.err.Error()
			st.RetryAt = retryAt
		})
		wait := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			wait.Stop()
			s.enter(PhaseStopped, nil)
			return nil
		case <-wait.C:
		}
		delay = min(delay*2, s.opts.BackoffMax)
	}
}

// attempt prepares, starts and watches one incarnation of the process.
func (s *Supervisor) attempt(ctx context.Context, restarts int) outcome {
	s.mu.Lock()
	s.state.Restarts = restarts
	s.mu.Unlock()

	spec, endpoint := s.spec, ""
	if s.opts.Prepare != nil {
		var err error
		spec, endpoint, err = s.opts.Prepare(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return outcome{stopped: true}
			}
			return outcome{phase: PhaseCrashed, err: fmt.Errorf("prepare: %w", err)}
		}
	}
	s.mu.Lock()
	s.state.Endpoint = endpoint
	s.mu.Unlock()

	p, err := Start(ctx, spec)
	if err != nil {
		if ctx.Err() != nil {
			return outcome{stopped: true}
		}
		phase := PhaseCrashed
		if errors.Is(err, ErrNotInstalled) {
			phase = PhaseNotInstalled
		}
		return outcome{phase: phase, err: err}
	}
	s.enter(PhaseStarting, func(st *State) { st.PID = p.PID() })
	return s.watch(ctx, p, endpoint)
}

// watch follows a started process until it exits, fails its probes, or ctx
// ends.
func (s *Supervisor) watch(ctx context.Context, p *Process, endpoint string) outcome {
	var (
		ready     bool
		readyAt   time.Time
		interval  = s.opts.ProbeInterval
		failures  int
		lastProbe error
		probeC    <-chan time.Time // nil while nothing is to be probed
		deadlineC <-chan time.Time // nil once ready or without StartTimeout
	)
	probeTimer := time.NewTimer(interval)
	defer probeTimer.Stop()
	markReady := func() {
		ready, readyAt = true, time.Now()
		deadlineC = nil
		s.enter(PhaseReady, nil)
		if s.opts.Probe != nil && s.opts.HealthInterval > 0 {
			probeTimer.Reset(s.opts.HealthInterval)
		} else {
			probeC = nil
		}
	}
	if s.opts.Probe == nil {
		markReady()
	} else {
		probeC = probeTimer.C
		if s.opts.StartTimeout > 0 {
			deadline := time.NewTimer(s.opts.StartTimeout)
			defer deadline.Stop()
			deadlineC = deadline.C
		}
	}
	readyFor := func() time.Duration {
		if !ready {
			return 0
		}
		return time.Since(readyAt)
	}

	for {
		select {
		case <-ctx.Done():
			return outcome{stopped: true, stopErr: s.halt(ctx, p)}

		case <-p.Done():
			err := p.ExitErr()
			if err == nil {
				err = errors.New("exited with status 0")
			} else {
				err = fmt.Errorf("exited: %w", err)
			}
			return outcome{phase: PhaseCrashed, err: err, readyFor: readyFor()}

		case <-deadlineC:
			err := fmt.Errorf("not ready after %s", s.opts.StartTimeout)
			if lastProbe != nil {
				err = fmt.Errorf("%w (last probe: %w)", err, lastProbe)
			}
			if serr := s.halt(ctx, p); serr != nil {
				err = fmt.Errorf("%w; %w", err, serr)
			}
			return outcome{phase: PhaseCrashed, err: err}

		case <-probeC:
			err := s.probe(ctx, endpoint)
			if !ready {
				if err == nil {
					markReady()
					continue
				}
				lastProbe = err
				interval = min(interval*3/2, s.opts.ProbeMaxInterval)
				probeTimer.Reset(interval)
				continue
			}
			if err == nil || ctx.Err() != nil {
				failures = 0
			} else if failures++; failures >= s.opts.HealthFailures {
				err = fmt.Errorf("unhealthy: %d probes failed, last: %w", failures, err)
				if serr := s.halt(ctx, p); serr != nil {
					err = fmt.Errorf("%w; %w", err, serr)
				}
				return outcome{phase: PhaseCrashed, err: err, readyFor: readyFor()}
			}
			probeTimer.Reset(s.opts.HealthInterval)
		}
	}
}

// probe runs one Probe call under ProbeTimeout.
func (s *Supervisor) probe(ctx context.Context, endpoint string) error {
	pctx, cancel := context.WithTimeout(ctx, s.opts.ProbeTimeout)
	defer cancel()
	if err := s.opts.Probe(pctx, endpoint); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	return nil
}

// halt stops p with its full grace even when ctx is already done (Run must
// not return while its process lives), bounded by grace plus killWait.
func (s *Supervisor) halt(ctx context.Context, p *Process) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.grace+killWait)
	defer cancel()
	return p.Stop(sctx)
}
