package engine

// This file holds the task service: the engine's queue of asynchronous app
// requests, JSORC's asynchronous walkers (an app run with is_async answers
// a task id at once; walker_queue_check and walker_queue_wait answer its
// state and result). The queue is kept in the store, so queued requests
// survive a restart; its workers are supervised as a kept-alive service
// named "task".

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/store"
)

// TaskServiceName is the task service's name in META_CONFIG's keep_alive.
const TaskServiceName = "task"

// Task states, as Celery named them for JSORC's walker_queue_check.
const (
	TaskPending = "PENDING"
	TaskStarted = "STARTED"
	TaskSuccess = "SUCCESS"
	TaskFailure = "FAILURE"
)

// Task service limits.
const (
	// taskWorkers is how many queued requests run at once.
	taskWorkers = 2
	// maxFinishedTasks bounds the finished tasks kept for their results;
	// the oldest go first.
	maxFinishedTasks = 10000
	// maxQueuedTasks bounds the queue: beyond it, is_async is refused.
	maxQueuedTasks = 100000
)

// settleTimeout bounds how long the task service waits, at start, for the
// modules to reach their desired modes.
const settleTimeout = 60 * time.Second

// waitModulesSettled waits until every module serves in its desired mode
// (or failed to reach it), at most d.
func (e *Engine) waitModulesSettled(ctx context.Context, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for _, m := range e.routes.all() {
		for {
			m.mu.Lock()
			settled := m.desired == m.serving || m.failGen == m.gen
			ch := m.changed
			m.mu.Unlock()
			if settled {
				break
			}
			select {
			case <-ch:
			case <-ctx.Done():
				return
			}
		}
	}
}

// Task is one asynchronous app request and its outcome.
type Task struct {
	ID    string          `json:"id"`
	App   string          `json:"app"`
	Ctx   json.RawMessage `json:"ctx,omitempty"`
	State string          `json:"state"`
	// Result is the app run's answer once it succeeded.
	Result *AppResult `json:"result,omitempty"`
	// Error says why it failed.
	Error    string    `json:"error,omitempty"`
	Queued   time.Time `json:"queued"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// taskQueue is the task service: the tasks by id, the ids waiting in
// order, and the supervision of its workers.
type taskQueue struct {
	e *Engine

	mu       sync.Mutex
	tasks    map[string]*Task
	pending  []string
	finished []string // oldest first
	wake     chan struct{}
	changed  chan struct{} // closed and replaced when a task finishes
	running  bool
	since    time.Time
	restarts int
	lastErr  string
	stop     context.CancelFunc
	stopped  chan struct{}
}

func newTaskQueue(e *Engine) *taskQueue {
	return &taskQueue{e: e, tasks: map[string]*Task{}, wake: make(chan struct{}, 1), changed: make(chan struct{})}
}

// restoreTasks reads the queue from the store. A task a worker had started
// when the engine stopped is queued again: it never finished.
func (q *taskQueue) restore() error {
	raw, err := q.e.store.List(store.Tasks)
	if err != nil {
		return fmt.Errorf("engine: reading the task queue: %w", err)
	}
	var all []*Task
	for id, v := range raw {
		var t Task
		if err := json.Unmarshal(v, &t); err != nil {
			q.e.log.Warn("dropping an unreadable queued task", "id", id, "err", err)
			continue
		}
		all = append(all, &t)
	}
	slices.SortFunc(all, func(a, b *Task) int { return a.Queued.Compare(b.Queued) })
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, t := range all {
		q.tasks[t.ID] = t
		switch t.State {
		case TaskPending, TaskStarted:
			t.State, t.Started = TaskPending, time.Time{}
			q.pending = append(q.pending, t.ID)
		default:
			q.finished = append(q.finished, t.ID)
		}
	}
	return nil
}

// enabled reports whether META_CONFIG's keep_alive names the task service.
func (q *taskQueue) enabled() bool {
	return slices.Contains(q.e.Meta().KeepAlive, TaskServiceName)
}

// Enqueue queues one request of app with the request context reqCtx and
// returns its task id. It fails when the app is not defined, and with
// ErrUnavailable when the task service does not run.
func (q *taskQueue) enqueue(app string, reqCtx map[string]any) (string, error) {
	q.e.mu.Lock()
	_, ok := q.e.apps[app]
	q.e.mu.Unlock()
	if !ok {
		return "", errorf(ErrNotFound, "app %q is not defined (define it with `jsorc app config FILE`)", app)
	}
	raw, err := json.Marshal(reqCtx)
	if err != nil {
		return "", errorf(ErrInvalid, "ctx: %v", err)
	}
	t := &Task{ID: newTaskID(), App: app, Ctx: raw, State: TaskPending, Queued: time.Now().UTC()}
	q.mu.Lock()
	if len(q.pending) >= maxQueuedTasks {
		q.mu.Unlock()
		return "", errorf(ErrConflict, "the task queue holds %d requests already: retry later", maxQueuedTasks)
	}
	q.mu.Unlock()
	if err := q.save(t); err != nil {
		return "", err
	}
	q.mu.Lock()
	q.tasks[t.ID] = t
	q.pending = append(q.pending, t.ID)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return t.ID, nil
}

func (q *taskQueue) save(t *Task) error {
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("engine: encoding task %s: %w", t.ID, err)
	}
	if err := q.e.store.Put(store.Tasks, t.ID, b); err != nil {
		return errorf(ErrStorage, "storing task %s: %v", t.ID, err)
	}
	return nil
}

// get returns a copy of a task.
func (q *taskQueue) get(id string) (Task, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t, ok := q.tasks[id]
	if !ok {
		return Task{}, false
	}
	return *t, true
}

// Start is the task service's supervisor (a run.Runnable): while keep_alive
// names it, it runs the workers, and starts them again when one fails.
func (q *taskQueue) Start(ctx context.Context) error {
	// Requests queued before a restart call modules that are coming back:
	// give them the time to (settleTimeout), so that none fails for it.
	q.e.waitModulesSettled(ctx, settleTimeout)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if q.enabled() {
			q.runWorkers(ctx)
		} else {
			q.stopWorkers()
		}
		select {
		case <-ctx.Done():
			q.stopWorkers()
			return nil
		case <-tick.C:
		}
	}
}

// runWorkers starts the workers unless they run.
func (q *taskQueue) runWorkers(ctx context.Context) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running {
		return
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	q.running, q.stop, q.stopped, q.since = true, cancel, done, time.Now()
	var wg sync.WaitGroup
	for range taskWorkers {
		wg.Go(func() { q.work(wctx) })
	}
	go func() {
		wg.Wait()
		close(done)
	}()
}

// stopWorkers stops the workers and waits for them; a task in flight goes
// back to the queue.
func (q *taskQueue) stopWorkers() {
	q.mu.Lock()
	if !q.running {
		q.mu.Unlock()
		return
	}
	stop, stopped := q.stop, q.stopped
	q.running = false
	q.mu.Unlock()
	stop()
	<-stopped
}

// refresh restarts the workers (service_refresh task).
func (q *taskQueue) refresh(ctx context.Context) {
	q.stopWorkers()
	q.mu.Lock()
	q.restarts = 0
	q.mu.Unlock()
	if q.enabled() {
		q.runWorkers(context.WithoutCancel(ctx))
	}
}

// work runs queued tasks until ctx ends. A panic fails the task and
// restarts the worker, counted as the service's restart.
func (q *taskQueue) work(ctx context.Context) {
	for ctx.Err() == nil {
		t := q.next()
		if t == nil {
			select {
			case <-ctx.Done():
				return
			case <-q.wake:
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		q.run(ctx, t)
	}
}

// next takes the oldest pending task and marks it started.
func (q *taskQueue) next() *Task {
	q.mu.Lock()
	if len(q.pending) == 0 {
		q.mu.Unlock()
		return nil
	}
	id := q.pending[0]
	q.pending = q.pending[1:]
	t := q.tasks[id]
	t.State, t.Started = TaskStarted, time.Now().UTC()
	c := *t
	q.mu.Unlock()
	if err := q.save(&c); err != nil {
		q.e.log.Warn("task service: recording a start", "task", id, "err", err)
	}
	return &c
}

// run runs one task and records its outcome.
func (q *taskQueue) run(ctx context.Context, t *Task) {
	defer func() {
		if p := recover(); p != nil {
			q.mu.Lock()
			q.restarts++
			q.lastErr = fmt.Sprintf("a worker panicked on task %s: %v", t.ID, p)
			q.mu.Unlock()
			q.finish(t, nil, fmt.Errorf("the worker panicked: %v", p))
		}
	}()
	var reqCtx map[string]any
	if len(t.Ctx) > 0 {
		dec := json.NewDecoder(bytes.NewReader(t.Ctx))
		dec.UseNumber()
		if err := dec.Decode(&reqCtx); err != nil {
			q.finish(t, nil, fmt.Errorf("ctx: %w", err))
			return
		}
	}
	res, err := q.e.RunApp(ctx, t.App, reqCtx)
	if ctx.Err() != nil && err != nil {
		// Stopped under it: back to the queue, to run again.
		q.requeue(t)
		return
	}
	q.finish(t, &res, err)
}

// requeue puts a task whose worker stopped back at the head of the queue.
func (q *taskQueue) requeue(t *Task) {
	t.State, t.Started = TaskPending, time.Time{}
	if err := q.save(t); err != nil {
		q.e.log.Warn("task service: requeueing", "task", t.ID, "err", err)
	}
	q.mu.Lock()
	q.tasks[t.ID] = t
	q.pending = append([]string{t.ID}, q.pending...)
	q.mu.Unlock()
}

// finish records a task's outcome, prunes the oldest finished tasks beyond
// maxFinishedTasks and wakes its waiters.
func (q *taskQueue) finish(t *Task, res *AppResult, err error) {
	t.Finished = time.Now().UTC()
	if err != nil {
		t.State, t.Error = TaskFailure, err.Error()
	} else {
		t.State, t.Result = TaskSuccess, res
	}
	if serr := q.save(t); serr != nil {
		q.e.log.Warn("task service: recording an outcome", "task", t.ID, "err", serr)
	}
	q.mu.Lock()
	q.tasks[t.ID] = t
	q.finished = append(q.finished, t.ID)
	var drop []string
	if n := len(q.finished) - maxFinishedTasks; n > 0 {
		drop = slices.Clone(q.finished[:n])
		q.finished = q.finished[n:]
		for _, id := range drop {
			delete(q.tasks, id)
		}
	}
	close(q.changed)
	q.changed = make(chan struct{})
	q.mu.Unlock()
	for _, id := range drop {
		if err := q.e.store.Delete(store.Tasks, id); err != nil {
			q.e.log.Warn("task service: pruning", "task", id, "err", err)
		}
	}
}

// wait blocks until task id has finished or ctx ends.
func (q *taskQueue) wait(ctx context.Context, id string) (Task, error) {
	for {
		q.mu.Lock()
		t, ok := q.tasks[id]
		ch := q.changed
		var c Task
		if ok {
			c = *t
		}
		q.mu.Unlock()
		if !ok {
			return Task{}, errorf(ErrNotFound, "no task %q (its result may have been pruned)", id)
		}
		if c.State == TaskSuccess || c.State == TaskFailure {
			return c, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return c, ctx.Err()
		}
	}
}

// info is the task service as service_info shows it.
func (q *taskQueue) info() services.Info {
	q.mu.Lock()
	defer q.mu.Unlock()
	in := services.Info{
		Name: TaskServiceName, Doc: fmt.Sprintf("the engine's asynchronous request queue: %d workers, %d queued", taskWorkers, len(q.pending)),
		Enabled: q.enabled(), Automation: true, State: types.ServiceStopped,
		Restarts: q.restarts, LastError: q.lastErr, DataDir: q.e.opts.DataDir,
	}
	if q.running {
		in.State, in.Since, in.ProbeOK, in.Verified = types.ServiceReady, q.since, true, true
	}
	return in
}

// newTaskID returns a random UUID (version 4), the form of Celery's ids.
func newTaskID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// AsyncRun is the answer of an app run asked for with is_async, as JSORC's
// walker_run answered: Queued with the task id, or, when the task service
// does not run, the run done at once.
type AsyncRun struct {
	Queued bool
	TaskID string
	Result AppResult
}

// RunAppAsync queues one request of app name (JSORC's is_async) and
// answers its task id at once; when the task service does not run (keep_alive
// does not name "task"), it runs the request now, as JSORC did.
func (e *Engine) RunAppAsync(ctx context.Context, name string, reqCtx map[string]any) (AsyncRun, error) {
	if e.tasks.isRunning() {
		id, err := e.tasks.enqueue(name, reqCtx)
		return AsyncRun{Queued: true, TaskID: id}, err
	}
	res, err := e.RunApp(ctx, name, reqCtx)
	return AsyncRun{Result: res}, err
}

// TaskStatus returns a queued request's task; ok is false for an id the
// queue does not hold (never queued, or pruned).
func (e *Engine) TaskStatus(id string) (Task, bool) { return e.tasks.get(id) }

// TaskWait waits until a queued request has finished, or ctx ends (then
// it returns the task as it stands with ctx's error).
func (e *Engine) TaskWait(ctx context.Context, id string) (Task, error) { return e.tasks.wait(ctx, id) }

// TaskServiceRunning reports whether the task service's workers run.
func (e *Engine) TaskServiceRunning() bool { return e.tasks.isRunning() }

// TaskCounts returns how many tasks wait, run and have finished.
func (e *Engine) TaskCounts() (pending, started, finished int) { return e.tasks.counts() }

func (q *taskQueue) isRunning() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running
}

func (q *taskQueue) counts() (pending, started, finished int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, t := range q.tasks {
		if t.State == TaskStarted {
			started++
		}
	}
	return len(q.pending), started, len(q.finished)
}
