package kube_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/kube"
	"github.com/jsorc/jsorc/kube/kubetest"
)

// keepAliveTick is what the engine's keep-alive loop does for each owner on
// a tick in steady state: read readiness and drift from the cache, and act
// only on a difference.
func keepAliveTick(ctx context.Context, kc *kube.Client, defs map[string][]map[string]any) (applied int, err error) {
	for owner, objs := range defs {
		kc.DeploymentReady(owner, kube.ActionServerName(owner))
		d, err := kc.Diff(ctx, owner, objs)
		if err != nil {
			return applied, err
		}
		if d.NeedsApply() {
			if err := kc.Apply(ctx, owner, objs); err != nil {
				return applied, err
			}
			applied++
		}
		if len(d.Extra) > 0 {
			keep, err := kc.Refs(objs)
			if err != nil {
				return applied, err
			}
			if _, err := kc.Prune(ctx, owner, keep, false); err != nil {
				return applied, err
			}
		}
	}
	return applied, nil
}

func TestFiftyActionServersAtOnce(t *testing.T) {
	c := needCluster(t)
	counter := kubetest.NewRequestCounter()
	kc := c.client(nil, c.ns, counter)
	ctx := ctxTimeout(t, 3*time.Minute)
	const n = 50

	afterSync := counter.Snapshot()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	readyAt := make([]time.Duration, n)
	appliedAt := make([]time.Duration, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("mod_%02d", i)
			if err := kc.Apply(ctx, owner, kube.ActionServerManifests(owner, testImage, 8000, nil, 1)); err != nil {
				errs <- err
				return
			}
			appliedAt[i] = time.Since(start)
			if err := kc.WaitDeploymentReady(ctx, owner, kube.ActionServerName(owner)); err != nil {
				errs <- err
				return
			}
			readyAt[i] = time.Since(start)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	total := time.Since(start)
	reqs, sum := counter.Since(afterSync)
	sort.Slice(readyAt, func(i, j int) bool { return readyAt[i] < readyAt[j] })
	sort.Slice(appliedAt, func(i, j int) bool { return appliedAt[i] < appliedAt[j] })
	t.Logf("50 action servers: every Apply returned within %s", appliedAt[n-1])
	t.Logf("50 action servers applied concurrently: all ready in %s (first %s, median %s, p90 %s)",
		total, readyAt[0], readyAt[n/2], readyAt[n*9/10])
	t.Logf("API requests for the 50 (after cache sync): %d %v", sum, reqs)
	if reqs["LIST"] != 0 {
		t.Errorf("%d LIST requests while applying and waiting; readiness must come from the cache", reqs["LIST"])
	}
	if reqs["PATCH"] != 2*n {
		t.Errorf("%d PATCH, want %d (one per object)", reqs["PATCH"], 2*n)
	}
	owners, err := kc.Owners()
	if err != nil || len(owners) != n {
		t.Errorf("Owners = %d, %v; want %d", len(owners), err, n)
	}
}

func TestSteadyKeepAliveTickMakesNoRequest(t *testing.T) {
	c := needCluster(t)
	counter := kubetest.NewRequestCounter()
	kc := c.client(nil, c.ns, counter)
	ctx := ctxTimeout(t, 2*time.Minute)

	defs := map[string][]map[string]any{}
	for i := range 10 {
		owner := fmt.Sprintf("svc_%02d", i)
		defs[owner] = kube.ActionServerManifests(owner, testImage, 8000, nil, 1)
		if err := kc.Apply(ctx, owner, defs[owner]); err != nil {
			t.Fatal(err)
		}
	}
	for owner := range defs {
		if err := kc.WaitDeploymentReady(ctx, owner, kube.ActionServerName(owner)); err != nil {
			t.Fatal(err)
		}
	}
	// first tick may still repair nothing; from here on it must be silent
	if _, err := keepAliveTick(ctx, kc, defs); err != nil {
		t.Fatal(err)
	}
	before := counter.Snapshot()
	const ticks = 20
	for range ticks {
		applied, err := keepAliveTick(ctx, kc, defs)
		if err != nil {
			t.Fatal(err)
		}
		if applied != 0 {
			t.Errorf("a steady tick re-applied %d owners", applied)
		}
	}
	reqs, total := counter.Since(before)
	t.Logf("%d keep-alive ticks over 10 owners in steady state: %d API requests %v (%.1f per tick; watches stay open)",
		ticks, total, reqs, float64(total)/ticks)
	if reqs["LIST"] != 0 || total != 0 {
		t.Errorf("steady ticks made requests: %v", reqs)
	}
}
