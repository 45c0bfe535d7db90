package engine_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/store"
)

// The engine's kube tests need a cluster, as package kube's do: its
// kubeconfig comes from JSORC_TEST_KUBECONFIG, else KUBECONFIG. With
// neither they skip, loudly, except under CI=true where they fail.
const kubeSkipMessage = "KUBE TESTS SKIPPED: set JSORC_TEST_KUBECONFIG (or KUBECONFIG) to the kubeconfig of a cluster " +
	"where you may create namespaces (kind, k3d, a dev cluster, or ../shared/k8s/start-control-plane.sh)"

// testImage is the image of the action servers the tests start; kwok never
// pulls it.
const testImage = "jsorc:test"

var (
	deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	servicesGVR    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	configMapsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	pvcGVR         = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}
)

var kubeSkipBanner sync.Once

func testKubeconfig() string {
	if p := os.Getenv("JSORC_TEST_KUBECONFIG"); p != "" {
		return p
	}
	return os.Getenv("KUBECONFIG")
}

// kubeCluster is an admin view of the test cluster.
type kubeCluster struct {
	t     testing.TB
	admin *rest.Config
	cs    kubernetes.Interface
	dyn   dynamic.Interface
}

// needKube connects to the test cluster, or skips (fails under CI).
func needKube(t testing.TB) *kubeCluster {
	t.Helper()
	path := testKubeconfig()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KUBE TESTS FAILED: no cluster, and CI=true forbids skipping them. " +
				strings.TrimPrefix(kubeSkipMessage, "KUBE TESTS SKIPPED: "))
		}
		kubeSkipBanner.Do(func() { fmt.Fprintf(os.Stderr, "\n*** %s ***\n\n", kubeSkipMessage) })
		t.Skip(kubeSkipMessage)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", path, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	c := &kubeCluster{t: t, admin: cfg}
	if c.cs, err = kubernetes.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if c.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	return c
}

// namespace creates a fresh namespace, deleted without waiting at the end.
func (c *kubeCluster) namespace(prefix string) string {
	c.t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := prefix + "-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"jsorc.dev/test": "true"}},
	}, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatalf("create namespace %s: %v", name, err)
	}
	c.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		bg := metav1.DeletePropagationBackground
		_ = c.cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	})
	return name
}

// kubeEngine says how to open an engine on the kube backend.
type kubeEngine struct {
	// meta is the META_CONFIG stored before the engine starts; its
	// namespace is where the engine works.
	meta engine.MetaConfig
	// rest authenticates the engine; nil means the admin's.
	rest *rest.Config
	// counter, when set, counts the engine's API requests.
	counter *requestCounter
	// dir is the data directory; empty means a fresh one.
	dir string
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

// open starts an engine on the kube backend, closed when the test ends.
func (c *kubeCluster) open(o kubeEngine) (*engine.Engine, error) {
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
		rc.Wrap(o.counter.wrap)
	}
	exe, err := os.Executable()
	if err != nil {
		c.t.Fatal(err)
	}
	return engine.New(engine.Options{
		DataDir:    o.dir,
		Executable: exe,
		Backend:    engine.BackendKube,
		KubeREST:   rc,
		Image:      testImage,
		Logger:     testLogger(c.t),
	})
}

// engine is open that fails the test on error.
func (c *kubeCluster) engine(o kubeEngine) *engine.Engine {
	c.t.Helper()
	e, err := c.open(o)
	if err != nil {
		c.t.Fatalf("engine.New (kube): %v", err)
	}
	c.t.Cleanup(func() { closeEngine(c.t, e) })
	return e
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

// eventually fails the test unless cond holds within d, checking every 50 ms.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
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

// requestCounter counts API requests by class: LIST, WATCH, GET, PATCH,
// DELETE, POST, DISCOVERY.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func newRequestCounter() *requestCounter { return &requestCounter{counts: map[string]int{}} }

func (rc *requestCounter) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		rc.mu.Lock()
		rc.counts[requestClass(req)]++
		rc.mu.Unlock()
		return next.RoundTrip(req)
	})
}

func (rc *requestCounter) snapshot() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]int, len(rc.counts))
	for k, v := range rc.counts {
		out[k] = v
	}
	return out
}

// since returns the requests made after before, by class, and their total.
func (rc *requestCounter) since(before map[string]int) (map[string]int, int) {
	diff := map[string]int{}
	total := 0
	for k, v := range rc.snapshot() {
		if d := v - before[k]; d > 0 {
			diff[k] = d
			total += d
		}
	}
	return diff, total
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// requestClass names the kind of API request r is.
func requestClass(r *http.Request) string {
	if r.Method != http.MethodGet {
		return r.Method
	}
	if w := r.URL.Query().Get("watch"); w == "true" || w == "1" {
		return "WATCH"
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var rest []string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		rest = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		rest = parts[3:]
	default:
		return "DISCOVERY"
	}
	if len(rest) >= 2 && rest[0] == "namespaces" {
		rest = rest[2:]
	}
	switch len(rest) {
	case 0:
		return "DISCOVERY"
	case 1:
		return "LIST"
	}
	return "GET"
}
