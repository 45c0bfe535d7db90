package kube_test

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/kube"
)

// TestKubeMetaRefreshMovesNamespace: the seed's activation flow on the real
// control plane — config_set META_CONFIG with another namespace, then
// service_refresh meta — applies at once, as JSORC's did: the module in
// remote mode gets its server in the new namespace, READY there, calls
// switched to it, and the old one retired; promon, kept alive, is applied
// in the new namespace; the answer says what moved and what stayed. A
// module in module mode serves every call throughout.
func TestKubeMetaRefreshMovesNamespace(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	nsA, nsB := c.namespace("jsorc-move-a"), c.namespace("jsorc-move-b")
	e := c.engine(kubeEngine{meta: testMeta(nsA)})
	ctx := ctxT(t)
	stA := load(t, e, "textenc", "remote")
	if !strings.Contains(stA.Remote.URL, "."+nsA+".svc") {
		t.Fatalf("URL %q is not in %s", stA.Remote.URL, nsA)
	}
	load(t, e, "echo", "module")
	name := kube.ActionServerName("textenc")

	stop := make(chan struct{})
	var calls, failed atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := e.Call(ctx, "echo.echo", map[string]any{"value": 1}); err != nil {
				failed.Add(1)
			}
			calls.Add(1)
			time.Sleep(time.Millisecond)
		}
	})

	m := testMeta(nsB)
	m.KeepAlive = []string{"promon"}
	m.Automation = true
	raw, _ := json.Marshal(m)
	if err := e.ConfigSet(ctx, engine.MetaConfigName, string(raw)); err != nil {
		t.Fatal(err)
	}
	msg, err := e.ServiceRefreshReport(ctx, "meta")
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("service_refresh meta: %v", err)
	}
	t.Logf("answer: %s", msg)
	if !strings.Contains(msg, nsB) || !strings.Contains(msg, "Moved make-before-break") || !strings.Contains(msg, "textenc") ||
		!strings.Contains(msg, "left there") {
		t.Errorf("the answer does not say what moved and what stayed: %s", msg)
	}
	st, err := e.Status("textenc")
	if err != nil {
		t.Fatal(err)
	}
	if st.Serving != "remote" || st.Remote.Status != "READY" || !strings.Contains(st.Remote.URL, "."+nsB+".svc") {
		t.Errorf("textenc after the move: %+v", st)
	}
	if c.get(nsB, deploymentsGVR, name) == nil || c.get(nsB, servicesGVR, name) == nil {
		t.Error("textenc's server objects are not in the new namespace")
	}
	eventually(t, 30*time.Second, "textenc's old objects retired", func() bool {
		return c.get(nsA, deploymentsGVR, name) == nil && c.get(nsA, servicesGVR, name) == nil
	})
	eventually(t, 60*time.Second, "promon applied in the new namespace", func() bool {
		return c.get(nsB, deploymentsGVR, kube.PrometheusServiceName) != nil
	})
	if failed.Load() != 0 || calls.Load() == 0 {
		t.Errorf("%d of %d module-mode calls failed during the move", failed.Load(), calls.Load())
	}
	// Where the engine works now is where it loads.
	if st := load(t, e, "synth", "remote"); !strings.Contains(st.Remote.URL, "."+nsB+".svc") {
		t.Errorf("a load after the move went to %q", st.Remote.URL)
	}
}
