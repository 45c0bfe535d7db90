package kubetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// SkipMessage is what a kube test says when no cluster is configured.
const SkipMessage = "KUBE TESTS SKIPPED: set JSORC_TEST_KUBECONFIG (or KUBECONFIG) to the kubeconfig of a cluster " +
	"where you may create namespaces (kind, k3d, a dev cluster, or ../shared/k8s/start-control-plane.sh)"

// Kubeconfig is the test cluster's kubeconfig path, or "" when none is set.
func Kubeconfig() string {
	if p := os.Getenv("JSORC_TEST_KUBECONFIG"); p != "" {
		return p
	}
	return os.Getenv("KUBECONFIG")
}

// Cluster is an admin view of the test cluster.
type Cluster struct {
	t         testing.TB
	Admin     *rest.Config
	Clientset kubernetes.Interface
	Dynamic   dynamic.Interface
}

// banner prints the skip message once per test binary, where go test shows
// it even without -v.
var banner sync.Once

// Connect connects to the test cluster as its admin. Without a cluster it
// skips the test, saying so on stderr, except under CI=true, where it fails.
func Connect(t testing.TB) *Cluster {
	t.Helper()
	path := Kubeconfig()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KUBE TESTS FAILED: no cluster, and CI=true forbids skipping them. " +
				strings.TrimPrefix(SkipMessage, "KUBE TESTS SKIPPED: "))
		}
		banner.Do(func() { fmt.Fprintf(os.Stderr, "\n*** %s ***\n\n", SkipMessage) })
		t.Skip(SkipMessage)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", path, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	c := &Cluster{t: t, Admin: cfg}
	if c.Clientset, err = kubernetes.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	return c
}

// Namespace creates a fresh namespace named after prefix, deleted (without
// waiting: deletion takes seconds) when the test ends.
func (c *Cluster) Namespace(prefix string) string {
	c.t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := prefix + "-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"jsorc.dev/test": "true"}},
	}, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatalf("create namespace %s: %v", name, err)
	}
	c.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		bg := metav1.DeletePropagationBackground
		_ = c.Clientset.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	})
	return name
}

// TokenConfig returns a rest.Config that authenticates as ServiceAccount
// account of ns, with a one-hour token from the TokenRequest API.
func (c *Cluster) TokenConfig(ctx context.Context, ns, account string) *rest.Config {
	c.t.Helper()
	expiry := int64(3600)
	tok, err := c.Clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, account,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatalf("TokenRequest for %s/%s: %v", ns, account, err)
	}
	return &rest.Config{
		Host:            c.Admin.Host,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.Admin.CAData, CAFile: c.Admin.CAFile, ServerName: c.Admin.ServerName},
		BearerToken:     tok.Status.Token,
	}
}

// Eventually fails the test unless cond holds within d, checking every 50 ms.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
