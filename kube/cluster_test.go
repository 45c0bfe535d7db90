package kube_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/kube"
	"github.com/jsorc/jsorc/kube/kubetest"
)

func TestMain(m *testing.M) {
	if kubetest.Kubeconfig() == "" {
		fmt.Fprintf(os.Stderr, "\n*** %s ***\n\n", kubetest.SkipMessage)
	}
	os.Exit(m.Run())
}

// cluster is what one test gets: an admin view of the cluster and a fresh
// namespace.
type cluster struct {
	*kubetest.Cluster
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
	kc := kubetest.Connect(t)
	c := &cluster{Cluster: kc, t: t, admin: kc.Admin, clientset: kc.Clientset, dynamic: kc.Dynamic}
	c.ns = c.namespace("jsorc-test")
	return c
}

// namespace creates one more fresh namespace.
func (c *cluster) namespace(prefix string) string { return c.Namespace(prefix) }

// client builds a kube.Client on rc (the admin config when nil) in ns,
// counting its requests in counter (when not nil), starts it and waits for
// its cache. It stops when the test ends.
func (c *cluster) client(rc *rest.Config, ns string, counter *kubetest.RequestCounter) *kube.Client {
	c.t.Helper()
	if rc == nil {
		rc = c.admin
	}
	rc = rest.CopyConfig(rc)
	rc.QPS, rc.Burst = 0, 0 // the package's defaults
	if counter != nil {
		rc.Wrap(counter.Wrap)
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

// within fails the test unless cond holds within d.
func within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	kubetest.Eventually(t, d, what, cond)
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
