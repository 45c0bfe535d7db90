package kube_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/jsorc/jsorc/engine"
	kubebackend "github.com/jsorc/jsorc/engine/backend/kube"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/kube"
	"github.com/jsorc/jsorc/kube/kubetest"
)

// ownerLabels are the labels jsorc puts on an object of a kept-alive
// service (owner "service.NAME") of another config version.
func ownerLabels(service, version string) map[string]string {
	return map[string]string{
		kube.LabelManagedBy:     kube.ManagedByValue,
		kube.LabelOwner:         "service." + service,
		kube.LabelConfigVersion: version,
	}
}

// JSORC's keep-alive scenarios on Kubernetes: a deleted Deployment is back
// within two backoff intervals, a field changed by hand is corrected, an
// object an older definition created is deleted (a claim is not), and in
// steady state a tick makes no list request.
func TestKubeKeepAlive(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-keepalive")
	meta := testMeta(ns)
	meta.Automation = true
	// elastic (JSORC's) has no definition in jsorc; task is the engine's own.
	meta.KeepAlive = []string{"redis", "promon", "db", "elastic", "task"}
	counter := kubetest.NewRequestCounter()
	e := c.engine(kubeEngine{meta: meta, counter: counter})
	interval := time.Duration(meta.BackoffInterval) * time.Second
	ctx := ctxT(t)

	for _, name := range []string{"redis", "promon"} {
		waitKubeService(t, e, name, 30*time.Second, func(in services.Info) bool { return in.State == services.StateReady })
	}
	// db's pod waits for its claim, which a cluster without a storage
	// provisioner (such as ../shared/k8s) never binds: it stays starting.
	eventually(t, 30*time.Second, "db's claim, Deployment and Service applied", func() bool {
		return c.get(ns, pvcGVR, kube.PostgresClaimName) != nil && c.get(ns, deploymentsGVR, kube.PostgresServiceName) != nil &&
			c.get(ns, servicesGVR, kube.PostgresServiceName) != nil
	})
	info := e.ServiceInfo()
	if got := info["elastic"].State; got != services.StateUnknown {
		t.Errorf("elastic: %q, want %q", got, services.StateUnknown)
	}
	if got := info["task"].State; got != services.StateReady {
		t.Errorf("task (the engine's request queue): %q, want %q", got, services.StateReady)
	}
	if got, want := info["redis"].URL, "redis://"+kube.RedisServiceName+"."+ns+".svc:6379"; got != want {
		t.Errorf("redis URL %q, want %q", got, want)
	}
	if got, want := info["db"].URL, "postgres://jsorc@"+kube.PostgresServiceName+"."+ns+".svc:5432/jsorc"; got != want {
		t.Errorf("db URL %q, want %q", got, want)
	}
	if e.ServiceURL("promon") != "" {
		t.Error("promon's in-cluster URL offered to an engine outside the cluster")
	}
	redis := c.get(ns, deploymentsGVR, kube.RedisServiceName)
	checkJsorcLabels(t, redis, "service.redis")

	// Steady state: ticks read the cache only.
	before := counter.Snapshot()
	time.Sleep(interval + time.Second)
	reqs, total := counter.Since(before)
	t.Logf("API requests over one keep-alive interval in steady state (3 services): %d %v", total, reqs)
	if reqs["LIST"] > 0 || reqs["PATCH"] > 0 {
		t.Errorf("steady state made requests: %v", reqs)
	}

	// A Deployment deleted by hand is back within two intervals.
	deleted := time.Now()
	if err := c.cs.AppsV1().Deployments(ns).Delete(ctx, kube.RedisServiceName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*interval, "redis's Deployment re-created", func() bool {
		u := c.get(ns, deploymentsGVR, kube.RedisServiceName)
		return u != nil && u.GetUID() != redis.GetUID() && u.GetDeletionTimestamp() == nil
	})
	t.Logf("deleted Deployment re-created after %s", time.Since(deleted))
	// The new Deployment shows in the cluster a moment before the loop
	// records its repair: wait for the record, not for the old state. The
	// record is the keep-alive's promise (within two intervals); when the
	// new Deployment is ready is the cluster's business — its controllers
	// may be busy with other tests' objects — so it has the bound of the
	// first start.
	in := waitKubeService(t, e, "redis", 2*interval, func(in services.Info) bool { return in.Restarts >= 1 })
	if !strings.Contains(in.LastError, "missing Deployment/"+kube.RedisServiceName) {
		t.Errorf("redis after the repair: restarts %d, last error %q", in.Restarts, in.LastError)
	}
	waitKubeService(t, e, "redis", 30*time.Second, func(in services.Info) bool { return in.State == services.StateReady })
	t.Logf("deleted Deployment: repair recorded and ready after %s", time.Since(deleted))

	// A field changed by hand (by another field manager) is corrected.
	patch := []byte(`{"spec":{"replicas":3}}`)
	if _, err := c.cs.AppsV1().Deployments(ns).Patch(ctx, kube.RedisServiceName, types.MergePatchType, patch,
		metav1.PatchOptions{FieldManager: "someone"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*interval, "redis's replicas corrected back to 1", func() bool {
		u := c.get(ns, deploymentsGVR, kube.RedisServiceName)
		if u == nil {
			return false
		}
		n, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		return n == 1
	})

	// An object of an older definition is deleted; a claim is not.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "jsorc-redis-old", Labels: ownerLabels("redis", "0ld")}}
	if _, err := c.cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "jsorc-redis-old-data", Labels: ownerLabels("redis", "0ld")},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := c.cs.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*interval, "the older definition's ConfigMap deleted", func() bool {
		u := c.get(ns, configMapsGVR, "jsorc-redis-old")
		return u == nil || u.GetDeletionTimestamp() != nil
	})
	time.Sleep(interval)
	if u := c.get(ns, pvcGVR, "jsorc-redis-old-data"); u == nil || u.GetDeletionTimestamp() != nil {
		t.Error("the keep-alive deleted a PersistentVolumeClaim")
	}

	// service_refresh NAME re-applies and resets the count of repairs.
	refreshed := time.Now()
	if err := e.ServiceRefresh(context.Background(), "redis"); err != nil {
		t.Fatal(err)
	}
	// Wait for the loop's check of the refresh itself (the reset count
	// shows at once, and the state was Ready before): an apply that changed
	// nothing brings no watch event, so that check must say Ready, or the
	// service would read Starting until the next periodic tick.
	in = waitKubeService(t, e, "redis", 2*interval, func(in services.Info) bool { return in.LastProbe.After(refreshed) })
	if in.Restarts != 0 || in.State != services.StateReady {
		t.Errorf("redis after service_refresh: state %s, restarts %d; want ready, 0", in.State, in.Restarts)
	}
	t.Logf("service_refresh of a ready service: checked and ready after %s", time.Since(refreshed))
	if err := e.ServiceRefresh(context.Background(), "elastic"); err == nil {
		t.Error("service_refresh of a service without a definition succeeded")
	}

	// Dropping a service from keep_alive removes its objects, but its data.
	meta.KeepAlive = []string{"redis"}
	if err := setMeta(e, meta); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*interval, "db's Deployment removed once db is no longer kept alive", func() bool {
		u := c.get(ns, deploymentsGVR, kube.PostgresServiceName)
		return u == nil || u.GetDeletionTimestamp() != nil
	})
	if c.get(ns, pvcGVR, kube.PostgresClaimName) == nil {
		t.Error("db's data claim was deleted with it")
	}
	if got := e.ServiceInfo()["db"].State; got != services.StateStopped {
		t.Errorf("db no longer kept alive: state %q", got)
	}
}

// With automation off the loop only observes: a deleted Deployment is
// reported missing and left alone; service_refresh still applies once.
func TestKubeKeepAliveObserveOnly(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-observe")
	meta := testMeta(ns)
	meta.KeepAlive = []string{"redis"}
	e := c.engine(kubeEngine{meta: meta})
	interval := time.Duration(meta.BackoffInterval) * time.Second
	ctx := ctxT(t)

	in := waitKubeService(t, e, "redis", 10*time.Second, func(in services.Info) bool { return in.State == kubebackend.ServiceMissing })
	if in.Automation || c.get(ns, deploymentsGVR, kube.RedisServiceName) != nil {
		t.Fatalf("automation off created redis: %+v", in)
	}
	if err := e.ServiceRefresh(context.Background(), "redis"); err != nil {
		t.Fatal(err)
	}
	waitKubeService(t, e, "redis", 10*time.Second, func(in services.Info) bool { return in.State == services.StateReady })

	if err := c.cs.AppsV1().Deployments(ns).Delete(ctx, kube.RedisServiceName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	in = waitKubeService(t, e, "redis", 10*time.Second, func(in services.Info) bool { return in.State == kubebackend.ServiceMissing })
	if !strings.Contains(in.ProbeError, "missing Deployment/"+kube.RedisServiceName) {
		t.Errorf("probe error %q does not say what is missing", in.ProbeError)
	}
	time.Sleep(interval + time.Second)
	if c.get(ns, deploymentsGVR, kube.RedisServiceName) != nil {
		t.Error("automation off, yet the Deployment was re-created")
	}
	if got := e.ServiceInfo()["redis"]; got.State != kubebackend.ServiceMissing || got.Restarts != 0 {
		t.Errorf("after a tick: %+v", got)
	}
}

// setMeta is config_set META_CONFIG then service_refresh meta.
func setMeta(e *engine.Engine, m engine.MetaConfig) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := e.ConfigSet(context.Background(), engine.MetaConfigName, string(b)); err != nil {
		return err
	}
	return e.ServiceRefresh(context.Background(), "meta")
}
