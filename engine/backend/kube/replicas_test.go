package kube_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8stypes "k8s.io/apimachinery/pkg/types"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/kube"
)

// serveBehind runs a real action server of a built-in module on loopback
// and returns a dialer that sends the module's in-cluster address there:
// kwok's pods run nothing, so this stands for the Service and its pods
// (the balancing among pods is the Service's, not the engine's).
func serveBehind(t *testing.T, module, builtin string, params map[string]any, ns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	t.Helper()
	bi, err := actions.NewRegistry().Lookup(builtin)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := bi.New(params)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(protocol.NewHandler(module, inst, protocol.HandlerOptions{}))
	t.Cleanup(func() {
		srv.Close()
		inst.Close()
	})
	inCluster := fmt.Sprintf("%s.%s.svc:%d", kube.ActionServerName(module), ns, 8000)
	local := srv.Listener.Addr().String()
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != inCluster {
			return nil, fmt.Errorf("the test routes only %s, not %s", inCluster, addr)
		}
		return d.DialContext(ctx, network, local)
	}
}

// deploymentReplicas reads a Deployment's spec.replicas.
func (c *kubeCluster) deploymentReplicas(ns, name string) int64 {
	c.t.Helper()
	u := c.get(ns, deploymentsGVR, name)
	if u == nil {
		c.t.Fatalf("deployment %s/%s is gone", ns, name)
	}
	n, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
	return n
}

// TestKubeScaleUnderLoad scales a remote module 1 → 4 → 1 on the real
// control plane while callers keep calling it: the Deployment's
// spec.replicas follows (server-side apply of the definition), the
// status reports the ready and desired pods from the informer cache
// (kwok makes the pods Ready), the module stays READY throughout, and no
// call fails.
func TestKubeScaleUnderLoad(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-scale")
	e := c.engine(kubeEngine{meta: testMeta(ns), dial: serveBehind(t, "echo", "echo", nil, ns)})
	ctx := ctxT(t)
	src := []byte("echo:\n  builtin: echo\n  replicas: {min: 1, max: 4}\n")
	if _, err := e.ConfigureActions(ctx, "echo", "test", src); err != nil {
		t.Fatal(err)
	}
	st := load(t, e, "echo", "remote")
	st = waitRemote(t, e, "echo", 30*time.Second)
	if st.Remote.ReplicasReady != 1 || st.Remote.ReplicasDesired != 1 || st.Remote.ReplicasScaling != types.ScalingAuto {
		t.Fatalf("after load: replicas %d ready of %d (%s), want 1 of 1, auto", st.Remote.ReplicasReady, st.Remote.ReplicasDesired, st.Remote.ReplicasScaling)
	}
	name := kube.ActionServerName("echo")
	if n := c.deploymentReplicas(ns, name); n != 1 {
		t.Fatalf("deployment replicas %d after load, want 1", n)
	}

	lctx, stop := context.WithCancel(ctx)
	var calls, failed, notReady atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for lctx.Err() == nil {
				_, err := e.Call(lctx, "echo.sleep", map[string]any{"ms": 2})
				if err != nil && lctx.Err() == nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
				calls.Add(1)
			}
		})
	}
	// A watcher of the status: the module must stay READY while it scales.
	wg.Go(func() {
		for lctx.Err() == nil {
			if st, err := e.Status("echo"); err == nil && st.Remote.Status != "READY" {
				notReady.Add(1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	for _, want := range []int{4, 1} {
		if _, err := e.Scale(ctx, "echo", want); err != nil {
			t.Fatalf("scale to %d: %v", want, err)
		}
		eventually(t, 60*time.Second, fmt.Sprintf("%d pods ready of %d in the status", want, want), func() bool {
			st, err := e.Status("echo")
			return err == nil && st.Remote.ReplicasReady == want && st.Remote.ReplicasDesired == want
		})
		if n := c.deploymentReplicas(ns, name); n != int64(want) {
			t.Errorf("deployment after scaling to %d: replicas %d", want, n)
		}
		st, _ := e.Status("echo")
		if st.Remote.ReplicasScaling != types.ScalingManual {
			t.Errorf("after scaling by hand: scaling %q, want manual", st.Remote.ReplicasScaling)
		}
		before := calls.Load()
		eventually(t, 10*time.Second, "calls go on", func() bool { return calls.Load() > before+10 })
	}
	stop()
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d of %d calls failed while scaling; first: %v", failed.Load(), calls.Load(), firstErr.Load())
	}
	if notReady.Load() != 0 {
		t.Errorf("the status left READY %d times while scaling", notReady.Load())
	}
	// A count changed on the cluster behind jsorc's back is drift: the
	// engine applies its own again.
	patch := []byte(`{"spec":{"replicas":3}}`)
	if _, err := c.cs.AppsV1().Deployments(ns).Patch(ctx, name, k8stypes.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "jsorc's 1 replica applied again over a count set on the cluster", func() bool {
		return c.deploymentReplicas(ns, name) == 1
	})
	t.Logf("%d calls, 0 failed", calls.Load())
}

// TestKubeAutoscale: the autoscaler drives the Deployment on the real
// control plane. Behind the module's address is one server serving one
// call at a time (20 ms each); one caller teaches the engine its unloaded
// latency, six make calls queue and the autoscaler raises the
// Deployment's replicas, and once the load drops it brings them back to
// one, with its reasons among the policy's decisions.
func TestKubeAutoscale(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-autoscale")
	e := c.engine(kubeEngine{meta: testMeta(ns), dial: serveBehind(t, "slow", "synth", map[string]any{"wait_ms": 20, "slots": 1}, ns)})
	ctx := ctxT(t)
	src := []byte("slow:\n  builtin: synth\n  params: {wait_ms: 20, slots: 1}\n  replicas: {min: 1, max: 3}\n")
	if _, err := e.ConfigureActions(ctx, "slow", "test", src); err != nil {
		t.Fatal(err)
	}
	load(t, e, "slow", "remote")
	waitRemote(t, e, "slow", 30*time.Second)
	name := kube.ActionServerName("slow")

	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	callers := func(n int, pause time.Duration) context.CancelFunc {
		lctx, stop := context.WithCancel(ctx)
		for range n {
			wg.Go(func() {
				for lctx.Err() == nil {
					if _, err := e.Call(lctx, "slow.infer", nil); err != nil && lctx.Err() == nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err)
					}
					if pause > 0 {
						select {
						case <-lctx.Done():
						case <-time.After(pause):
						}
					}
				}
			})
		}
		return stop
	}
	stopOne := callers(1, 0)
	time.Sleep(3 * engine.SampleInterval) // three ticks measure the unloaded latency
	stopMore := callers(5, 0)
	eventually(t, 30*time.Second, "the autoscaler raises the Deployment's replicas", func() bool {
		n := c.deploymentReplicas(ns, name)
		st, err := e.Status("slow")
		return n > 1 && err == nil && st.Remote.ReplicasDesired == int(n) && st.Remote.ReplicasReady == int(n)
	})
	stopMore()
	stopOne()
	stopLight := callers(1, 100*time.Millisecond)
	eventually(t, 60*time.Second, "the autoscaler brings the Deployment back to 1 replica", func() bool {
		n := c.deploymentReplicas(ns, name)
		st, err := e.Status("slow")
		return n == 1 && err == nil && st.Remote.ReplicasDesired == 1 && st.Remote.ReplicasReady == 1
	})
	stopLight()
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d calls failed; first: %v", failed.Load(), firstErr.Load())
	}
	var ups, downs int
	for _, d := range e.PolicyGet().Decisions {
		if d.Kind == types.MoveScale && d.Module == "slow" && d.Error == "" && d.Reason != "" {
			if d.ReplicasTo > d.ReplicasFrom {
				ups++
			} else {
				downs++
			}
		}
	}
	if ups == 0 || downs == 0 {
		t.Errorf("decisions: %d scale-ups, %d scale-downs with reasons; want both", ups, downs)
	}
}

// TestKubeAutoscaleCountsPodMemory: with no metrics source (the control
// plane serves no metrics API and no Prometheus is kept alive), the
// autoscaler weighs a replica at the memory its pod asks for, read from
// the Deployment on the cluster. The module's local_mem_requirement is far
// beyond the machine, so weighed at that, no replica would fit; its pod
// asks for 64 MiB, so replicas are added, and the reason says where the
// figure comes from.
func TestKubeAutoscaleCountsPodMemory(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-podmem")
	e := c.engine(kubeEngine{meta: testMeta(ns), dial: serveBehind(t, "slow", "synth", map[string]any{"wait_ms": 20, "slots": 1}, ns)})
	ctx := ctxT(t)
	svc := kube.ActionServerName("slow")
	src := fmt.Appendf(nil, `
slow:
  builtin: synth
  params: {wait_ms: 20, slots: 1}
  local_mem_requirement: 100000000
  replicas: {min: 1, max: 3}
  kube:
    manifests:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: slow-server}
        spec:
          selector: {matchLabels: {app: slow}}
          template:
            metadata: {labels: {app: slow}}
            spec:
              containers:
                - name: server
                  image: example.com/slow:1
                  resources: {requests: {memory: 64Mi}, limits: {memory: 1Gi}}
      - apiVersion: v1
        kind: Service
        metadata: {name: %s}
        spec:
          selector: {app: slow}
          ports: [{port: 8000}]
`, svc)
	if _, err := e.ConfigureActions(ctx, "slow", "test", src); err != nil {
		t.Fatal(err)
	}
	load(t, e, "slow", "remote")
	waitRemote(t, e, "slow", 30*time.Second)

	var wg sync.WaitGroup
	lctx, stop := context.WithCancel(ctx)
	defer func() {
		stop()
		wg.Wait()
	}()
	call := func() {
		for lctx.Err() == nil {
			_, _ = e.Call(lctx, "slow.infer", nil)
		}
	}
	wg.Go(call)
	time.Sleep(3 * engine.SampleInterval) // three ticks measure the unloaded latency
	for range 5 {
		wg.Go(call)
	}
	// The Deployment changes first; the decision is recorded once the
	// tick's scalings are done.
	var reasons []string
	eventually(t, 30*time.Second, "the autoscaler raises the Deployment's replicas within the budget", func() bool {
		reasons = reasons[:0]
		for _, d := range e.PolicyGet().Decisions {
			if d.Kind == types.MoveScale && d.Module == "slow" && d.ReplicasTo > d.ReplicasFrom && d.Error == "" {
				reasons = append(reasons, d.Reason)
			}
		}
		return len(reasons) > 0 && c.deploymentReplicas(ns, "slow-server") > 1
	})
	const want = "memory per replica from the pod's request (64 MB), no metrics source"
	if len(reasons) == 0 || !strings.Contains(reasons[0], want) {
		t.Fatalf("scale-up reasons %q; want the first to say %q", reasons, want)
	}
	t.Logf("reason: %s", reasons[0])
}
