package kube_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/kube"
)

// engineCredentials creates, in ns, a ServiceAccount bound to the Role of
// testdata/role.yaml and returns a rest.Config that authenticates with a
// token of that ServiceAccount (TokenRequest API).
func (c *cluster) engineCredentials(ctx context.Context, ns string) *rest.Config {
	c.t.Helper()
	data, err := os.ReadFile("testdata/role.yaml")
	if err != nil {
		c.t.Fatal(err)
	}
	objs, err := kube.DecodeManifests(data)
	if err != nil || len(objs) != 1 {
		c.t.Fatalf("role.yaml: %d objects, %v", len(objs), err)
	}
	role := &unstructured.Unstructured{Object: objs[0]}
	roleGVR := schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}
	if _, err := c.dynamic.Resource(roleGVR).Namespace(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		c.t.Fatalf("create Role: %v", err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "jsorc-engine"}}
	if _, err := c.clientset.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		c.t.Fatalf("create ServiceAccount: %v", err)
	}
	binding := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
		"metadata": map[string]any{"name": "jsorc-engine"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role.GetName()},
		"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": "jsorc-engine", "namespace": ns}},
	}}
	bindingGVR := schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}
	if _, err := c.dynamic.Resource(bindingGVR).Namespace(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		c.t.Fatalf("create RoleBinding: %v", err)
	}
	return c.TokenConfig(ctx, ns, "jsorc-engine")
}

func TestNamespaceScopedRole(t *testing.T) {
	c := needCluster(t)
	ctx := ctxTimeout(t, 90*time.Second)
	engineCfg := c.engineCredentials(ctx, c.ns)

	// In its namespace, the engine can do everything the package does.
	kc := c.client(engineCfg, c.ns, nil)
	objs := append(kube.ActionServerManifests("qa", testImage, 8000, nil, 1),
		map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "qa-old"}},
		map[string]any{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": map[string]any{"name": "qa-data"},
			"spec": map[string]any{"accessModes": []any{"ReadWriteOnce"},
				"resources": map[string]any{"requests": map[string]any{"storage": "1Gi"}}}})
	if err := kc.Apply(ctx, "qa", objs); err != nil {
		t.Fatalf("Apply with the Role: %v", err)
	}
	if err := kc.Apply(ctx, "qa", objs); err != nil {
		t.Fatalf("second Apply with the Role: %v", err)
	}
	name := kube.ActionServerName("qa")
	if err := kc.WaitDeploymentReady(ctx, "qa", name); err != nil {
		t.Fatal(err)
	}
	keep, _ := kc.Refs(objs[:2])
	within(t, 10*time.Second, "the cache holds 4 objects", func() bool {
		refs, _ := kc.Objects("qa")
		return len(refs) == 4
	})
	if deleted, err := kc.Prune(ctx, "qa", keep, true); err != nil || len(deleted) != 2 {
		t.Fatalf("Prune with the Role: %v, %v", deleted, err)
	}
	_, _, err := kc.PortForward(ctx, c.ns, name, 8000)
	if err == nil || apierrors.IsForbidden(err) || strings.Contains(err.Error(), "forbidden") {
		t.Fatalf("PortForward with the Role: %v; want a tunnel error (kwok), not a refusal", err)
	}
	t.Logf("PortForward with the Role, on kwok: %v", err)
	if err := kc.Delete(ctx, "qa"); err != nil {
		t.Fatalf("Delete with the Role: %v", err)
	}
	if err := kc.WaitGone(ctx, "qa"); err != nil {
		t.Fatal(err)
	}

	// In another namespace, it is refused.
	other := c.namespace("jsorc-test-other")
	rc := rest.CopyConfig(engineCfg)
	kcOther, err := kube.New(ctx, kube.Config{REST: rc, Namespace: other})
	if err != nil {
		t.Fatal(err)
	}
	err = kcOther.Apply(ctx, "qa", kube.ActionServerManifests("qa", testImage, 8000, nil, 1))
	if !apierrors.IsForbidden(err) {
		t.Fatalf("Apply in another namespace: %v; want Forbidden", err)
	}
	t.Logf("Apply in another namespace: %v", err)
	if err := kcOther.Delete(ctx, "qa"); !apierrors.IsForbidden(err) {
		t.Errorf("Delete in another namespace: %v; want Forbidden", err)
	}
	startCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err = kcOther.Start(startCtx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("Start in another namespace: %v; want a sync failure naming the refusal", err)
	}
	t.Logf("Start in another namespace: %v", err)
}

func TestPortForwardOnKwokFailsClearly(t *testing.T) {
	c := needCluster(t)
	kc := c.client(nil, c.ns, nil)
	ctx := ctxTimeout(t, 60*time.Second)

	// A Service whose Deployment has no pod.
	idle := kube.ActionServerManifests("idle", testImage, 8000, nil, 0)
	if err := kc.Apply(ctx, "idle", idle); err != nil {
		t.Fatal(err)
	}
	_, _, err := kc.PortForward(ctx, c.ns, kube.ActionServerName("idle"), 8000)
	if !errors.Is(err, kube.ErrNoRunningPod) || !strings.Contains(err.Error(), "no running pod") {
		t.Errorf("PortForward to a service without pods: %v; want ErrNoRunningPod", err)
	}
	_, _, err = kc.PortForward(ctx, c.ns, "no-such-service", 8000)
	if err == nil || !strings.Contains(err.Error(), "no such service") {
		t.Errorf("PortForward to a missing service: %v", err)
	}
	_, _, err = kc.PortForward(ctx, c.ns, kube.ActionServerName("idle"), 9999)
	if err == nil || !strings.Contains(err.Error(), "no such port") {
		t.Errorf("PortForward to a missing port: %v", err)
	}

	// A Service with a pod kwok calls Running and Ready, but nothing runs.
	name := kube.ActionServerName("busy")
	if err := kc.Apply(ctx, "busy", kube.ActionServerManifests("busy", testImage, 8000, nil, 1)); err != nil {
		t.Fatal(err)
	}
	if err := kc.WaitDeploymentReady(ctx, "busy", name); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	addr, stop, err := kc.PortForward(ctx, c.ns, name, 8000)
	if err == nil {
		stop()
		t.Fatalf("PortForward on kwok answered %s; there is no pod to reach", addr)
	}
	t.Logf("PortForward on kwok failed after %s: %v", time.Since(start), err)
	if !strings.Contains(err.Error(), "port-forward to service "+c.ns+"/"+name) || !strings.Contains(err.Error(), "pod ") {
		t.Errorf("error does not say what failed: %v", err)
	}
}
