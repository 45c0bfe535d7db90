package kube_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/jsorc/jsorc/engine"
	kubebackend "github.com/jsorc/jsorc/engine/backend/kube"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/kube/kubetest"
)

// scaleBench is the environment variable that runs the benchmark of many
// modules (`make bench` sets it); JSORC_BENCH_KUBE_MODULES changes how many
// (default 1000).
const scaleBench = "JSORC_BENCH_SCALE"

// BenchmarkKube1000Modules loads 1,000 remote modules through the engine
// on the test cluster, 32 loads at a time, and waits until all are READY;
// then, in steady state, counts the API requests of keep-alive ticks and
// of ten quiet seconds (no list may be among them); then unloads all with
// retire and checks that nothing is left in the namespace. It reports the
// rollout's time, the p99 latency of the engine's API requests during the
// rollout (watches excepted), the engine's RSS with 1,000 modules, and
// the unload's time. Run with JSORC_BENCH_SCALE=1 (`make bench`).
func BenchmarkKube1000Modules(b *testing.B) {
	if os.Getenv(scaleBench) == "" {
		b.Skip("set " + scaleBench + "=1 to load 1,000 modules on the test cluster (make bench does)")
	}
	n := 1000
	if v := os.Getenv("JSORC_BENCH_KUBE_MODULES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("JSORC_BENCH_KUBE_MODULES=%q: want a positive number", v)
		}
	}
	c := needKube(b)
	// kwok-node-0 takes 110 pods; the others each module needs go to fake
	// nodes of the benchmark's own, with room to spare.
	c.addNodes(b, "jsorc-bench", (n+podsPerNode/2)/(podsPerNode-10))
	for b.Loop() {
		ns := c.namespace("jsorc-scale")
		counter := kubetest.NewRequestCounter()
		meta := testMeta(ns)
		meta.MaxModules = max(meta.MaxModules, n+10)
		var kb *kubebackend.Backend
		e := c.engine(kubeEngine{meta: meta, counter: counter, opened: &kb})
		var cfg strings.Builder
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("m%04d", i)
			fmt.Fprintf(&cfg, "%s: {builtin: synth}\n", names[i])
		}
		if _, err := e.ConfigureActions(ctxT(b), "all", "scale.yaml", []byte(cfg.String())); err != nil {
			b.Fatal(err)
		}

		mark := counter.Mark()
		start := time.Now()
		eachModule(b, names, func(name string) error {
			_, err := e.Load(ctxT(b), name, "remote", engine.LoadOptions{Wait: true})
			return err
		})
		rollout := time.Since(start)
		p99, reqs := counter.Quantile(mark, 0.99)
		notReady := 0
		for _, name := range names {
			if st, err := e.Status(name); err != nil || st.Remote.Status != "READY" || st.Serving != "remote" {
				notReady++
			}
		}
		if notReady > 0 {
			b.Fatalf("%d of %d modules not READY after the rollout", notReady, n)
		}
		rss := enginetest.RSSMB(b)

		// Steady state: keep-alive ticks and a quiet spell read the cache.
		before := counter.Snapshot()
		for range 5 {
			kb.KeepAliveTick(ctxT(b))
		}
		time.Sleep(10 * time.Second)
		steady, steadyTotal := counter.Since(before)
		if steady["LIST"] > 0 {
			b.Errorf("%d list requests in steady state with %d modules (%v)", steady["LIST"], n, steady)
		}

		start = time.Now()
		eachModule(b, names, func(name string) error {
			_, err := e.Unload(ctxT(b), name, "auto", true)
			return err
		})
		unload := time.Since(start)
		left := c.leftIn(b, ns)

		b.ReportMetric(float64(n), "modules")
		b.ReportMetric(rollout.Seconds(), "s-rollout")
		b.ReportMetric(float64(p99.Microseconds())/1000, "API-p99-ms")
		b.ReportMetric(float64(reqs), "API-requests-rollout")
		b.ReportMetric(rss, "engine-RSS-MB")
		b.ReportMetric(float64(steady["LIST"]), "steady-lists")
		b.ReportMetric(float64(steadyTotal), "steady-requests")
		b.ReportMetric(unload.Seconds(), "s-unload")
		b.ReportMetric(float64(left), "objects-left")
		if left > 0 {
			b.Errorf("%d objects left in %s after unloading all with retire", left, ns)
		}
	}
}

// eachModule runs f for every name, 32 at a time, and fails the benchmark
// on the first errors.
func eachModule(b *testing.B, names []string, f func(string) error) {
	b.Helper()
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for _, name := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(name); err != nil {
				mu.Lock()
				errs = append(errs, name+": "+err.Error())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		b.Fatalf("%d of %d failed, first: %s", len(errs), len(names), errs[0])
	}
}

// leftIn counts the Deployments, ReplicaSets, Pods, Services and
// ConfigMaps (but the cluster's own root CA) left in namespace ns.
func (c *kubeCluster) leftIn(b *testing.B, ns string) int {
	b.Helper()
	ctx := ctxT(b)
	var o metav1.ListOptions
	left := 0
	deps, err := c.cs.AppsV1().Deployments(ns).List(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	left += len(deps.Items)
	rss, err := c.cs.AppsV1().ReplicaSets(ns).List(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	left += len(rss.Items)
	pods, err := c.cs.CoreV1().Pods(ns).List(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	left += len(pods.Items)
	svcs, err := c.cs.CoreV1().Services(ns).List(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	left += len(svcs.Items)
	cms, err := c.cs.CoreV1().ConfigMaps(ns).List(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	for _, cm := range cms.Items {
		if cm.Name != "kube-root-ca.crt" {
			left++
		}
	}
	return left
}
