package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/jsorc/jsorc/internal/pytool"
	"github.com/jsorc/jsorc/kube/kubetest"
)

// backend is where a replay runs: how to start the engine, and how to see
// that test_module's action server is gone (JSORC's test looked for a
// Running pod labelled pod=test-module).
type backend struct {
	name string
	// start starts an engine on this backend, installed as a JSORC
	// installation would be (META_CONFIG naming where it works).
	start func(t *testing.T) *server
	// actionConfigs is the text of test_module's ACTION_CONFIGS.
	actionConfigs func(t *testing.T) string
	// serverGone reports whether the action server that status (the
	// module's action_status while it served remotely) describes is gone,
	// and what is left when it is not.
	serverGone func(t *testing.T, status map[string]any) (bool, string)
}

// TestJSORCAPILocal replays JSORC's API tests on the local backend.
func TestJSORCAPILocal(t *testing.T) {
	t.Parallel()
	replay(t, localBackend())
}

// TestJSORCAPIKube replays them on a real Kubernetes control plane
// (JSORC_TEST_KUBECONFIG), each test in a fresh namespace.
func TestJSORCAPIKube(t *testing.T) {
	t.Parallel()
	kubetest.Connect(t) // skips, saying why, without a cluster
	replay(t, kubeBackend())
}

// replay runs every scenario of JSORC's tests, each on an engine of its
// own after JSORC's setUp, as JSORC ran each test on a fresh server.
func replay(t *testing.T, b backend) {
	skipShort(t)
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			s := b.start(t)
			setUp(t, s)
			sc.run(t, s, b)
		})
	}
}

// setUp is JSORC's setUp of every kube test: config_get META_CONFIG
// decoded with json.loads (the answer must be a JSON string), automation
// on and keep_alive ["promon"], config_set with the object, service_refresh
// meta. JSORC asserted nothing here; a failed step fails the test as the
// Python would have raised.
func setUp(t *testing.T, s *server) {
	t.Helper()
	r := s.ok(t, "config_get", map[string]any{"op": "config_get", "name": "META_CONFIG", "do_check": false})
	text, isString := r.data.(string)
	var meta map[string]any
	if !isString || json.Unmarshal([]byte(text), &meta) != nil {
		t.Fatalf("json.loads(config_get META_CONFIG) fails on %s", r.raw)
	}
	meta["automation"] = true
	meta["keep_alive"] = []any{"promon"}
	s.post(t, "config_set", map[string]any{"op": "config_set", "name": "META_CONFIG", "value": meta, "do_check": false})
	s.post(t, "service_refresh", map[string]any{"op": "service_refresh", "name": "meta"})
}

// scenario is one of JSORC's API tests.
type scenario struct {
	name string
	run  func(t *testing.T, s *server, b backend)
}

func scenarios() []scenario {
	return []scenario{
		{"1 tracking", testActionsTracking},
		{"2 benchmark", testBenchmark},
		{"3 system tracking", testSystemTracking},
		{"4 set policy", testSetActionPolicy},
		{"5 load module", testLoadModule},
		{"6 unload auto", testUnloadAuto},
		{"7 load remote", testLoadRemote},
		{"8 retire", testUnloadRemoteAndRetire},
		{"9 service refresh", testServiceRefresh},
	}
}

// configure is JSORC's jsorc_actions_config of test_module. JSORC's body
// named the Python module holding ACTION_CONFIGS ("jaseci_ai_kit.config");
// jsorc takes that dict's text.
func configure(t *testing.T, s *server, b backend) {
	t.Helper()
	s.ok(t, "jsorc_actions_config", map[string]any{"op": "jsorc_actions_config", "name": "test_module", "config": b.actionConfigs(t)})
}

// loadModule is JSORC's jsorc_actions_load of test_module in module mode.
func loadModule(t *testing.T, s *server) res {
	t.Helper()
	return s.ok(t, "jsorc_actions_load", map[string]any{"op": "jsorc_actions_load", "name": "test_module", "mode": "module"})
}

// loadRemoteUntilReady is JSORC's loop: POST the remote load again until
// action_status.remote.status is READY (JSORC had no deadline).
func loadRemoteUntilReady(t *testing.T, s *server) map[string]any {
	t.Helper()
	deadline := time.Now().Add(readyWithin)
	for {
		r := s.ok(t, "jsorc_actions_load", map[string]any{"op": "jsorc_actions_load", "name": "test_module", "mode": "remote"})
		st, _ := r.obj()["action_status"].(map[string]any)
		remote, _ := st["remote"].(map[string]any)
		if remote["status"] == "READY" {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("remote.status not READY within %v: %s", readyWithin, r.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// actionsList is the master's actions_list(); actionsModuleList its
// actions_module_list().
func actionsList(t *testing.T, s *server) []string {
	t.Helper()
	return stringList(t, s.ok(t, "actions_list", map[string]any{"op": "actions_list"}))
}

func actionsModuleList(t *testing.T, s *server) []string {
	t.Helper()
	return stringList(t, s.ok(t, "actions_module_list", map[string]any{"op": "actions_module_list"}))
}

// stringList reads an answer that must be a bare list of strings.
func stringList(t *testing.T, r res) []string {
	t.Helper()
	items, ok := r.data.([]any)
	if !ok {
		t.Fatalf("the answer is not a list: %s", r.raw)
	}
	out := make([]string, 0, len(items))
	for _, x := range items {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// defineApp is sentinel_register of a walker, as an app: name's steps call
// test_module.call with each of args (none: a step that only reports a
// string, as JSORC's test_benchmark walker did).
func defineApp(t *testing.T, s *server, name string, args ...string) {
	t.Helper()
	var steps []map[string]any
	for _, a := range args {
		steps = append(steps, map[string]any{"action": "test_module.call", "args": map[string]any{"a": a}})
	}
	if len(steps) == 0 {
		s.ok(t, "jsorc_actions_load", map[string]any{"name": "echo", "mode": "module"})
		steps = append(steps, map[string]any{"action": "echo.echo", "args": map[string]any{"value": "dummy walker"}})
	}
	cfg, err := json.Marshal(map[string]any{name: map[string]any{"steps": steps}})
	if err != nil {
		t.Fatal(err)
	}
	s.ok(t, "app_config", map[string]any{"op": "app_config", "config": string(cfg)})
}

// 1. test_actions_tracking.
func testActionsTracking(t *testing.T, s *server, b backend) {
	s.ok(t, "jsorc_trackact_start", map[string]any{"op": "jsorc_trackact_start"})
	configure(t, s, b)
	loadModule(t, s)
	defineApp(t, s, "test_actions_tracking", "test string", "test string1", "test string2")
	s.ok(t, "/js/app_run", map[string]any{"name": "test_actions_tracking"})
	r := s.ok(t, "jsorc_trackact_stop", map[string]any{"op": "jsorc_trackact_stop"})
	hist, _ := r.data.([]any)
	if len(hist) == 0 {
		t.Fatalf("res.data[0]: the answer is no list with an entry: %s", r.raw)
	}
	first, _ := hist[0].(map[string]any)
	calls, ok := first["actions_calls"].(map[string]any)
	if !ok {
		t.Errorf(`"actions_calls" not in res.data[0]: %s`, r.raw)
	}
	if _, ok := calls["test_module.call"]; !ok {
		t.Errorf(`"test_module.call" not in res.data[0]["actions_calls"]: %s`, r.raw)
	}
}

// 2. test_benchmark. JSORC's sentinel_register is jsorc's app_config.
func testBenchmark(t *testing.T, s *server, _ backend) {
	s.ok(t, "jsorc_benchmark_start", map[string]any{"op": "jsorc_benchmark_start"})
	defineApp(t, s, "test_benchmark")
	s.ok(t, "/js/app_run", map[string]any{"name": "test_benchmark"})
	r := s.ok(t, "jsorc_benchmark_stop", map[string]any{"op": "jsorc_benchmark_stop", "report": true})
	data := r.obj()
	for _, k := range []string{"app_config", "walker_run"} {
		if _, ok := data[k]; !ok {
			t.Errorf("%q not in res.data: %s", k, r.raw)
		}
	}
	run, _ := data["walker_run"].(map[string]any)
	if _, ok := run["test_benchmark"]; !ok {
		t.Errorf(`"test_benchmark" not in res.data["walker_run"]: %s`, r.raw)
	}
}

// 3. test_system_tracking. JSORC slept 20 s; jsorc samples every second,
// so a few seconds give states, and JSORC's assertion (every state has
// prometheus and actions) is not vacuous.
func testSystemTracking(t *testing.T, s *server, _ backend) {
	s.ok(t, "jsorc_tracksys_start", map[string]any{"op": "jsorc_tracksys_start"})
	time.Sleep(3 * time.Second)
	r := s.ok(t, "jsorc_tracksys_stop", map[string]any{"op": "jsorc_tracksys_stop"})
	states, ok := r.obj()["states"].([]any)
	if !ok {
		t.Fatalf(`res.data["states"]: %s`, r.raw)
	}
	for i, x := range states {
		st, _ := x.(map[string]any)
		for _, k := range []string{"prometheus", "actions"} {
			if _, ok := st[k]; !ok {
				t.Errorf("state %d has no %q: %v", i, k, st)
			}
		}
	}
	if len(states) == 0 {
		t.Errorf("no state after 3 s of sampling every second: %s", r.raw)
	}
}

// 4. test_set_action_policy.
func testSetActionPolicy(t *testing.T, s *server, _ backend) {
	s.ok(t, "jsorc_actionpolicy_set", map[string]any{"op": "jsorc_actionpolicy_set", "policy_name": "Evaluation"})
	r := s.ok(t, "jsorc_actionpolicy_get", map[string]any{"op": "jsorc_actionpolicy_get"})
	if r.obj()["policy"] != "Evaluation" {
		t.Errorf(`res.data["policy"] != "Evaluation": %s`, r.raw)
	}
}

// 5. test_jsorc_actions_load_module.
func testLoadModule(t *testing.T, s *server, b backend) {
	configure(t, s, b)
	r := loadModule(t, s)
	st, _ := r.obj()["action_status"].(map[string]any)
	module, _ := st["module"].(map[string]any)
	if st["mode"] != "module" {
		t.Errorf(`action_status["mode"] != "module": %s`, r.raw)
	}
	if module["name"] != "jaseci_ai_kit.test_module" {
		t.Errorf(`action_status["module"]["name"] != "jaseci_ai_kit.test_module": %s`, r.raw)
	}
	if mods := actionsModuleList(t, s); !slices.Contains(mods, "jaseci_ai_kit.modules.test_module.test_module") {
		t.Errorf("the loaded module not in actions_module_list(): %v", mods)
	}
	if acts := actionsList(t, s); !slices.Contains(acts, "test_module.call") {
		t.Errorf("test_module.call not in actions_list(): %v", acts)
	}
}

// 6. test_jsorc_actions_unload_auto.
func testUnloadAuto(t *testing.T, s *server, b backend) {
	configure(t, s, b)
	loadModule(t, s)
	if acts := actionsList(t, s); !slices.Contains(acts, "test_module.call") {
		t.Fatalf("test_module.call not in actions_list() after the load: %v", acts)
	}
	s.ok(t, "jsorc_actions_unload", map[string]any{"op": "jsorc_actions_unload", "name": "test_module", "mode": "auto"})
	if acts := actionsList(t, s); slices.Contains(acts, "test_module.call") {
		t.Errorf("test_module.call in actions_list() after the unload: %v", acts)
	}
	if mods := actionsModuleList(t, s); slices.Contains(mods, "jaseci_ai_kit.modules.test_module.test_module") {
		t.Errorf("the module in actions_module_list() after the unload: %v", mods)
	}
}

// 7. test_jsorc_actions_load_remote: the answer that first says READY
// says mode remote.
func testLoadRemote(t *testing.T, s *server, b backend) {
	configure(t, s, b)
	if r := s.post(t, "jsorc_actions_load", map[string]any{"op": "jsorc_actions_load", "name": "test_module", "mode": "remote"}); r.status != http.StatusOK {
		t.Fatalf("load remote: HTTP %d %s", r.status, r.raw)
	}
	st := loadRemoteUntilReady(t, s)
	if st["mode"] != "remote" {
		t.Errorf(`action_status["mode"] != "remote" in the answer that says READY: %v`, st)
	}
	if acts := actionsList(t, s); !slices.Contains(acts, "test_module.call") {
		t.Errorf("test_module.call not in actions_list(): %v", acts)
	}
}

// 8. test_jsorc_actions_unload_remote_and_retire_pod. JSORC slept 35 s
// and then looked for the pod; this polls until it is gone, within 35 s.
func testUnloadRemoteAndRetire(t *testing.T, s *server, b backend) {
	configure(t, s, b)
	st := loadRemoteUntilReady(t, s)
	if gone, _ := b.serverGone(t, st); gone {
		t.Fatalf("no action server runs although the module is READY: %v", st)
	}
	s.ok(t, "jsorc_actions_unload", map[string]any{"op": "jsorc_actions_unload", "name": "test_module", "mode": "remote"})
	if acts := actionsList(t, s); slices.Contains(acts, "test_module.call") {
		t.Errorf("test_module.call in actions_list() after the unload: %v", acts)
	}
	deadline := time.Now().Add(35 * time.Second)
	for {
		gone, left := b.serverGone(t, st)
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the action server still runs 35 s after the unload: %s", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// 9. test_service_refresh (test_jsorc_api.py).
func testServiceRefresh(t *testing.T, s *server, _ backend) {
	r := s.post(t, "service_refresh", map[string]any{"op": "service_refresh", "name": "meta", "do_check": false})
	if r.status != http.StatusOK || r.obj()["success"] != true {
		t.Errorf("service_refresh meta: HTTP %d %s", r.status, r.raw)
	}
}

// localBackend runs the engine on the local backend; test_module's remote
// server is the Jaseci-style Python server of examples/jaseci_action_server
// (what JSORC's ConfigMap ran with uvicorn), its "pod" a process.
func localBackend() backend {
	return backend{
		name:  "local",
		start: func(t *testing.T) *server { return startServer(t) },
		actionConfigs: func(t *testing.T) string {
			py := pytool.Find(t, "python3")
			raw, err := os.ReadFile(filepath.Join(repoRoot, "examples/jaseci_action_server/action_configs.json"))
			if err != nil {
				t.Fatal(err)
			}
			return strings.Replace(string(raw), `"python3", "examples/`, `"`+py+`", "`+repoRoot+`/examples/`, 1)
		},
		serverGone: func(t *testing.T, st map[string]any) (bool, string) {
			remote, _ := st["remote"].(map[string]any)
			pid, _ := remote["pid"].(float64)
			if pid <= 0 {
				t.Fatalf("the READY status names no pid: %v", st)
			}
			return !processRuns(int(pid)), fmt.Sprintf("process %d", int(pid))
		},
	}
}

// processRuns reports whether pid is a live process (not a zombie).
func processRuns(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

// kubeBackend runs the engine on the kube backend, each test in a fresh
// namespace that META_CONFIG names (with the cluster's kubeconfig), as a
// JSORC installation's META_CONFIG did. test_module's remote server is
// ACTION_CONFIGS' own Service, ConfigMap and Deployment (pod=test-module).
func kubeBackend() backend {
	path := kubetest.Kubeconfig()
	var nsOf sync.Map // *testing.T → its namespace
	return backend{
		name: "kube",
		start: func(t *testing.T) *server {
			ns := kubetest.Connect(t).Namespace("jsorc-compat")
			s := startServer(t, "--backend", "kube", "--kubeconfig", path, "--namespace", ns, "--image", "jsorc:test")
			meta := map[string]any{"namespace": ns, "keep_alive": []any{}, "kubernetes": map[string]any{"in_cluster": false, "config": path}}
			s.ok(t, "config_set", map[string]any{"name": "META_CONFIG", "value": meta})
			s.ok(t, "service_refresh", map[string]any{"name": "meta"})
			nsOf.Store(t, ns)
			return s
		},
		actionConfigs: func(t *testing.T) string {
			raw, err := os.ReadFile(filepath.Join(repoRoot, "examples/jaseci_action_server/action_configs.json"))
			if err != nil {
				t.Fatal(err)
			}
			return string(raw)
		},
		serverGone: func(t *testing.T, _ map[string]any) (bool, string) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ns, _ := nsOf.Load(t)
			pods, err := kubetest.Connect(t).Clientset.CoreV1().Pods(ns.(string)).List(ctx, metav1.ListOptions{LabelSelector: "pod=test-module"})
			if err != nil {
				t.Fatalf("listing pods: %v", err)
			}
			var running []string
			for _, p := range pods.Items {
				if p.Status.Phase == "Running" {
					running = append(running, p.Name)
				}
			}
			return len(running) == 0, "Running pods " + strings.Join(running, ", ")
		},
	}
}
