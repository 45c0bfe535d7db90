package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
)

// waitTaskService waits until the task service's workers run.
func waitTaskService(t *testing.T, e *engine.Engine) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !e.TaskServiceRunning() {
		if time.Now().After(deadline) {
			t.Fatalf("the task service never ran: %+v", e.ServiceInfo()[engine.TaskServiceName])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTaskQueue: an is_async run answers a task id at once; the task goes
// PENDING/STARTED to SUCCESS with the app's answer, or to FAILURE with the
// failure's message; the service shows in service_info as "task".
func TestTaskQueue(t *testing.T) {
	e := newEngine(t)
	load(t, e, "echo", "module")
	apps := "slow: {steps: [{action: echo.sleep, args: {ms: 200}}, {action: echo.echo, args: {value: \"$ctx.v\"}}]}\n" +
		"broken: {steps: [{action: echo.fail, args: {message: \"it broke\"}}]}\n"
	if _, err := e.ConfigureApps(ctxT(t), "apps.yaml", []byte(apps)); err != nil {
		t.Fatal(err)
	}
	waitTaskService(t, e)
	if in := e.ServiceInfo()[engine.TaskServiceName]; in.State != "ready" || !in.Enabled {
		t.Errorf("service_info task: %+v", in)
	}
	start := time.Now()
	run, err := e.RunAppAsync(ctxT(t), "slow", map[string]any{"v": "hello"})
	if err != nil || !run.Queued || len(run.TaskID) != 36 {
		t.Fatalf("RunAppAsync: %+v, %v", run, err)
	}
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Errorf("the queued run answered after %v: it did not return at once", d)
	}
	if st, ok := e.TaskStatus(run.TaskID); !ok || (st.State != engine.TaskPending && st.State != engine.TaskStarted) {
		t.Errorf("status right after queueing: %+v", st)
	}
	done, err := e.TaskWait(ctxT(t), run.TaskID)
	if err != nil || done.State != engine.TaskSuccess || done.Result == nil || done.Result.Result != "hello" {
		t.Fatalf("wait: %+v, %v", done, err)
	}
	bad, err := e.RunAppAsync(ctxT(t), "broken", nil)
	if err != nil {
		t.Fatal(err)
	}
	failed, err := e.TaskWait(ctxT(t), bad.TaskID)
	if err != nil || failed.State != engine.TaskFailure || !strings.Contains(failed.Error, "it broke") {
		t.Errorf("failing task: %+v, %v", failed, err)
	}
	if _, err := e.RunAppAsync(ctxT(t), "nosuch", nil); err == nil {
		t.Error("queueing an undefined app succeeded")
	}
	if _, ok := e.TaskStatus("no-such-id"); ok {
		t.Error("an unknown id is known")
	}
	if err := e.ServiceRefresh(ctxT(t), engine.TaskServiceName); err != nil {
		t.Errorf("service_refresh task: %v", err)
	}
}

// TestTaskQueueSurvivesRestart: requests queued when the engine stops —
// waiting or half run — run after it starts again, and finished ones keep
// their results.
func TestTaskQueueSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	first := openEngine(t, dir)
	e := first.Engine
	load(t, e, "echo", "module")
	if _, err := e.ConfigureApps(ctxT(t), "apps.yaml", []byte("slow: {steps: [{action: echo.sleep, args: {ms: 300}}, {action: echo.echo, args: {value: \"$ctx.v\"}}]}")); err != nil {
		t.Fatal(err)
	}
	waitTaskService(t, e)
	var ids []string
	for i := range 6 {
		run, err := e.RunAppAsync(ctxT(t), "slow", map[string]any{"v": i})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, run.TaskID)
	}
	if _, err := e.TaskWait(ctxT(t), ids[0]); err != nil {
		t.Fatal(err)
	}
	closeEngine(t, first) // the others wait or run

	e2 := openEngine(t, dir).Engine
	load(t, e2, "echo", "module")
	ctx, cancel := context.WithTimeout(ctxT(t), 30*time.Second)
	defer cancel()
	for i, id := range ids {
		done, err := e2.TaskWait(ctx, id)
		if err != nil || done.State != engine.TaskSuccess || mustMarshalString(t, done.Result.Result) != mustMarshalString(t, i) {
			t.Errorf("task %d after the restart: %+v, %v", i, done, err)
		}
	}
}

func mustMarshalString(t *testing.T, v any) string { return string(mustMarshal(t, v)) }
