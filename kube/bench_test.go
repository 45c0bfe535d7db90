package kube_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jsorc/jsorc/kube"
	"github.com/jsorc/jsorc/kube/kubetest"
)

// BenchmarkApplyToReady measures one action server from Apply to a ready
// Deployment (one replica) on the test cluster, and the API requests it
// takes once the cache has synced.
func BenchmarkApplyToReady(b *testing.B) {
	c := needCluster(b)
	counter := kubetest.NewRequestCounter()
	kc := c.client(nil, c.ns, counter)
	ctx := ctxTimeout(b, 10*time.Minute)
	// warm the discovery RESTMapper, as a running engine's is
	if err := kc.Apply(ctx, "warm", kube.ActionServerManifests("warm", testImage, 8000, nil, 1)); err != nil {
		b.Fatal(err)
	}
	before := counter.Snapshot()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		owner := fmt.Sprintf("bench_%d", i)
		i++
		if err := kc.Apply(ctx, owner, kube.ActionServerManifests(owner, testImage, 8000, nil, 1)); err != nil {
			b.Fatal(err)
		}
		if err := kc.WaitDeploymentReady(ctx, owner, kube.ActionServerName(owner)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reqs, total := counter.Since(before)
	b.ReportMetric(float64(total)/float64(i), "requests/op")
	b.ReportMetric(float64(reqs["LIST"])/float64(i), "lists/op")
}

// BenchmarkKeepAliveTick measures one keep-alive tick over 10 owners in
// steady state: readiness and drift from the cache, no repair needed.
func BenchmarkKeepAliveTick(b *testing.B) {
	c := needCluster(b)
	counter := kubetest.NewRequestCounter()
	kc := c.client(nil, c.ns, counter)
	ctx := ctxTimeout(b, 5*time.Minute)
	defs := map[string][]map[string]any{}
	for i := range 10 {
		owner := fmt.Sprintf("svc_%02d", i)
		defs[owner] = kube.ActionServerManifests(owner, testImage, 8000, nil, 1)
		if err := kc.Apply(ctx, owner, defs[owner]); err != nil {
			b.Fatal(err)
		}
	}
	for owner := range defs {
		if err := kc.WaitDeploymentReady(ctx, owner, kube.ActionServerName(owner)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := keepAliveTick(ctx, kc, defs); err != nil {
		b.Fatal(err)
	}
	before := counter.Snapshot()
	ticks := 0
	applied := 0
	for b.Loop() {
		n, err := keepAliveTick(context.Background(), kc, defs)
		if err != nil {
			b.Fatal(err)
		}
		applied += n
		ticks++
	}
	b.StopTimer()
	reqs, total := counter.Since(before)
	b.ReportMetric(float64(total)/float64(ticks), "requests/tick")
	b.ReportMetric(float64(reqs["LIST"])/float64(ticks), "lists/tick")
	b.ReportMetric(float64(applied)/float64(ticks), "applies/tick")
}
