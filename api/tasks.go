package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// The task service's status endpoints, as JSORC named them (user API, GET,
// parameters in the query): GET /js/walker_queue_check?task_id=ID answers
// {"status": PENDING|STARTED|SUCCESS|FAILURE, "result": ...} (the result
// once finished: the app run's answer, or the failure's message);
// without task_id, how many requests wait, run and have finished. GET
// /js/walker_queue_wait?task_id=ID&timeout=S waits up to S seconds
// (default 30, at most maxQueueWait) for the request to finish.
const (
	pathQueueCheck = "/js/walker_queue_check"
	pathQueueWait  = "/js/walker_queue_wait"
)

// maxQueueWait bounds walker_queue_wait's timeout.
const maxQueueWait = 10 * time.Minute

// errQueueTimeout is a wait that ended before its task finished.
var errQueueTimeout = errors.New("the task did not finish within the timeout")

func (s *Server) registerTasks() {
	s.mux.HandleFunc("GET "+pathQueueCheck, s.queueCheck)
	s.mux.HandleFunc("GET "+pathQueueWait, s.queueWait)
}

// queueAnswer is walker_queue_check's answer for one task.
type queueAnswer struct {
	Success bool   `json:"success"`
	Status  string `json:"status"`
	Result  any    `json:"result,omitempty"`
	// Known is false for an id the queue does not hold (JSORC's Celery
	// answered PENDING for those too).
	Known bool `json:"known"`
}

func taskAnswer(t engine.Task, known bool) queueAnswer {
	if !known {
		return queueAnswer{Success: true, Status: engine.TaskPending}
	}
	a := queueAnswer{Success: true, Status: t.State, Known: true}
	switch t.State {
	case engine.TaskSuccess:
		a.Result = t.Result
	case engine.TaskFailure:
		a.Result = t.Error
	}
	return a
}

func (s *Server) queueCheck(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("task_id")
	if id == "" {
		pending, started, finished := s.e.TaskCounts()
		writeJSON(w, http.StatusOK, map[string]any{
			"success": true, "running": s.e.TaskServiceRunning(), "pending": pending, "active": started, "finished": finished,
		})
		return
	}
	t, ok := s.e.TaskStatus(id)
	writeJSON(w, http.StatusOK, taskAnswer(t, ok))
}

func (s *Server) queueWait(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("task_id")
	if id == "" {
		writeErr(w, http.StatusBadRequest, fmt.Errorf("%w: missing parameter task_id (GET %s?task_id=ID&timeout=SECONDS)", errBadRequest, pathQueueWait))
		return
	}
	timeout := 30 * time.Second
	if v := q.Get("timeout"); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs <= 0 || secs > maxQueueWait.Seconds() {
			writeErr(w, http.StatusBadRequest, fmt.Errorf("%w: timeout %q: want seconds in (0, %v]", errBadRequest, v, maxQueueWait.Seconds()))
			return
		}
		timeout = time.Duration(secs * float64(time.Second))
	}
	if t, ok := s.e.TaskStatus(id); !ok {
		writeErr(w, http.StatusNotFound, fmt.Errorf("no task %q (its result may have been pruned)", id))
		return
	} else if t.State == engine.TaskPending && !s.e.TaskServiceRunning() {
		writeErr(w, http.StatusServiceUnavailable, errors.New("the task service does not run, so the task waits: add task to META_CONFIG's keep_alive, then `jsorc service refresh meta`"))
		return
	}
	ctx, cancel := withBudget(w, r, timeout)
	defer cancel()
	t, err := s.e.TaskWait(ctx, id)
	if err != nil {
		writeErr(w, http.StatusGatewayTimeout, fmt.Errorf("%w (%v): it is %s; wait again or check with GET %s?task_id=%s", errQueueTimeout, timeout, t.State, pathQueueCheck, id))
		return
	}
	writeJSON(w, http.StatusOK, taskAnswer(t, true))
}
