package engine

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/internal/run"
)

// module is the engine's state for one configured module. Requests set the
// desired mode; a reconciler goroutine per module brings the serving
// placement to it, make-before-break. The serving binding is read lock-free
// by calls; everything else is guarded by mu.
type module struct {
	name string
	e    *Engine
	cur  atomic.Pointer[binding]
	// task is the reconciler's task in the run group, once it has one
	// (see ensureRunning); guarded by mu.
	task *run.Task
	// deleted is set once the module is deleted: no request may give it a
	// mode again. Guarded by mu.
	deleted bool

	// kick wakes the reconciler; buffered so a kick is never lost or blocking.
	kick chan struct{}

	// acts maps the module's actions to their slots in its bindings,
	// replaced whole (copy on write) under actsMu; see slotOf.
	acts   atomic.Pointer[map[string]int]
	actsMu sync.Mutex

	// intent orders the changes of the desired mode with their storing:
	// whoever changes it stores it first, holding intent, so the store and
	// the engine agree on the last request. Taken before mu, never held
	// while waiting for the reconciler.
	intent sync.Mutex

	mu      sync.Mutex
	cfg     ConfiguredAction
	desired Mode
	// before and beforeRetire are the desired mode and retire that the last
	// change replaced, which a failed module-mode load goes back to.
	before       Mode
	beforeRetire bool
	// retire says whether leaving remote mode stops the server.
	retire bool
	// gen counts desired-mode changes; failGen/failErr hold the last failure
	// to reach the desired mode and the change it belonged to.
	gen     uint64
	failGen uint64
	failErr error
	serving Mode
	// servingSince is when the serving placement last changed, and changes
	// how many times it did.
	servingSince time.Time
	changes      uint64
	server       *serverRun
	rstate       backend.State
	// leaving are servers a move of the backend detached (move.go): they
	// serve until the new server does, then stop.
	leaving []*serverRun
	// stopping counts servers being stopped in the background.
	stopping int
	// known lists the module's actions once a placement has reported them.
	known []string
	// lastSpecs describes the actions of the latest placement that served,
	// with their parameters.
	lastSpecs []types.ActionSpec
	// draining holds the bindings swapped out whose calls are still in
	// flight; each is closed (and its server may stop) once they return.
	draining []*binding
	// fallback says why the module serves in-process while its requested
	// mode is remote ("" when it does not): its server is down.
	fallback string
	// changed is closed and replaced on every state change (broadcast).
	changed chan struct{}
	// cause is who asked for the desired mode: the cause of the moves that
	// follow from it.
	cause Cause
	// replicas is how many replicas of its action server the module asks
	// for (0: the config's replicas.min, else 1); pinned says a scaling by
	// hand set it, which the autoscaler leaves alone; auto says the
	// autoscaler chose it (both are stored with the desired mode). scaleMu
	// orders scalings.
	replicas int
	pinned   bool
	auto     bool
	scaleMu  sync.Mutex
	// kept is the wasm module kept in-process after the module moved to
	// remote, for a move back (wasmkeep.go); guarded by mu.
	kept *keptWasm
}

func newModule(e *Engine, name string, cfg ConfiguredAction) *module {
	return &module{
		name:    name,
		e:       e,
		cfg:     cfg,
		kick:    make(chan struct{}, 1),
		changed: make(chan struct{}),
	}
}

// acquire returns the serving binding with a reference taken, or nil when
// the module serves in no mode.
func (m *module) acquire() *binding {
	for {
		b := m.cur.Load()
		if b == nil {
			return nil
		}
		if b.acquire() {
			return b
		}
		// b was retired after a swap: the pointer is already new.
	}
}

// notifyLocked wakes everyone waiting for a state change. Call with mu held.
func (m *module) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
	m.e.publish(m.cause, EventModule, m.name, "")
}

func (m *module) wake() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// setDesired records a new desired mode, asked for by cause, and wakes the
// reconciler. It returns the generation to wait on.
func (m *module) setDesired(mode Mode, retire bool, cause Cause) uint64 {
	m.mu.Lock()
	m.before, m.beforeRetire = m.desired, m.retire
	m.desired = mode
	m.retire = retire
	m.cause = cause
	m.gen++
	gen := m.gen
	m.notifyLocked()
	m.mu.Unlock()
	m.wake()
	return gen
}

// ensureRunning adds the module's reconciler to the engine's run group
// unless it is there already. Call it before the first change of the
// desired mode.
func (m *module) ensureRunning() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.deleted {
		return errorf(ErrNotFound, "module %q was deleted", m.name)
	}
	if m.task != nil {
		return nil
	}
	task, err := m.e.group.Add(run.StageModules, "module "+m.name, m)
	if err != nil {
		return retryLater("module %q: %w", m.name, err)
	}
	m.task = task
	return nil
}

// Start is the reconciler (a run.Runnable): it acts on every kick until
// ctx ends, then drains the module's calls; its server, if any, stops
// after, with the group's backend stage.
func (m *module) Start(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			m.shutdown()
			return nil
		case <-m.kick:
			m.reconcile(ctx)
		}
	}
}

// reconcile moves the serving placement one step towards the desired mode.
func (m *module) reconcile(ctx context.Context) {
	m.mu.Lock()
	desired, gen, cfg := m.desired, m.gen, m.cfg
	serving, rs, server, retire := m.serving, m.rstate, m.server, m.retire
	m.mu.Unlock()

	switch desired {
	case ModeModule:
		if serving != ModeModule {
			b, err := m.e.moduleBinding(m, cfg.ActionConfig)
			if err != nil {
				m.fail(gen, err)
				return
			}
			m.swap(b, "")
		} else {
			m.setFallback("") // a fallback placement becomes the requested one
		}
		m.stopLeaving(ctx)
		if server != nil && !cfg.KeepWarm {
			m.stopServer(ctx, server)
		}
	case ModeRemote:
		if server == nil {
			if err := m.startServer(cfg.ActionConfig); err != nil {
				m.fail(gen, err)
			}
			return // the server's state changes kick us again
		}
		if rs.Phase == backend.PhaseReady {
			cur := m.cur.Load()
			if serving != ModeRemote || cur == nil || cur.url != rs.URL {
				m.swap(m.e.remoteBinding(m, cfg.ActionConfig, rs, server), "")
			} else {
				cur.setReplicas(rs.Replicas) // replicas come and go under the same binding
			}
			m.stopLeaving(ctx)
			return
		}
		if serving == ModeRemote {
			m.fallBack(cfg.ActionConfig, rs)
		}
	case ModeNone:
		if serving != ModeNone {
			m.swap(nil, "")
		}
		m.dropKept()
		m.stopLeaving(ctx)
		if server != nil && retire {
			m.stopServer(ctx, server)
		}
	}
}

// fail records that the desired mode of generation gen could not be reached.
// A module-mode load that fails leaves the module as it was requested
// before (nothing, or remote), and the store learns of it.
func (m *module) fail(gen uint64, err error) {
	m.intent.Lock()
	defer m.intent.Unlock()
	m.mu.Lock()
	m.failGen, m.failErr = gen, err
	reverted := m.gen == gen && m.desired == ModeModule
	if reverted {
		m.desired, m.retire = m.before, m.beforeRetire
	}
	mode, retire := m.desired, m.retire
	m.notifyLocked()
	m.mu.Unlock()
	m.e.log.Warn("module placement failed", "module", m.name, "err", err)
	if reverted {
		if err := m.e.persistDesired(m.name, mode, retire); err != nil {
			m.e.log.Warn("storing the mode a failed load fell back to", "module", m.name, "err", err)
		}
	}
}

// fallBack serves the module in-process while its action server, which
// was serving it, is not READY (crashed, restarting), if the module has an
// in-process implementation and the memory budget allows: make-before-break
// in reverse. The module goes back to its server once it is READY again.
func (m *module) fallBack(cfg ActionConfig, rs backend.State) {
	if err := m.e.canFallBack(m, cfg); err != nil {
		m.e.log.Warn("action server down and no fallback: calls answer 503 until it is back", "module", m.name, "remote_status", rs.Phase.Status(), "why_no_fallback", err)
		return
	}
	b, err := m.e.moduleBinding(m, cfg)
	if err != nil {
		m.e.log.Warn("action server down and the in-process fallback failed to load", "module", m.name, "err", err)
		return
	}
	why := fmt.Sprintf("its action server is %s", dashIfEmpty(rs.Phase.Status()))
	if rs.LastError != "" {
		why += " (" + rs.LastError + ")"
	}
	m.swap(b, why)
}

// setFallback records why the module serves in-process although its
// requested mode is remote ("" when it does not), and tells of the change.
func (m *module) setFallback(why string) {
	m.mu.Lock()
	was := m.fallback
	m.fallback = why
	if was != why {
		m.notifyLocked()
	}
	m.mu.Unlock()
	switch {
	case why != "" && was == "":
		m.e.noteFallback(m.name, ModeRemote, ModeModule, "fallback: serving in-process while "+why)
	case why == "" && was != "":
		m.e.noteFallback(m.name, ModeModule, ModeRemote, "fallback over: the action server is READY again (it was down as "+was+")")
	}
}

// swap makes b the serving binding and releases the old one in the
// background, once its in-flight calls have returned: the reconciler goes
// on at once, so a slow call never holds up the module's next change.
// fallback says why b is an in-process fallback ("" when it is not).
func (m *module) swap(b *binding, fallback string) {
	old := m.cur.Swap(b)
	m.mu.Lock()
	from, cause := m.serving, m.cause
	m.serving = ModeNone
	m.servingSince = time.Now()
	m.changes++
	if b != nil {
		m.serving = b.mode
		m.known = b.actionNames()
		m.lastSpecs = bindingSpecs(m.name, b)
	}
	to := m.serving
	msg := fmt.Sprintf("%s → %s", modeWord(from), modeWord(to))
	switch {
	case fallback != "":
		cause, msg = types.CauseEngine, msg+": fallback while "+fallback
	case m.fallback != "":
		cause, msg = types.CauseEngine, msg+": fallback over, the action server is READY again"
	}
	if b != nil && b.fromKept {
		msg += " (its compiled code and an instance kept since it left module mode: not loaded again)"
	}
	if old != nil {
		m.draining = append(m.draining, old)
	}
	// The switch's event goes out before the waiters wake: whoever waited
	// for the change finds the event that says how it happened.
	if from != to {
		m.e.publish(cause, EventSwitch, m.name, msg)
	}
	m.notifyLocked()
	m.mu.Unlock()
	m.setFallback(fallback)
	if old == nil {
		return
	}
	old.retire()
	go m.release(old)
}

// release waits until the in-flight calls of a retired binding have
// returned, then closes its in-process instance: a module is never closed
// under a call.
func (m *module) release(old *binding) {
	<-old.drained
	if old.inst != nil && !m.keep(old) {
		if err := old.inst.Close(); err != nil {
			m.e.log.Warn("closing in-process module", "module", m.name, "err", err)
		}
		// Give the instance's memory back to the OS now, not at the next GC
		// cycle, so moving a module out of process frees the runtime's
		// memory; not when the engine stops (its memory goes with it, and
		// a scavenge per module would make the stop quadratic).
		if !m.e.stoppingNow() {
			debug.FreeOSMemory()
		}
	}
	m.mu.Lock()
	m.draining = slices.DeleteFunc(m.draining, func(d *binding) bool { return d == old })
	m.notifyLocked()
	m.mu.Unlock()
}

// serverRun is a module's remote action server, run in the engine's group
// as a task of the backend stage: it stops after the module has drained.
type serverRun struct {
	srv  backend.Server
	task *run.Task
}

// startServer launches the module's remote action server and starts it.
func (m *module) startServer(cfg ActionConfig) error {
	sr := &serverRun{}
	m.mu.Lock()
	n := m.replicasLocked()
	m.mu.Unlock()
	srv, err := m.e.launch(m.name, cfg, n, func(st backend.State) { m.onServerState(sr, st) })
	if err != nil {
		return err
	}
	sr.srv = srv
	// The module knows the server before it starts, so no report is lost.
	m.mu.Lock()
	m.server = sr
	m.rstate = backend.State{Phase: backend.PhaseStarting, External: cfg.URL != ""}
	m.notifyLocked()
	m.mu.Unlock()
	task, err := m.e.group.Add(run.StageBackend, "action server "+m.name, m.e.serverRunnable(m.name, srv))
	if err != nil {
		m.mu.Lock()
		if m.server == sr {
			m.server, m.rstate = nil, backend.State{}
		}
		m.notifyLocked()
		m.mu.Unlock()
		return errorf(ErrUnavailable, "module %q: %w", m.name, err)
	}
	sr.task = task
	return nil
}

// stopServer detaches the module's remote action server and stops it in
// the background, once the calls in flight on it have returned, so a
// server slow to exit does not hold up the next placement; waitServerGone
// waits for the stop to finish. Retiring also removes what the backend
// keeps of a server beyond the engine's life.
func (m *module) stopServer(ctx context.Context, sr *serverRun) {
	m.mu.Lock()
	if m.server == sr {
		m.server = nil
		m.rstate = backend.State{}
	}
	var busy []*binding
	for _, d := range m.draining {
		if d.server == sr {
			busy = append(busy, d)
		}
	}
	m.stopping++
	m.notifyLocked()
	m.mu.Unlock()
	go func() {
		for _, d := range busy {
			<-d.drained
		}
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		sr.task.Stop()
		select {
		case <-sr.task.Done():
			if err := sr.srv.Retire(stopCtx); err != nil {
				m.e.log.Warn("retiring action server", "module", m.name, "err", err)
			}
		case <-stopCtx.Done():
			m.e.log.Warn("action server did not stop in time", "module", m.name)
		}
		if err := m.e.updateScrapeTargets(); err != nil {
			m.e.log.Warn("updating scrape targets", "err", err)
		}
		m.mu.Lock()
		m.stopping--
		m.notifyLocked()
		m.mu.Unlock()
	}()
}

// onServerState is the remote server's report of a state change.
func (m *module) onServerState(sr *serverRun, st backend.State) {
	m.mu.Lock()
	if m.server != sr {
		m.mu.Unlock()
		return // a report from a server already stopped
	}
	prev := m.rstate
	m.rstate = st
	m.notifyLocked()
	m.mu.Unlock()
	m.e.publishServerChange(m.name, prev, st)
	m.wake()
	if st.Phase == backend.PhaseReady && (prev.Phase != backend.PhaseReady || prev.URL != st.URL) {
		if err := m.e.updateScrapeTargets(); err != nil {
			m.e.log.Warn("updating scrape targets", "err", err)
		}
	}
}

// shutdownTimeout bounds the wait of a stopping module for its in-flight
// calls and the servers it stops; calls have deadlines, so it is reached
// only by an action that ignores its context.
const shutdownTimeout = 10 * time.Second

// shutdown releases the serving binding, its in-flight calls drained
// first, when the engine stops, and waits for servers being stopped. The
// current server stops after the module, with the backend stage of the
// group; one that outlives the engine (on Kubernetes) is left running for
// the next start. Desired modes stay in the store.
func (m *module) shutdown() {
	m.swap(nil, "")
	timeout := time.NewTimer(shutdownTimeout)
	defer timeout.Stop()
	for {
		m.mu.Lock()
		busy, stopping, ch := len(m.draining), m.stopping, m.changed
		m.mu.Unlock()
		if busy == 0 && stopping == 0 {
			m.dropKept()
			return
		}
		select {
		case <-ch:
		case <-timeout.C:
			m.e.log.Warn("stopping module: calls or servers still busy, left behind", "module", m.name, "draining", busy, "stopping_servers", stopping)
			m.dropKept()
			return
		}
	}
}

// waitFor blocks until the module serves in mode, the attempt of generation
// gen failed, or ctx is done.
func (m *module) waitFor(ctx context.Context, gen uint64, mode Mode) error {
	for {
		m.mu.Lock()
		serving, failGen, failErr, ch := m.serving, m.failGen, m.failErr, m.changed
		rs, desired := m.rstate, m.desired
		m.mu.Unlock()
		if failGen == gen && failErr != nil {
			return failErr
		}
		if serving == mode {
			return nil
		}
		if desired != mode {
			return errorf(ErrConflict, "module %q: a later request changed its mode to %q", m.name, desired)
		}
		if mode == ModeRemote && hopeless(rs) {
			return errorf(ErrUnavailable, "module %q: its action server cannot start (%s after %d restarts): %s", m.name, rs.Phase.Status(), rs.Restarts, rs.LastError)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			msg := fmt.Sprintf("module %q did not reach %s mode in time", m.name, mode)
			if mode == ModeRemote {
				msg += fmt.Sprintf(" (remote status %s)", dashIfEmpty(rs.Phase.Status()))
				if rs.LastError != "" {
					msg += "; last error: " + rs.LastError
				}
			}
			return errorf(ErrUnavailable, "%s: %w", msg, ctx.Err())
		}
	}
}

// moduleBinding loads the module in-process and wraps it as a binding.
func (e *Engine) moduleBinding(m *module, cfg ActionConfig) (*binding, error) {
	inst := m.takeKept(cfg)
	fromKept := inst != nil
	if !fromKept {
		var err error
		if inst, err = e.inProcess(m.name, cfg); err != nil {
			return nil, err
		}
	}
	b := newBinding(ModeModule)
	b.inst, b.fromKept = inst, fromKept
	if cfg.Wasm != "" {
		b.wasmKey = e.wasmKey(cfg)
	}
	b.timeout = e.callTimeout(cfg)
	acts := inst.Actions()
	for i := range acts {
		a := &acts[i]
		b.add(m.slotOf(a.Name), &entry{name: a.Name, spec: a.SpecNames(), action: a, aliases: actions.VariadicAliases(a), rec: e.recorder(m.name, a.Name, ModeModule), quick: a.Quick})
	}
	return b, nil
}

// remoteBinding wraps a ready remote server as a binding.
func (e *Engine) remoteBinding(m *module, cfg ActionConfig, rs backend.State, sr *serverRun) *binding {
	b := newBinding(ModeRemote)
	b.url = rs.URL
	b.server = sr
	b.client = e.be.Load().client
	b.timeout = e.callTimeout(cfg)
	m.mu.Lock()
	b.keep.Store(int64(m.replicasLocked()))
	m.mu.Unlock()
	b.setReplicas(rs.Replicas)
	for full, params := range rs.Spec {
		_, act, err := actions.SplitName(full)
		if err != nil {
			continue
		}
		b.add(m.slotOf(act), &entry{name: act, spec: params, rec: e.recorder(m.name, act, ModeRemote)})
	}
	return b
}

// callTimeout bounds one call of a module, in either mode: the config's
// timeout, or the engine's default.
func (e *Engine) callTimeout(cfg ActionConfig) time.Duration {
	if d, err := parsePositiveDuration(cfg.Timeout); err == nil && cfg.Timeout != "" {
		return d
	}
	return e.opts.CallTimeout
}

func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration %q is not positive", s)
	}
	return d, nil
}

// hopeless tells a server that keeps failing from one still starting: a
// waiting load gives up on it instead of waiting out its timeout. The
// supervisor goes on retrying with back-off all the same.
func hopeless(rs backend.State) bool {
	switch rs.Phase {
	case backend.PhaseNotInstalled:
		return true
	case backend.PhaseCrashed:
		return rs.Restarts >= 3
	}
	return false
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
