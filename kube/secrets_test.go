package kube_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/jsorc/jsorc/kube"
)

// TestEnsureSecret: created once, with the engine's Role (create, and get
// of jsorc's Secrets only); a second call, however its generator would
// answer, changes nothing; racing callers leave one Secret.
func TestEnsureSecret(t *testing.T) {
	c := needCluster(t)
	ctx := ctxTimeout(t, 60*time.Second)
	kc := c.client(c.engineCredentials(ctx, c.ns), c.ns, nil)
	gen := func(v string) func() (map[string][]byte, error) {
		return func() (map[string][]byte, error) { return map[string][]byte{kube.SecretPasswordKey: []byte(v)}, nil }
	}
	created, err := kc.EnsureSecret(ctx, kube.PostgresSecretName, gen("first"))
	if err != nil || !created {
		t.Fatalf("EnsureSecret with the Role: %v, %v", created, err)
	}
	done := make(chan error, 4)
	for i := range 4 {
		go func() {
			_, err := kc.EnsureSecret(ctx, kube.PostgresSecretName, gen("racer"+string(rune('0'+i))))
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Errorf("a second EnsureSecret: %v", err)
		}
	}
	s, err := c.clientset.CoreV1().Secrets(c.ns).Get(ctx, kube.PostgresSecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.Data[kube.SecretPasswordKey]); got != "first" {
		t.Errorf("the Secret holds %q after later calls, want the first", got)
	}
	if s.Labels[kube.LabelManagedBy] != kube.ManagedByValue {
		t.Errorf("labels %v", s.Labels)
	}
	if ok, err := kc.SecretExists(ctx, kube.APITokenSecretName); ok || err != nil {
		t.Errorf("SecretExists(missing token) = %v, %v", ok, err)
	}
	// The Role reads only jsorc's Secrets.
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "someone-elses"}, StringData: map[string]string{"k": "v"}}
	if _, err := c.clientset.CoreV1().Secrets(c.ns).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = kc.SecretExists(ctx, "someone-elses")
	if err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("the engine's Role read another Secret: %v", err)
	}
	_, err = kc.EnsureSecret(context.Background(), "someone-elses", gen("x"))
	if !apierrors.IsForbidden(err) && (err == nil || !strings.Contains(err.Error(), "forbidden")) {
		t.Errorf("EnsureSecret of another Secret: %v; want forbidden", err)
	}
}
