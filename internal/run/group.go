package run

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Runnable is a long-lived loop: Start blocks until ctx ends (or the loop
// fails) and returns nil after a clean stop.
type Runnable interface {
	Start(ctx context.Context) error
}

// Func makes a function a Runnable.
type Func func(ctx context.Context) error

// Start calls f.
func (f Func) Start(ctx context.Context) error { return f(ctx) }

// Readier is a Runnable that can say when it is ready. The group waits for
// every Readier of a stage before it starts the next stage. Ready blocks
// until the runnable is ready, it fails, or ctx ends.
type Readier interface {
	Ready(ctx context.Context) error
}

// Stage orders start and stop: stages stop in increasing order and start
// in decreasing order.
type Stage int

// The stages, in the order they stop.
const (
	// StageServe holds the front doors: the API server, the console.
	StageServe Stage = iota
	// StageLoops holds the loops that drive the engine: sampling, policy.
	StageLoops
	// StageModules holds the module reconcilers: stopping one drains its
	// in-flight calls and releases its placement.
	StageModules
	// StageBackend holds the backends' loops: keep-alive, informers,
	// port-forwards.
	StageBackend

	numStages
)

var stageNames = [numStages]string{"serve", "loops", "modules", "backend"}

func (s Stage) String() string {
	if s >= 0 && s < numStages {
		return stageNames[s]
	}
	return fmt.Sprintf("stage(%d)", int(s))
}

// DefaultStopTimeout bounds the wait for one stage to stop.
const DefaultStopTimeout = 45 * time.Second

// ErrStopping is returned by Add once the group has begun to stop.
var ErrStopping = errors.New("run: the group is stopping")

// Log attribute keys.
const (
	attrRunnable = "runnable"
	attrStage    = "stage"
	attrErr      = "err"
)

// Group runs runnables in stages. Its methods are safe for concurrent use.
type Group struct {
	log         *slog.Logger
	stopTimeout time.Duration
	started     chan struct{}

	mu       sync.Mutex
	ran      bool
	stopping bool
	fail     context.CancelCauseFunc // ends Run early; set while Run runs
	stages   [numStages]stage
	errs     []error
}

// stage is one stage's runnables.
type stage struct {
	ctx     context.Context
	cancel  context.CancelFunc
	started bool
	queued  []*Task
	running map[*Task]struct{}
	wg      sync.WaitGroup
}

// Task is one runnable in a group.
type Task struct {
	name string
	r    Runnable
	done chan struct{}

	mu      sync.Mutex
	cancel  context.CancelFunc // set once started
	stopped bool               // Stop came first
}

// Stop ends the task's runnable alone (its context ends); Done says when it
// has returned. A task stopped before its stage started never starts.
func (t *Task) Stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	if t.cancel != nil {
		t.cancel()
	}
}

// Done is closed once the runnable has returned (or, stopped before it
// started, once its stage starts or the group stops).
func (t *Task) Done() <-chan struct{} { return t.done }

// Options configure a Group.
type Options struct {
	// Logger receives a line for every start and stop; nil discards them.
	Logger *slog.Logger
	// StopTimeout bounds the wait for each stage to stop (default
	// DefaultStopTimeout); runnables still running then are reported in
	// Run's error and left behind.
	StopTimeout time.Duration
}

// NewGroup returns an empty group. It starts nothing.
func NewGroup(o Options) *Group {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	return &Group{log: o.Logger, stopTimeout: o.StopTimeout, started: make(chan struct{})}
}

// Add registers r under name in stage s. Before Run, and while Run has not
// reached s, r waits for its stage; once s has started, r starts at once.
// After the group began to stop, Add returns ErrStopping. The Task it
// returns stops r alone, before the group does.
func (g *Group) Add(s Stage, name string, r Runnable) (*Task, error) {
	if s < 0 || s >= numStages {
		return nil, fmt.Errorf("run: %s: no such stage", s)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping {
		return nil, fmt.Errorf("%w: not starting %s", ErrStopping, name)
	}
	t := &Task{name: name, r: r, done: make(chan struct{})}
	st := &g.stages[s]
	if !st.started {
		st.queued = append(st.queued, t)
		return t, nil
	}
	g.goLocked(s, t)
	return t, nil
}

// Started is closed once every stage has started and its Readiers are
// ready; it stays open if Run fails before that.
func (g *Group) Started() <-chan struct{} { return g.started }

// Run starts the stages, from StageBackend to StageServe, and blocks until
// ctx ends or a runnable returns an error; then it stops the stages in
// order, from StageServe to StageBackend, and returns the errors of the
// runnables joined (nil after a clean stop). Run may be called once.
func (g *Group) Run(ctx context.Context) error {
	runCtx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	// Stages end when Run stops them, not when ctx ends: their contexts
	// keep ctx's values but not its cancellation.
	base := context.WithoutCancel(ctx)
	g.mu.Lock()
	if g.ran {
		g.mu.Unlock()
		return errors.New("run: Run called twice")
	}
	g.ran, g.fail = true, fail
	for s := range g.stages {
		g.stages[s].ctx, g.stages[s].cancel = context.WithCancel(base)
		g.stages[s].running = map[*Task]struct{}{}
	}
	g.mu.Unlock()

	ok := true
	for s := numStages - 1; s >= 0 && ok; s-- {
		readiers := g.startStage(s)
		for _, r := range readiers {
			if err := r.r.(Readier).Ready(runCtx); err != nil {
				// Unless the group is already ending (ctx ended, or another
				// runnable failed and said why), this is why it ends.
				if runCtx.Err() == nil {
					g.failed(fmt.Errorf("%s: %w", r.name, err))
				}
				ok = false
				break
			}
		}
		ok = ok && runCtx.Err() == nil
	}
	if ok {
		g.log.Info("all runnables started")
		close(g.started)
	}
	<-runCtx.Done()
	g.stopAll()
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(g.errs...)
}

// startStage starts the runnables queued for stage s and returns those
// that are Readiers.
func (g *Group) startStage(s Stage) []*Task {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := &g.stages[s]
	st.started = true
	var readiers []*Task
	for _, t := range st.queued {
		g.goLocked(s, t)
		if _, ok := t.r.(Readier); ok {
			readiers = append(readiers, t)
		}
	}
	st.queued = nil
	return readiers
}

// goLocked starts one runnable. g.mu is held.
func (g *Group) goLocked(s Stage, t *Task) {
	st := &g.stages[s]
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		close(t.done)
		return
	}
	ctx, cancel := context.WithCancel(st.ctx)
	t.cancel = cancel
	t.mu.Unlock()
	st.running[t] = struct{}{}
	st.wg.Add(1)
	g.log.Info("starting", attrRunnable, t.name, attrStage, s.String())
	go func() {
		defer st.wg.Done()
		defer close(t.done)
		defer cancel()
		err := t.r.Start(ctx)
		g.mu.Lock()
		delete(st.running, t)
		g.mu.Unlock()
		if err != nil {
			g.log.Error("stopped with an error", attrRunnable, t.name, attrErr, err)
			g.failed(fmt.Errorf("%s: %w", t.name, err))
			return
		}
		g.log.Info("stopped", attrRunnable, t.name)
	}()
}

// failed records err and makes Run stop the group.
func (g *Group) failed(err error) {
	g.mu.Lock()
	g.errs = append(g.errs, err)
	fail := g.fail
	g.mu.Unlock()
	if fail != nil {
		fail(err)
	}
}

// stopAll stops the stages in order, each within the stop timeout.
func (g *Group) stopAll() {
	g.mu.Lock()
	g.stopping = true
	g.mu.Unlock()
	for s := range numStages {
		st := &g.stages[s]
		g.mu.Lock()
		n := len(st.running)
		for _, t := range st.queued {
			close(t.done) // its stage never started
		}
		st.queued = nil
		g.mu.Unlock()
		if n > 0 {
			g.log.Info("stopping", attrStage, s.String(), "runnables", n)
		}
		st.cancel()
		done := make(chan struct{})
		go func() {
			st.wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(g.stopTimeout):
			g.mu.Lock()
			var names []string
			for t := range st.running {
				names = append(names, t.name)
			}
			slices.Sort(names)
			g.errs = append(g.errs, fmt.Errorf("run: %v did not stop within %s", names, g.stopTimeout))
			g.mu.Unlock()
			g.log.Error("runnables did not stop in time", attrStage, s.String(), "runnables", names)
		}
	}
}
