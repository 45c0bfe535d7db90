package kube_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/kube"
)

// deployDir holds the manifests that run jsorc in a cluster.
const deployDir = "../../../deploy/kubernetes"

// readManifests decodes the YAML files of a directory, in name order.
func readManifests(t testing.TB, paths ...string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := kube.DecodeManifests(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, objs...)
	}
	return out
}

// deployManifests are deploy/kubernetes's objects but the kustomization.
func deployManifests(t testing.TB) []map[string]any {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(deployDir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no manifests in %s: %v", deployDir, err)
	}
	paths = slices.DeleteFunc(paths, func(p string) bool { return filepath.Base(p) == "kustomization.yaml" })
	return readManifests(t, paths...)
}

func findKind(objs []map[string]any, kind string) map[string]any {
	for _, o := range objs {
		if o["kind"] == kind {
			return o
		}
	}
	return nil
}

// The Role deploy/ grants the engine and the one package kube's tests prove
// sufficient (kube/testdata/role.yaml) have the same rules.
func TestDeployRoleMatchesKubeRole(t *testing.T) {
	deployed := findKind(deployManifests(t), "Role")
	tested := findKind(readManifests(t, "../../../kube/testdata/role.yaml"), "Role")
	if deployed == nil || tested == nil {
		t.Fatal("a Role is missing")
	}
	if !reflect.DeepEqual(deployed["rules"], tested["rules"]) {
		t.Errorf("deploy/kubernetes/role.yaml rules\n%v\ndiffer from kube/testdata/role.yaml rules\n%v", deployed["rules"], tested["rules"])
	}
	if kz, err := os.ReadFile(filepath.Join(deployDir, "kustomization.yaml")); err != nil {
		t.Fatal(err)
	} else {
		for _, o := range deployManifests(t) {
			meta := o["metadata"].(map[string]any)
			if !strings.Contains(string(kz), strings.ToLower(o["kind"].(string))+".yaml") {
				t.Errorf("kustomization.yaml does not list the %s %v", o["kind"], meta["name"])
			}
		}
	}
}

// resourceOf maps the kinds of deploy/ to their resources.
func resourceOf(t testing.TB, kind string) schema.GroupVersionResource {
	t.Helper()
	switch kind {
	case "ServiceAccount":
		return schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	case "Role":
		return schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}
	case "RoleBinding":
		return schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}
	case "Deployment":
		return deploymentsGVR
	case "Service":
		return servicesGVR
	case "PersistentVolumeClaim":
		return schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}
	}
	t.Fatalf("deploy/ has a %s; teach the test its resource", kind)
	return schema.GroupVersionResource{}
}

// applyDeploy applies deploy/'s objects into ns, as `kubectl apply -k` with
// `namespace: ns` would: the Namespace object is left out, and every
// namespace (the RoleBinding's subject included) becomes ns.
func (c *kubeCluster) applyDeploy(ctx context.Context, ns string) []map[string]any {
	c.t.Helper()
	objs := deployManifests(c.t)
	var applied []map[string]any
	for _, o := range objs {
		if o["kind"] == "Namespace" {
			continue
		}
		u := &unstructured.Unstructured{Object: o}
		u.SetNamespace(ns)
		if subjects, ok := o["subjects"].([]any); ok {
			for _, s := range subjects {
				s.(map[string]any)["namespace"] = ns
			}
		}
		_, err := c.dyn.Resource(resourceOf(c.t, u.GetKind())).Namespace(ns).Apply(ctx, u.GetName(), u,
			metav1.ApplyOptions{FieldManager: "jsorc-deploy-test", Force: true})
		if err != nil {
			c.t.Fatalf("the API server refused deploy/'s %s %s: %v", u.GetKind(), u.GetName(), err)
		}
		applied = append(applied, o)
	}
	return applied
}

// tokenFor returns a rest.Config authenticating as a ServiceAccount of ns
// with a token from the TokenRequest API.
func (c *kubeCluster) tokenFor(ctx context.Context, ns, account string) *rest.Config {
	c.t.Helper()
	return c.TokenConfig(ctx, ns, account)
}

// deploy/'s manifests are accepted and the engine's pod becomes ready; an
// engine with its ServiceAccount's namespace-scoped Role runs action
// servers and services in its namespace and cannot touch another one.
func TestKubeDeployAndRole(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-deploy")
	ctx := ctxT(t)

	// What the README has the user do first: the API token's Secret. And
	// what a cluster's provisioner would do: a volume for the data claim.
	c.prepareDeploy(ctx, ns)
	objs := c.applyDeploy(ctx, ns)
	if len(objs) != 6 {
		t.Errorf("deploy/ applied %d objects, want ServiceAccount, Role, RoleBinding, PersistentVolumeClaim, Deployment, Service", len(objs))
	}
	eventually(t, 30*time.Second, "the engine's Deployment ready", func() bool {
		d, err := c.cs.AppsV1().Deployments(ns).Get(ctx, "jsorc", metav1.GetOptions{})
		return err == nil && d.Status.ReadyReplicas == 1
	})
	d, _ := c.cs.AppsV1().Deployments(ns).Get(ctx, "jsorc", metav1.GetOptions{})
	args := d.Spec.Template.Spec.Containers[0].Args
	for _, want := range []string{"serve", "--backend=kube", "--in-cluster", "--addr=0.0.0.0:8799", "--data=/data"} {
		if !slices.Contains(args, want) {
			t.Errorf("the engine's args %v lack %s", args, want)
		}
	}
	checkDeployTrust(t, d)

	// The engine as the deployed ServiceAccount, in its namespace.
	cred := c.tokenFor(ctx, ns, "jsorc")
	meta := testMeta(ns)
	meta.Automation = true
	meta.KeepAlive = []string{"redis"}
	e := c.engine(kubeEngine{meta: meta, rest: cred})
	if _, err := e.Load(ctx, "textenc", "remote", engine.LoadOptions{Wait: true}); err != nil {
		t.Fatalf("load remote with the Role: %v", err)
	}
	waitKubeService(t, e, "redis", 30*time.Second, func(in services.Info) bool { return in.State == services.StateReady })
	// The port-forward is allowed by the Role; only kwok's missing kubelet
	// makes it fail.
	_, err := e.Call(ctx, "textenc.encode", map[string]any{"text": "x"})
	if err == nil || strings.Contains(strings.ToLower(err.Error()), "forbidden") || !strings.Contains(err.Error(), "could not port-forward") {
		t.Errorf("call with the Role: %v; want a tunnel failure, not a refusal", err)
	}
	if _, err := e.Unload(ctx, "textenc", "auto", true); err != nil {
		t.Fatalf("retire with the Role: %v", err)
	}
	if c.get(ns, deploymentsGVR, kube.ActionServerName("textenc")) != nil {
		t.Error("the retired action server is still there")
	}

	// The same credentials in another namespace: the engine refuses to start,
	// naming the refusal, and nothing is created there.
	other := c.namespace("jsorc-deploy-other")
	start := time.Now()
	_, err = c.open(kubeEngine{meta: testMeta(other), rest: cred})
	if err == nil || !strings.Contains(err.Error(), "forbidden") || !strings.Contains(err.Error(), other) {
		t.Fatalf("engine in another namespace: %v; want a refusal", err)
	}
	t.Logf("engine in another namespace refused after %s: %v", time.Since(start), err)
	list, err := c.cs.AppsV1().Deployments(other).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("deployments in the other namespace: %v, %v", list, err)
	}
	// And its client cannot write there either.
	kc, err := kube.New(ctx, kube.Config{REST: rest.CopyConfig(cred), Namespace: other})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.Apply(ctx, "textenc", kube.ActionServerManifests("textenc", testImage, 8000, nil, 1)); !apierrors.IsForbidden(err) {
		t.Errorf("apply in another namespace with the Role: %v; want Forbidden", err)
	}
}

// prepareDeploy creates in ns what deploy/ expects to find: the API
// token's Secret, and a volume for the data claim (the test cluster has no
// provisioner), removed at the end of the test.
func (c *kubeCluster) prepareDeploy(ctx context.Context, ns string) {
	c.t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "jsorc-api-token", Namespace: ns},
		StringData: map[string]string{"token": "deploy-test-token"},
	}
	if _, err := c.cs.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		c.t.Fatalf("the token's Secret: %v", err)
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-data"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/" + ns}},
			ClaimRef:               &corev1.ObjectReference{Namespace: ns, Name: "jsorc-data"},
		},
	}
	if _, err := c.cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		c.t.Fatalf("a volume for the data claim: %v", err)
	}
	c.t.Cleanup(func() {
		_ = c.cs.CoreV1().PersistentVolumes().Delete(context.Background(), pv.Name, metav1.DeleteOptions{})
	})
}

// checkDeployTrust: the engine's token comes from the Secret, its data
// lives on the claim, and one replica at a time owns it.
func checkDeployTrust(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %v strategy %s; want one replica, Recreate", d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	tokenFromSecret := false
	for _, env := range d.Spec.Template.Spec.Containers[0].Env {
		if env.Name == "JSORC_TOKEN" && env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil &&
			env.ValueFrom.SecretKeyRef.Name == "jsorc-api-token" && env.ValueFrom.SecretKeyRef.Key == "token" {
			tokenFromSecret = true
		}
	}
	if !tokenFromSecret {
		t.Error("JSORC_TOKEN does not come from the Secret jsorc-api-token, key token")
	}
	onClaim := false
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == "data" && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "jsorc-data" {
			onClaim = true
		}
	}
	if !onClaim {
		t.Error("the data volume is not the claim jsorc-data")
	}
}

// TestDeployManifestsTrust checks deploy/'s Deployment without a cluster:
// the token from the Secret, the data on the claim, one Recreate replica.
func TestDeployManifestsTrust(t *testing.T) {
	t.Parallel()
	obj := findKind(deployManifests(t), "Deployment")
	if obj == nil {
		t.Fatal("deploy/ has no Deployment")
	}
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &d); err != nil {
		t.Fatal(err)
	}
	checkDeployTrust(t, &d)
	if findKind(deployManifests(t), "PersistentVolumeClaim") == nil {
		t.Error("deploy/ has no PersistentVolumeClaim")
	}
}
