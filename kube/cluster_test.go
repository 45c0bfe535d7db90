package kube_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/jsorc/jsorc/kube"
)

// The kube tests need a cluster. They take its kubeconfig from
// JSORC_TEST_KUBECONFIG, else KUBECONFIG; with neither they skip, loudly,
// except under CI=true where they fail.
const skipMessage = "KUBE TESTS SKIPPED: set JSORC_TEST_KUBECONFIG (or KUBECONFIG) to the kubeconfig of a cluster " +
	"where you may create namespaces (kind, k3d, a dev cluster, or ../shared/k8s/start-control-plane.sh)"

func TestMain(m *testing.M) {
	if kubeconfigPath() == "" {
		fmt.Fprintf(os.Stderr, "\n*** %s ***\n\n", skipMessage)
	}
	os.Exit(m.Run())
}

func kubeconfigPath() string {
	if p := os.Getenv("JSORC_TEST_KUBECONFIG"); p != "" {
		return p
	}
	return os.Getenv("KUBECONFIG")
}

// cluster is what one test gets: an admin view of the cluster and a fresh
// namespace.
type cluster struct {
	t         testing.TB
	admin     *rest.Config
	clientset kubernetes.Interface
	dynamic   dynamic.Interface
	ns        string
}

// needCluster connects to the test cluster and creates a fresh namespace,
// deleted (without waiting) when the test ends.
func needCluster(t testing.TB) *cluster {
	t.Helper()
	path := kubeconfigPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KUBE TESTS FAILED: no cluster, and CI=true forbids skipping them. " +
				strings.TrimPrefix(skipMessage, "KUBE TESTS SKIPPED: "))
		}
		t.Skip(skipMessage)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", path, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	c := &cluster{t: t, admin: cfg}
	if c.clientset, err = kubernetes.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if c.dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	c.ns = c.namespace("jsorc-test")
	return c
}

// namespace creates one more fresh namespace.
func (c *cluster) namespace(prefix string) string {
	c.t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := prefix + "-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"jsorc.dev/test": "true"}},
	}, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatalf("create namespace %s: %v", name, err)
	}
	c.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		bg := metav1.DeletePropagationBackground
		_ = c.clientset.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	})
	return name
}

// client builds a kube.Client on rc (the admin config when nil) in ns,
// counting its requests in counter (when not nil), starts it and waits for
// its cache. It stops when the test ends.
func (c *cluster) client(rc *rest.Config, ns string, counter *requestCounter) *kube.Client {
	c.t.Helper()
	if rc == nil {
		rc = c.admin
	}
	rc = rest.CopyConfig(rc)
	rc.QPS, rc.Burst = 0, 0 // the package's defaults
	if counter != nil {
		rc.Wrap(counter.wrap)
	}
	ctx, cancel := context.WithCancel(context.Background())
	kc, err := kube.New(ctx, kube.Config{REST: rc, Namespace: ns})
	if err != nil {
		cancel()
		c.t.Fatalf("kube.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- kc.Start(ctx) }()
	c.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			c.t.Errorf("Start: %v", err)
		}
	})
	syncCtx, syncCancel := context.WithTimeout(ctx, 30*time.Second)
	defer syncCancel()
	if err := kc.WaitForCacheSync(syncCtx); err != nil {
		c.t.Fatalf("cache sync: %v", err)
	}
	return kc
}

// requestCounter counts API requests by class: LIST, WATCH, GET, PATCH,
// DELETE, POST, DISCOVERY.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func newRequestCounter() *requestCounter {
	return &requestCounter{counts: map[string]int{}}
}

func (rc *requestCounter) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		rc.mu.Lock()
		rc.counts[classify(req)]++
		rc.mu.Unlock()
		return next.RoundTrip(req)
	})
}

// snapshot returns a copy of the counts.
func (rc *requestCounter) snapshot() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]int, len(rc.counts))
	for k, v := range rc.counts {
		out[k] = v
	}
	return out
}

// since returns the counts added after before, and their total.
func (rc *requestCounter) since(before map[string]int) (map[string]int, int) {
	now := rc.snapshot()
	diff := map[string]int{}
	total := 0
	for k, v := range now {
		if d := v - before[k]; d > 0 {
			diff[k] = d
			total += d
		}
	}
	return diff, total
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// classify names what kind of API request r is.
func classify(r *http.Request) string {
	if r.Method != http.MethodGet {
		return r.Method
	}
	q := r.URL.Query()
	if w := q.Get("watch"); w == "true" || w == "1" {
		return "WATCH"
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// /api/v1/namespaces/NS/RES[/NAME] and /apis/G/V/namespaces/NS/RES[/NAME]
	base := 0
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		base = 2
	case len(parts) >= 3 && parts[0] == "apis":
		base = 3
	default:
		return "DISCOVERY"
	}
	rest := parts[base:]
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

// within fails the test unless cond holds within d, checking every 50 ms.
func within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
