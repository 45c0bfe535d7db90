package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAsyncAppRunLikeJSORC: app_run with is_async answers
// {"is_queued": true, "result": "<task id>"} at once; walker_queue_check
// and walker_queue_wait (GET, task_id in the query) answer its status and,
// once done, the run's answer.
func TestAsyncAppRunLikeJSORC(t *testing.T) {
	f := newFixture(t)
	if a := f.admin(t, "jsorc_actions_load", `{"name":"echo","mode":"module"}`); a.code != 200 {
		t.Fatalf("load: %s", a.raw)
	}
	app := "slow:\n  steps:\n    - action: echo.sleep\n      args: {ms: 200}\n    - action: echo.echo\n      args: {value: $ctx.v}\n"
	if a := f.admin(t, "app_config", mustJSON(t, map[string]any{"config": app})); a.code != 200 {
		t.Fatalf("app_config: %s", a.raw)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !f.e.TaskServiceRunning() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	a := f.do(t, http.MethodPost, "/js/app_run", `{"name":"slow","ctx":{"v":1.0},"is_async":true}`)
	id, _ := a.body["result"].(string)
	if a.code != 200 || a.body["is_queued"] != true || len(id) != 36 {
		t.Fatalf("async app_run: %s", a.raw)
	}
	check := f.do(t, http.MethodGet, "/js/walker_queue_check?task_id="+id, "")
	if st := check.body["status"]; st != "PENDING" && st != "STARTED" && st != "SUCCESS" {
		t.Errorf("check: %s", check.raw)
	}
	wait := f.do(t, http.MethodGet, "/js/walker_queue_wait?task_id="+id+"&timeout=20", "")
	res, _ := wait.body["result"].(map[string]any)
	if wait.code != 200 || wait.body["status"] != "SUCCESS" || !strings.Contains(wait.raw, `"result":1.0`) || res["latency_ms"] == nil {
		t.Fatalf("wait: %s", wait.raw)
	}
	if c := f.do(t, http.MethodGet, "/js/walker_queue_check?task_id="+id, ""); c.body["status"] != "SUCCESS" {
		t.Errorf("check after: %s", c.raw)
	}
	if u := f.do(t, http.MethodGet, "/js/walker_queue_check?task_id=nosuch", ""); u.body["status"] != "PENDING" || u.body["known"] != false {
		t.Errorf("an unknown id, as Celery answered it: %s", u.raw)
	}
	if s := f.do(t, http.MethodGet, "/js/walker_queue_check", ""); s.body["finished"] != 1.0 || s.body["running"] != true {
		t.Errorf("the queue's summary: %s", s.raw)
	}
	if b := f.do(t, http.MethodGet, "/js/walker_queue_wait", ""); b.code != 400 || !strings.Contains(b.raw, "task_id") {
		t.Errorf("wait without task_id: %d %s", b.code, b.raw)
	}
	// A synchronous run keeps its shape, with no is_queued.
	if s := f.do(t, http.MethodPost, "/js/app_run", `{"name":"slow","ctx":{"v":2}}`); s.code != 200 || strings.Contains(s.raw, "is_queued") {
		t.Errorf("sync run: %s", s.raw)
	}
}
