package kube_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"

	"github.com/jsorc/jsorc/kube"
	"github.com/jsorc/jsorc/kube/kubetest"
)

var (
	deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	servicesGVR    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	configMapsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	pvcGVR         = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}
)

const testImage = "jsorc:test" // never pulled: kwok runs nothing

func (c *cluster) get(gvr schema.GroupVersionResource, name string) (*unstructured.Unstructured, error) {
	return c.dynamic.Resource(gvr).Namespace(c.ns).Get(context.Background(), name, metav1.GetOptions{})
}

func (c *cluster) mustGet(gvr schema.GroupVersionResource, name string) *unstructured.Unstructured {
	c.t.Helper()
	u, err := c.get(gvr, name)
	if err != nil {
		c.t.Fatalf("get %s %s: %v", gvr.Resource, name, err)
	}
	return u
}

func TestApplyActionServerBecomesReady(t *testing.T) {
	c := needCluster(t)
	kc := c.client(nil, c.ns, nil)
	ctx := ctxTimeout(t, 60*time.Second)

	objs := kube.ActionServerManifests("use_enc", testImage, 8000, nil, 2)
	start := time.Now()
	if err := kc.Apply(ctx, "use_enc", objs); err != nil {
		t.Fatal(err)
	}
	name := kube.ActionServerName("use_enc")
	if err := kc.WaitDeploymentReady(ctx, "use_enc", name); err != nil {
		t.Fatal(err)
	}
	t.Logf("Apply -> Ready (2 replicas): %s", time.Since(start))
	ready, want, ok := kc.DeploymentReady("use_enc", name)
	if !ok || ready != 2 || want != 2 {
		t.Fatalf("DeploymentReady = %d/%d exists=%v, want 2/2 true", ready, want, ok)
	}
	if _, _, ok := kc.DeploymentReady("someone-else", name); ok {
		t.Error("DeploymentReady reports a Deployment for the wrong owner")
	}

	version, err := kc.ConfigVersion(objs)
	if err != nil {
		t.Fatal(err)
	}
	for _, gvr := range []schema.GroupVersionResource{deploymentsGVR, servicesGVR} {
		u := c.mustGet(gvr, name)
		l := u.GetLabels()
		for k, v := range map[string]string{
			kube.LabelManagedBy: kube.ManagedByValue, kube.LabelOwner: "use_enc",
			kube.LabelConfigVersion: version, kube.LabelModule: "use_enc",
		} {
			if l[k] != v {
				t.Errorf("%s %s: label %s = %q, want %q", gvr.Resource, name, k, l[k], v)
			}
		}
		managers := map[string]bool{}
		for _, mf := range u.GetManagedFields() {
			if mf.Operation == metav1.ManagedFieldsOperationApply {
				managers[mf.Manager] = true
			}
		}
		if !managers[kube.DefaultFieldManager] {
			t.Errorf("%s %s: no apply entry for field manager %q in %v", gvr.Resource, name, kube.DefaultFieldManager, managers)
		}
	}
	d := c.mustGet(deploymentsGVR, name)
	cmd, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	got := cmd[0].(map[string]any)
	if got["command"].([]any)[0] != "jsorc" || strings.Join(toStrings(got["args"].([]any)), " ") != "serve-action use_enc --addr 0.0.0.0:8000" {
		t.Errorf("container command %v args %v", got["command"], got["args"])
	}
	refs, err := kc.Objects("use_enc")
	if err != nil || len(refs) != 2 {
		t.Errorf("Objects = %v, %v; want the Deployment and the Service", refs, err)
	}
	if u := kube.ServiceURL(name, c.ns, 8000); u != "http://"+name+"."+c.ns+".svc:8000/" {
		t.Errorf("ServiceURL = %s", u)
	}
}

func toStrings(xs []any) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i], _ = x.(string)
	}
	return out
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	c := needCluster(t)
	counter := kubetest.NewRequestCounter()
	kc := c.client(nil, c.ns, counter)
	ctx := ctxTimeout(t, 60*time.Second)

	objs := append(kube.ActionServerManifests("textenc", testImage, 8000, []string{"--workers", "2"}, 1),
		map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "textenc-config"},
			"data": map[string]any{"model": "small"}})
	if err := kc.Apply(ctx, "textenc", objs); err != nil {
		t.Fatal(err)
	}
	name := kube.ActionServerName("textenc")
	if err := kc.WaitDeploymentReady(ctx, "textenc", name); err != nil {
		t.Fatal(err)
	}
	// let the Deployment's status settle, then compare versions
	rv := func() map[string]string {
		return map[string]string{
			"deployment": c.mustGet(deploymentsGVR, name).GetResourceVersion(),
			"service":    c.mustGet(servicesGVR, name).GetResourceVersion(),
			"configmap":  c.mustGet(configMapsGVR, "textenc-config").GetResourceVersion(),
		}
	}
	time.Sleep(500 * time.Millisecond)
	before := rv()
	reqs := counter.Snapshot()
	if err := kc.Apply(ctx, "textenc", objs); err != nil {
		t.Fatal(err)
	}
	diff, total := counter.Since(reqs)
	after := rv()
	for k := range before {
		if before[k] != after[k] {
			t.Errorf("%s resourceVersion %s -> %s after applying the same definition", k, before[k], after[k])
		}
	}
	t.Logf("second Apply of 3 objects: %d requests %v", total, diff)
	if diff["PATCH"] != 3 || total != 3 {
		t.Errorf("second Apply made %v, want exactly 3 PATCH", diff)
	}
	drift, err := kc.Diff(ctx, "textenc", objs)
	if err != nil || !drift.InSync() {
		t.Errorf("Diff = %+v, %v; want in sync", drift, err)
	}
}

func TestApplyRefusesWhatItCannotTrack(t *testing.T) {
	c := needCluster(t)
	kc := c.client(nil, c.ns, nil)
	ctx := ctxTimeout(t, 30*time.Second)
	tests := []struct {
		name string
		obj  map[string]any
		want string
	}{
		{"other namespace", map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "x", "namespace": "kube-system"}}, "manages namespace"},
		{"untracked resource", map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": "x"}}, "not tracked"},
		{"cluster-scoped", map[string]any{"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": "x"}}, "cluster-scoped"},
		{"unknown kind", map[string]any{"apiVersion": "example.com/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "x"}}, "does not serve"},
		{"no name", map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}, "no metadata.name"},
		{"no kind", map[string]any{"apiVersion": "v1", "metadata": map[string]any{"name": "x"}}, "kind is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := kc.Apply(ctx, "bad", []map[string]any{tt.obj})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Apply error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if err := kc.Apply(ctx, "not a label value!", nil); err == nil {
		t.Error("Apply accepted an owner that is not a label value")
	}
}

func TestDeleteRetiresEverything(t *testing.T) {
	c := needCluster(t)
	kc := c.client(nil, c.ns, nil)
	ctx := ctxTimeout(t, 90*time.Second)

	name := kube.ActionServerName("bi_enc")
	if err := kc.Apply(ctx, "bi_enc", kube.ActionServerManifests("bi_enc", testImage, 8000, nil, 2)); err != nil {
		t.Fatal(err)
	}
	if err := kc.WaitDeploymentReady(ctx, "bi_enc", name); err != nil {
		t.Fatal(err)
	}
	// another owner's objects must survive
	if err := kc.Apply(ctx, "keep_me", kube.ActionServerManifests("keep_me", testImage, 8000, nil, 1)); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if err := kc.Delete(ctx, "bi_enc"); err != nil {
		t.Fatal(err)
	}
	// foreground: the Deployment waits for its dependents, or is already gone
	if d, err := c.get(deploymentsGVR, name); err == nil {
		if d.GetDeletionTimestamp() == nil || !contains(d.GetFinalizers(), metav1.FinalizerDeleteDependents) {
			t.Errorf("Deployment after Delete: deletionTimestamp %v finalizers %v; want foreground deletion",
				d.GetDeletionTimestamp(), d.GetFinalizers())
		}
	} else if !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	if err := kc.WaitGone(ctx, "bi_enc"); err != nil {
		t.Fatal(err)
	}
	t.Logf("Delete -> gone (foreground, 2 pods): %s", time.Since(start))
	for _, gvr := range []schema.GroupVersionResource{deploymentsGVR, servicesGVR} {
		if _, err := c.get(gvr, name); !apierrors.IsNotFound(err) {
			t.Errorf("%s %s after Delete: err = %v, want NotFound", gvr.Resource, name, err)
		}
	}
	pods, err := c.clientset.CoreV1().Pods(c.ns).List(ctx, metav1.ListOptions{
		LabelSelector: "app.kubernetes.io/instance=" + name})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s survived the foreground deletion of its Deployment", p.Name)
		}
	}
	if _, err := c.get(deploymentsGVR, kube.ActionServerName("keep_me")); err != nil {
		t.Errorf("another owner's Deployment: %v", err)
	}
	// deleting again, or an owner that never existed, is not an error
	if err := kc.Delete(ctx, "bi_enc"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if err := kc.Delete(ctx, "never_was"); err != nil {
		t.Errorf("Delete of an unknown owner: %v", err)
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

func TestPruneRemovesWhatAnOlderDefinitionCreated(t *testing.T) {
	c := needCluster(t)
	kc := c.client(nil, c.ns, nil)
	ctx := ctxTimeout(t, 60*time.Second)

	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "svc-extra"}, "data": map[string]any{"k": "v"}}
	pvc := map[string]any{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
		"metadata": map[string]any{"name": "svc-data"},
		"spec": map[string]any{"accessModes": []any{"ReadWriteOnce"},
			"resources": map[string]any{"requests": map[string]any{"storage": "1Gi"}}}}
	v1 := append(kube.ActionServerManifests("svc", testImage, 8000, nil, 1), cm, pvc)
	v2 := kube.ActionServerManifests("svc", testImage, 8000, []string{"--v2"}, 1)

	if err := kc.Apply(ctx, "svc", v1); err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, "the cache holds the 4 objects of v1", func() bool {
		refs, _ := kc.Objects("svc")
		return len(refs) == 4
	})
	drift, err := kc.Diff(ctx, "svc", v2)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift.Changed) != 2 || len(drift.Extra) != 2 || len(drift.Missing) != 0 {
		t.Errorf("Diff(v2) against v1 = %+v; want 2 changed (config-version), 2 extra", drift)
	}

	if err := kc.Apply(ctx, "svc", v2); err != nil {
		t.Fatal(err)
	}
	keep, err := kc.Refs(v2)
	if err != nil {
		t.Fatal(err)
	}
	deleted, err := kc.Prune(ctx, "svc", keep, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || deleted[0].Kind != "ConfigMap" || deleted[0].Name != "svc-extra" {
		t.Fatalf("Prune deleted %v, want only the ConfigMap svc-extra (never the PVC)", deleted)
	}
	if _, err := c.get(pvcGVR, "svc-data"); err != nil {
		t.Fatalf("the PVC did not survive Prune without allowPVC: %v", err)
	}
	within(t, 10*time.Second, "the ConfigMap is gone", func() bool {
		_, err := c.get(configMapsGVR, "svc-extra")
		return apierrors.IsNotFound(err)
	})
	deleted, err = kc.Prune(ctx, "svc", keep, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || deleted[0].Kind != "PersistentVolumeClaim" {
		t.Fatalf("Prune with allowPVC deleted %v, want the PVC", deleted)
	}
	within(t, 10*time.Second, "Diff(v2) in sync", func() bool {
		d, err := kc.Diff(ctx, "svc", v2)
		return err == nil && d.InSync()
	})
	if _, err := c.get(deploymentsGVR, kube.ActionServerName("svc")); err != nil {
		t.Errorf("Prune touched a kept object: %v", err)
	}
}

func TestChangeByHandIsCorrected(t *testing.T) {
	c := needCluster(t)
	counter := kubetest.NewRequestCounter()
	kc := c.client(nil, c.ns, counter)
	ctx := ctxTimeout(t, 60*time.Second)

	objs := kube.ActionServerManifests("tfm_ner", testImage, 8000, nil, 2)
	ctr := objs[0]["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	ctr["env"] = []any{map[string]any{"name": "MODEL", "value": "large"}, map[string]any{"name": "THREADS", "value": "4"}}
	name := kube.ActionServerName("tfm_ner")
	if err := kc.Apply(ctx, "tfm_ner", objs); err != nil {
		t.Fatal(err)
	}
	if err := kc.WaitDeploymentReady(ctx, "tfm_ner", name); err != nil {
		t.Fatal(err)
	}
	if d, err := kc.Diff(ctx, "tfm_ner", objs); err != nil || !d.InSync() {
		t.Fatalf("Diff after Apply = %+v, %v", d, err)
	}

	edits := []struct {
		name string
		edit func(d *unstructured.Unstructured)
	}{
		{"replicas", func(d *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(d.Object, int64(5), "spec", "replicas")
		}},
		{"env value", func(d *unstructured.Unstructured) {
			setEnv(d, func(env []any) []any {
				env[0].(map[string]any)["value"] = "tiny"
				return env
			})
		}},
		{"env var removed", func(d *unstructured.Unstructured) {
			setEnv(d, func(env []any) []any { return env[1:] })
		}},
		{"env var added by someone else (kept)", func(d *unstructured.Unstructured) {
			setEnv(d, func(env []any) []any {
				return append(env, map[string]any{"name": "DEBUG", "value": "1"})
			})
		}},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			// an Update by another manager, as kubectl edit or scale would do
			err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				d := c.mustGet(deploymentsGVR, name)
				e.edit(d)
				_, err := c.dynamic.Resource(deploymentsGVR).Namespace(c.ns).Update(ctx, d,
					metav1.UpdateOptions{FieldManager: "kubectl-edit"})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if e.name == "env var added by someone else (kept)" {
				// not drift: jsorc does not own that element
				time.Sleep(300 * time.Millisecond)
				if d, err := kc.Diff(ctx, "tfm_ner", objs); err != nil || !d.InSync() {
					t.Fatalf("Diff after another manager added an env var = %+v, %v; want in sync", d, err)
				}
				return
			}
			within(t, 5*time.Second, "Diff reports the Deployment as changed", func() bool {
				d, err := kc.Diff(ctx, "tfm_ner", objs)
				return err == nil && len(d.Changed) == 1 && d.Changed[0].Kind == "Deployment"
			})
			before := counter.Snapshot()
			if err := kc.Apply(ctx, "tfm_ner", objs); err != nil {
				t.Fatal(err)
			}
			reqs, _ := counter.Since(before)
			t.Logf("repair: %v", reqs)
			live := c.mustGet(deploymentsGVR, name)
			if r, _, _ := unstructured.NestedInt64(live.Object, "spec", "replicas"); r != 2 {
				t.Errorf("replicas after re-apply = %d, want 2", r)
			}
			env := envOf(live)
			if env["MODEL"] != "large" || env["THREADS"] != "4" {
				t.Errorf("env after re-apply = %v", env)
			}
			within(t, 5*time.Second, "Diff in sync after the repair", func() bool {
				d, err := kc.Diff(ctx, "tfm_ner", objs)
				return err == nil && d.InSync()
			})
		})
	}
}

func setEnv(d *unstructured.Unstructured, f func([]any) []any) {
	ctrs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	ctr := ctrs[0].(map[string]any)
	env, _ := ctr["env"].([]any)
	ctr["env"] = f(env)
	_ = unstructured.SetNestedSlice(d.Object, ctrs, "spec", "template", "spec", "containers")
}

func envOf(d *unstructured.Unstructured) map[string]string {
	ctrs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	out := map[string]string{}
	env, _ := ctrs[0].(map[string]any)["env"].([]any)
	for _, e := range env {
		m := e.(map[string]any)
		out[m["name"].(string)], _ = m["value"].(string)
	}
	return out
}

func TestDeletedByHandWatchedAndRestored(t *testing.T) {
	c := needCluster(t)
	kc := c.client(nil, c.ns, nil)
	ctx := ctxTimeout(t, 60*time.Second)

	objs := kube.ActionServerManifests("redis_like", testImage, 8000, nil, 1)
	name := kube.ActionServerName("redis_like")
	if err := kc.Apply(ctx, "redis_like", objs); err != nil {
		t.Fatal(err)
	}
	if err := kc.WaitDeploymentReady(ctx, "redis_like", name); err != nil {
		t.Fatal(err)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	events := kc.Watch(watchCtx)

	start := time.Now()
	if err := c.dynamic.Resource(deploymentsGVR).Namespace(c.ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(2 * time.Second)
	for seen := false; !seen; {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("event channel closed")
			}
			seen = e.Type == kube.Deleted && e.Owner == "redis_like" && e.Ref.Kind == "Deployment" && e.Ref.Name == name
		case <-timeout:
			t.Fatal("no Deleted event within 2s of deleting the Deployment by hand")
		}
	}
	t.Logf("deleted by hand -> Deleted event: %s", time.Since(start))
	d, err := kc.Diff(ctx, "redis_like", objs)
	if err != nil || len(d.Missing) != 1 || d.Missing[0].Kind != "Deployment" {
		t.Fatalf("Diff after deletion = %+v, %v; want the Deployment missing", d, err)
	}
	if err := kc.Apply(ctx, "redis_like", objs); err != nil {
		t.Fatal(err)
	}
	if err := kc.WaitDeploymentReady(ctx, "redis_like", name); err != nil {
		t.Fatal(err)
	}
	t.Logf("deleted by hand -> restored and ready: %s", time.Since(start))
	stopWatch()
	for range events { // the channel closes when its context ends
	}
}

func TestWatchSubscriberLifecycle(t *testing.T) {
	c := needCluster(t)
	kc := c.client(nil, c.ns, nil)
	ctx := ctxTimeout(t, 30*time.Second)

	slowCtx, stopSlow := context.WithCancel(ctx)
	slow := kc.Watch(slowCtx) // never read until the end: must not block anyone
	fast := kc.Watch(ctx)
	for i, owner := range []string{"a", "b", "c"} {
		cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "cm-" + owner}, "data": map[string]any{"i": string(rune('0' + i))}}
		if err := kc.Apply(ctx, owner, []map[string]any{cm}); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for len(got) < 3 {
		select {
		case e := <-fast:
			got[e.Owner] = true
		case <-ctx.Done():
			t.Fatalf("events seen by the fast reader: %v", got)
		}
	}
	// the slow reader gets the coalesced events, in order of first change
	var owners []string
	for len(owners) < 3 {
		e := <-slow
		owners = append(owners, e.Owner)
	}
	if strings.Join(owners, "") != "abc" {
		t.Errorf("slow reader got owners %v, want a b c", owners)
	}
	stopSlow()
	for range slow {
	}
	if _, ok := <-slow; ok {
		t.Error("channel open after its context ended")
	}
}

func TestStartTwiceAndReadsBeforeSync(t *testing.T) {
	c := needCluster(t)
	ctx := ctxTimeout(t, 30*time.Second)
	kc, err := kube.New(ctx, kube.Config{REST: c.admin, Namespace: c.ns})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Diff(ctx, "x", nil); !errors.Is(err, kube.ErrNotSynced) {
		t.Errorf("Diff before Start: %v, want ErrNotSynced", err)
	}
	if _, err := kc.Prune(ctx, "x", nil, false); !errors.Is(err, kube.ErrNotSynced) {
		t.Errorf("Prune before Start: %v, want ErrNotSynced", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- kc.Start(runCtx) }()
	if err := kc.WaitForCacheSync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := kc.Start(runCtx); err == nil {
		t.Error("a second Start did not fail")
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Start after cancel = %v, want nil", err)
	}
}

// TestTerminatingObjectIsMissing: an object being deleted (held by a
// finalizer, so it stays Terminating) is missing for the diff, not
// present: the keep-alive loop must re-create it once it is gone.
func TestTerminatingObjectIsMissing(t *testing.T) {
	c := needCluster(t)
	kc := c.client(nil, c.ns, nil)
	ctx := ctxTimeout(t, 60*time.Second)
	const owner, name, finalizer = "terminating", "jsorc-test-held", "jsorc.test/hold"
	objs := []map[string]any{{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name},
		"data":     map[string]any{"a": "b"},
	}}
	if err := kc.Apply(ctx, owner, objs); err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, "the ConfigMap in sync", func() bool {
		d, err := kc.Diff(ctx, owner, objs)
		return err == nil && d.InSync()
	})
	cms := c.dynamic.Resource(configMapsGVR).Namespace(c.ns)
	patch := []byte(`{"metadata": {"finalizers": ["` + finalizer + `"]}}`)
	if _, err := cms.Patch(ctx, name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // let the namespace go
		_, _ = cms.Patch(context.Background(), name, "application/merge-patch+json", []byte(`{"metadata": {"finalizers": null}}`), metav1.PatchOptions{})
	})
	if err := cms.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if live := c.mustGet(configMapsGVR, name); live.GetDeletionTimestamp() == nil {
		t.Fatalf("the ConfigMap is not Terminating: %v", live.Object["metadata"])
	}
	within(t, 10*time.Second, "the Terminating ConfigMap missing in the diff", func() bool {
		d, err := kc.Diff(ctx, owner, objs)
		return err == nil && len(d.Missing) == 1 && d.Missing[0].Name == name
	})
}
