package kube_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
)

// TestKubeClusterView: on a real API server the engine says where it
// works (context, server, namespace), describes a remote module with its
// pods and replicas from the informer cache, passes the cluster's events
// of the module's objects (the scheduler's, kwok's) to its own events, and
// reads the pod's log through the API server — which kwok's pods cannot
// give, so the answer says why.
func TestKubeClusterView(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-view")
	e := c.engine(kubeEngine{meta: testMeta(ns)})
	ctx := ctxT(t)

	info := e.EngineInfo(ctx)
	if info.Backend != "kube" || info.Namespace != ns || info.Server == "" {
		t.Fatalf("engine info %+v; want kube, namespace %s, the API server", info, ns)
	}
	seq := e.EventSeq()
	if _, err := e.Load(ctx, "textenc", "remote", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRemote(t, e, "textenc", 30*time.Second)

	var d types.DescribeAnswer
	eventually(t, 30*time.Second, "a ready pod in the description", func() bool {
		var err error
		d, err = e.Describe(ctx, "textenc")
		return err == nil && d.Replicas != nil && d.Replicas.Ready == 1 && len(d.Pods) == 1 && d.Pods[0].Ready
	})
	p := d.Pods[0]
	if !strings.HasPrefix(p.Name, "jsorc-action-textenc-") || p.Phase != "Running" || p.Node == "" || p.Created.IsZero() {
		t.Errorf("pod %+v", p)
	}
	if d.Replicas.Desired != 1 || d.Metrics == "" {
		t.Errorf("replicas %+v, metrics %q", d.Replicas, d.Metrics)
	}

	eventually(t, 30*time.Second, "a cluster event of textenc's objects among the engine's events", func() bool {
		evs, _ := e.EventsSince(seq)
		for _, ev := range evs {
			if ev.Type == types.EventCluster && ev.Name == "textenc" && ev.Message != "" {
				t.Logf("cluster event: %s", ev.Message)
				return true
			}
		}
		return false
	})

	_, err := e.Logs(ctx, types.LogsParams{Name: "textenc", Offset: -1, Max: 1024})
	if err == nil {
		t.Log("the pod's log could be read (the cluster's kubelet serves logs)")
	} else if !errors.Is(err, engine.ErrUnavailable) || !strings.Contains(err.Error(), p.Name) {
		t.Errorf("log of a kwok pod: %v; want unavailable, naming the pod", err)
	}
}
