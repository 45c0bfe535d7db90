package kube_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/kube"
	"github.com/jsorc/jsorc/kube/kubetest"
)

// checkJsorcLabels fails unless u carries jsorc's labels for owner.
func checkJsorcLabels(t *testing.T, u *unstructured.Unstructured, owner string) {
	t.Helper()
	l := u.GetLabels()
	if l[kube.LabelManagedBy] != kube.ManagedByValue || l[kube.LabelOwner] != owner || l[kube.LabelConfigVersion] == "" {
		t.Errorf("%s %s: labels %v, want managed-by jsorc, owner %s and a config version", u.GetKind(), u.GetName(), l, owner)
	}
}

// JSORC's scenario: load remote → polled until READY → the Deployment and
// Service exist with jsorc's labels; unload without retire → they stay;
// with retire → they are gone.
func TestKubeRemoteLoadUnload(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-engine")
	e := c.engine(kubeEngine{meta: testMeta(ns)})
	ctx := ctxT(t)

	start := time.Now()
	st, err := e.Load(ctx, "textenc", "remote", engine.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Remote.Status != "STARTING" {
		t.Errorf("load answered %s, want STARTING (JSORC's non-blocking load)", st.Remote.Status)
	}
	st = waitRemote(t, e, "textenc", 30*time.Second)
	t.Logf("load -mode remote → READY: %s", time.Since(start))
	name := kube.ActionServerName("textenc")
	if want := "http://" + name + "." + ns + ".svc:8000/"; st.Remote.URL != want {
		t.Errorf("URL %q, want %q", st.Remote.URL, want)
	}
	if !slices.Equal(st.Actions, []string{"cos_sim", "encode", "topk"}) {
		t.Errorf("actions %v, want textenc's from its config", st.Actions)
	}
	if !strings.Contains(st.Remote.LastError, "outside the cluster") {
		t.Errorf("last_error %q should say why the spec came from the config", st.Remote.LastError)
	}
	dep := c.get(ns, deploymentsGVR, name)
	svc := c.get(ns, servicesGVR, name)
	if dep == nil || svc == nil {
		t.Fatalf("deployment %v, service %v: want both", dep != nil, svc != nil)
	}
	checkJsorcLabels(t, dep, "textenc")
	checkJsorcLabels(t, svc, "textenc")
	args, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	ctr := args[0].(map[string]any)
	if got := ctr["args"]; !slices.Equal(toStrings(got), []string{"serve-action", "textenc", "--addr", "0.0.0.0:8000", "--name", "textenc"}) {
		t.Errorf("container args %v", got)
	}
	if ctr["image"] != testImage {
		t.Errorf("image %v, want %s", ctr["image"], testImage)
	}

	// Calls from outside the cluster cannot reach a kwok pod: they fail
	// with a message saying so, as unavailable.
	_, err = e.Call(ctx, "textenc.encode", map[string]any{"text": "a cat"})
	if err == nil || !errors.Is(err, engine.ErrUnavailable) ||
		!strings.Contains(err.Error(), "action server textenc runs in the cluster at "+st.Remote.URL) ||
		!strings.Contains(err.Error(), "could not port-forward") {
		t.Errorf("call: %v", err)
	}

	// An action server deleted by hand is applied again.
	if err := c.cs.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "textenc's Deployment re-created and READY", func() bool {
		u := c.get(ns, deploymentsGVR, name)
		st, _ := e.Status("textenc")
		return u != nil && u.GetUID() != dep.GetUID() && st.Remote.Status == "READY" && st.Remote.Restarts == 1
	})

	msg, err := e.Unload(ctx, "textenc", "auto", false)
	if err != nil || !strings.Contains(msg, "stays up") {
		t.Fatalf("unload without retire: %q, %v", msg, err)
	}
	if c.get(ns, deploymentsGVR, name) == nil || c.get(ns, servicesGVR, name) == nil {
		t.Fatal("unload without retire_svc removed the server; it should stay warm")
	}
	// Loading it again switches back to the warm server at once.
	if st, err := e.Load(ctx, "textenc", "remote", engine.LoadOptions{Wait: true}); err != nil || st.Remote.Status != "READY" {
		t.Fatalf("load back: %v, %v", st, err)
	}
	msg, err = e.Unload(ctx, "textenc", "auto", true)
	if err != nil || !strings.Contains(msg, "retired") {
		t.Fatalf("unload with retire: %q, %v", msg, err)
	}
	if c.get(ns, deploymentsGVR, name) != nil || c.get(ns, servicesGVR, name) != nil {
		t.Error("unload with retire_svc returned but the objects are still there")
	}
	if st, _ := e.Status("textenc"); st.Mode != nil || st.RequestedMode != nil || st.Remote.Status != "" {
		t.Errorf("status after unload: %v", st)
	}
}

func toStrings(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i], _ = x.(string)
	}
	return out
}

// JSORC's scenarios: load module / unload auto; config then load; status
// of all — on the kube backend, with a module of its own manifests.
func TestKubeModuleModeConfigAndStatus(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-engine")
	e := c.engine(kubeEngine{meta: testMeta(ns)})
	ctx := ctxT(t)

	// Module mode is in-process on every backend.
	st := load(t, e, "echo", "module")
	if st.Serving != "module" {
		t.Fatalf("echo: %v", st)
	}
	if _, err := e.Call(ctx, "echo.echo", map[string]any{"value": 1}); err != nil {
		t.Errorf("in-process call: %v", err)
	}
	if _, err := e.Unload(ctx, "echo", "auto", true); err != nil {
		t.Fatal(err)
	}

	// config then load: a synth module (its 400 MB are never allocated by
	// the engine: it only lists the actions) and a module with its own
	// manifests, ConfigMap included.
	src := []byte(`
use_enc:
  builtin: synth
  params: {mem_mb: 400, cpu_ms: 10, actions: [encode, cos_sim]}
  local_mem_requirement: 400
custom:
  kube:
    port: 9000
    manifests:
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: custom-config}
        data: {greeting: hello}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: custom-server}
        spec:
          replicas: 2
          selector: {matchLabels: {app: custom}}
          template:
            metadata: {labels: {app: custom}}
            spec:
              containers:
                - name: server
                  image: example.com/custom:1
                  ports: [{containerPort: 9000}]
      - apiVersion: v1
        kind: Service
        metadata: {name: custom}
        spec:
          selector: {app: custom}
          ports: [{port: 9000, targetPort: 9000}]
`)
	if _, err := e.ConfigureActions(context.Background(), "all", "modules.yaml", src); err != nil {
		t.Fatal(err)
	}
	st = load(t, e, "use_enc", "remote")
	if st.Remote.Status != "READY" || !slices.Equal(st.Actions, []string{"cos_sim", "encode"}) {
		t.Errorf("use_enc: %v actions %v", st, st.Actions)
	}
	dep := c.get(ns, deploymentsGVR, kube.ActionServerName("use_enc"))
	if dep == nil {
		t.Fatal("use_enc: no Deployment")
	}
	ctrs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	args := toStrings(ctrs[0].(map[string]any)["args"])
	if len(args) != 8 || args[1] != "synth" || args[5] != "use_enc" || args[6] != "--params" || !strings.Contains(args[7], `"mem_mb":400`) {
		t.Errorf("use_enc runs %v; want serve-action synth --name use_enc --params with its own params", args)
	}

	st = load(t, e, "custom", "remote")
	if want := "http://custom." + ns + ".svc:9000/"; st.Remote.Status != "READY" || st.Remote.URL != want {
		t.Errorf("custom: %v, want READY at %s", st, want)
	}
	for _, u := range []*unstructured.Unstructured{c.get(ns, configMapsGVR, "custom-config"), c.get(ns, deploymentsGVR, "custom-server"), c.get(ns, servicesGVR, "custom")} {
		if u == nil {
			t.Fatal("custom: an object of its manifests is missing")
		}
		checkJsorcLabels(t, u, "custom")
	}

	// status of all.
	all := e.StatusAll()
	for name, want := range map[string]string{"use_enc": "READY", "custom": "READY", "textenc": "", "echo": "", "synth": ""} {
		if got := all[name].Remote.Status; got != want {
			t.Errorf("status of all: %s remote %q, want %q", name, got, want)
		}
	}

	// Moving use_enc in-process retires its Deployment (keep_warm is off).
	if _, err := e.Load(ctx, "use_enc", "module", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "use_enc's server retired after the move to module mode", func() bool {
		return c.get(ns, deploymentsGVR, kube.ActionServerName("use_enc")) == nil
	})
	if _, err := e.Unload(ctx, "custom", "auto", true); err != nil {
		t.Fatal(err)
	}
	if c.get(ns, configMapsGVR, "custom-config") != nil {
		t.Error("custom's ConfigMap survived its retirement")
	}
}

// A module whose manifests cannot be applied fails a waiting load quickly,
// with the API server's reason.
func TestKubeLoadRefused(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-engine")
	e := c.engine(kubeEngine{meta: testMeta(ns)})
	src := []byte(`
elsewhere:
  kube:
    manifests:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: elsewhere, namespace: kube-system}
        spec: {selector: {matchLabels: {app: x}}, template: {metadata: {labels: {app: x}}, spec: {containers: [{name: x, image: x}]}}}
      - apiVersion: v1
        kind: Service
        metadata: {name: elsewhere}
        spec: {selector: {app: x}, ports: [{port: 80}]}
`)
	if _, err := e.ConfigureActions(context.Background(), "elsewhere", "bad.yaml", src); err != nil {
		t.Fatal(err)
	}
	_, err := e.Load(ctxT(t), "elsewhere", "remote", engine.LoadOptions{Wait: true})
	if err == nil || !strings.Contains(err.Error(), "kube-system") {
		t.Fatalf("load of a module applying into another namespace: %v", err)
	}
	t.Logf("refused: %v", err)
}

// fiftyModules is a config source of n synth modules.
func fiftyModules(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "mod_%02d:\n  builtin: synth\n  params: {mem_mb: 100, actions: [infer, score]}\n", i)
	}
	return []byte(b.String())
}

// JSORC's scale scenario: 50 modules loaded remote at once all become
// READY, and the engine's API stays responsive meanwhile.
func TestKubeFiftyModulesRemote(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-fifty")
	counter := kubetest.NewRequestCounter()
	e := c.engine(kubeEngine{meta: testMeta(ns), counter: counter})
	const n = 50
	names, err := e.ConfigureActions(context.Background(), "all", "fifty.yaml", fiftyModules(n))
	if err != nil || len(names) != n {
		t.Fatalf("configure: %v, %v", names, err)
	}
	h, err := api.NewServer(e, api.Options{Token: "kube-test-token"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	caller := client.New(srv.URL, client.WithToken("kube-test-token"))

	// Measure the API while the modules start: jsorc_actions_status of all.
	stop := make(chan struct{})
	var lat []time.Duration
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			t0 := time.Now()
			if _, err := types.Call(context.Background(), caller, types.ActionsStatus, types.ActionsStatusParams{}); err != nil {
				t.Errorf("status of all during the loads: %v", err)
				return
			}
			lat = append(lat, time.Since(t0))
		}
	}()

	before := counter.Snapshot()
	start := time.Now()
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			if _, err := e.Load(ctxT(t), name, "remote", engine.LoadOptions{}); err != nil {
				t.Errorf("load %s: %v", name, err)
			}
		})
	}
	wg.Wait()
	loaded := time.Since(start)
	eventually(t, 90*time.Second, "all 50 READY", func() bool {
		for _, st := range e.StatusAll() {
			if st.RequestedMode != nil && (st.Remote.Status != "READY" || st.Serving != "remote") {
				return false
			}
		}
		return true
	})
	ready := time.Since(start)
	close(stop)
	<-probed
	reqs, total := counter.Since(before)
	slices.Sort(lat)
	if len(lat) == 0 {
		t.Fatal("no API request measured")
	}
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	t.Logf("50 remote loads: all answered in %s, all READY in %s; %d API requests to the cluster %v", loaded, ready, total, reqs)
	t.Logf("engine API (status of all, %d requests) while they started: p50 %s, p99 %s, max %s", len(lat), p(0.5), p(0.99), lat[len(lat)-1])
	if lat[len(lat)-1] > 2*time.Second {
		t.Errorf("the engine's API took %s to answer while the modules started", lat[len(lat)-1])
	}
	if st, _ := e.Status("mod_07"); !slices.Equal(st.Actions, []string{"infer", "score"}) {
		t.Errorf("mod_07 actions %v", st.Actions)
	}
}

// After a restart the engine finds its action servers where it left them:
// closing it does not retire them, and the new engine is READY at once.
func TestKubeRestartKeepsServers(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-restart")
	dir := t.TempDir()
	e, err := c.open(kubeEngine{meta: testMeta(ns), dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Load(ctxT(t), "synth", "remote", engine.LoadOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	uid := c.get(ns, deploymentsGVR, kube.ActionServerName("synth")).GetUID()
	closeEngine(t, e)
	if u := c.get(ns, deploymentsGVR, kube.ActionServerName("synth")); u == nil || u.GetUID() != uid {
		t.Fatal("closing the engine retired its action server")
	}
	e2 := c.engine(kubeEngine{meta: testMeta(ns), dir: dir})
	st := waitRemote(t, e2, "synth", 10*time.Second)
	if u := c.get(ns, deploymentsGVR, kube.ActionServerName("synth")); u.GetUID() != uid {
		t.Error("the restarted engine re-created the server instead of adopting it")
	}
	if !slices.Equal(st.Actions, []string{"infer"}) {
		t.Errorf("synth actions %v", st.Actions)
	}
}
