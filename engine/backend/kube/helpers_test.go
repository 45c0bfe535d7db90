package kube_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend"
	kubebackend "github.com/jsorc/jsorc/engine/backend/kube"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/kube/kubetest"
	"github.com/jsorc/jsorc/store"
)

// testImage is the image of the action servers the tests start; kwok never
// pulls it.
const testImage = "jsorc:test"

var (
	deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	servicesGVR    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	configMapsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	pvcGVR         = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}
)

// kubeCluster is an admin view of the test cluster.
type kubeCluster struct {
	*kubetest.Cluster
	t     testing.TB
	admin *rest.Config
	cs    kubernetes.Interface
	dyn   dynamic.Interface
}

// needKube connects to the test cluster, or skips (fails under CI).
func needKube(t testing.TB) *kubeCluster {
	t.Helper()
	kc := kubetest.Connect(t)
	return &kubeCluster{Cluster: kc, t: t, admin: kc.Admin, cs: kc.Clientset, dyn: kc.Dynamic}
}

// namespace creates a fresh namespace, deleted without waiting at the end.
func (c *kubeCluster) namespace(prefix string) string { return c.Namespace(prefix) }

// kubeEngine says how to open an engine on the kube backend.
type kubeEngine struct {
	// opened, when set, receives the backend the engine opened.
	opened **kubebackend.Backend
	// meta is the META_CONFIG stored before the engine starts; its
	// namespace is where the engine works.
	meta engine.MetaConfig
	// rest authenticates the engine; nil means the admin's.
	rest *rest.Config
	// counter, when set, counts the engine's API requests.
	counter *kubetest.RequestCounter
	// dir is the data directory; empty means a fresh one.
	dir string
	// dial, when set, reaches in-cluster addresses (kubebackend.Options.Dial).
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// testMeta is a META_CONFIG for namespace ns: automation off, nothing kept
// alive, the shortest back-off.
func testMeta(ns string) engine.MetaConfig {
	m := engine.DefaultMeta()
	m.Namespace = ns
	m.KeepAlive = []string{}
	m.BackoffInterval = engine.MinBackoffInterval
	return m
}

// recordingOpener opens the kube backend and keeps a handle on it.
type recordingOpener struct {
	kubebackend.Options
	got **kubebackend.Backend
}

func (r recordingOpener) Open(ctx context.Context, env backend.Env) (engine.Backend, error) {
	b, err := kubebackend.New(ctx, r.Options, env)
	if err != nil {
		return nil, err
	}
	if r.got != nil {
		*r.got = b
	}
	return b, nil
}

// open starts an engine on the kube backend, stopped when the test ends.
func (c *kubeCluster) open(o kubeEngine) (*enginetest.Engine, error) {
	c.t.Helper()
	if o.dir == "" {
		o.dir = c.t.TempDir()
	}
	seedMeta(c.t, o.dir, o.meta)
	rc := o.rest
	if rc == nil {
		rc = c.admin
	}
	rc = rest.CopyConfig(rc)
	rc.QPS, rc.Burst = 0, 0 // the kube package's defaults
	if o.counter != nil {
		rc.Wrap(o.counter.Wrap)
	}
	return enginetest.Open(c.t, engine.Options{
		DataDir: o.dir,
		Backend: recordingOpener{Options: kubebackend.Options{REST: rc, Image: testImage, Dial: o.dial}, got: o.opened},
		Logger:  testLogger(c.t),
	})
}

// engine is open that fails the test on error.
func (c *kubeCluster) engine(o kubeEngine) *engine.Engine {
	c.t.Helper()
	e, err := c.open(o)
	if err != nil {
		c.t.Fatalf("engine.New (kube): %v", err)
	}
	return e.Engine
}

// testLogger logs to stderr when JSORC_TEST_LOG is set, else nowhere.
func testLogger(testing.TB) *slog.Logger {
	if os.Getenv("JSORC_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// seedMeta stores META_CONFIG in a data directory before an engine opens it.
func seedMeta(t testing.TB, dir string, m engine.MetaConfig) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetMeta(b); err != nil {
		t.Fatal(err)
	}
}

// get reads an object as the admin; nil when it does not exist.
func (c *kubeCluster) get(ns string, gvr schema.GroupVersionResource, name string) *unstructured.Unstructured {
	c.t.Helper()
	u, err := c.dyn.Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.t.Fatalf("get %s %s/%s: %v", gvr.Resource, ns, name, err)
	}
	return u
}

// eventually fails the test unless cond holds within d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	kubetest.Eventually(t, d, what, cond)
}

// waitRemote polls a module's status, as JSORC's users did, until it is
// READY, and returns the status and how long it took.
func waitRemote(t testing.TB, e *engine.Engine, name string, within time.Duration) engine.ActionStatus {
	t.Helper()
	var st engine.ActionStatus
	eventually(t, within, name+" READY", func() bool {
		var err error
		st, err = e.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		return st.Remote.Status == "READY" && st.Serving == "remote"
	})
	return st
}

// waitKubeService waits until a kept-alive service's Info satisfies cond.
func waitKubeService(t testing.TB, e *engine.Engine, name string, within time.Duration, cond func(services.Info) bool) services.Info {
	t.Helper()
	var in services.Info
	eventually(t, within, "service "+name, func() bool {
		in = e.ServiceInfo()[name]
		return cond(in)
	})
	return in
}

func ctxT(t testing.TB) context.Context { return enginetest.Ctx(t) }

func load(t testing.TB, e *engine.Engine, name, mode string) engine.ActionStatus {
	t.Helper()
	return enginetest.Load(t, e, name, mode)
}

// closeEngine stops an engine's loops and closes it.
func closeEngine(t testing.TB, e *enginetest.Engine) {
	t.Helper()
	if err := e.Stop(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
