package kube_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	kubebackend "github.com/jsorc/jsorc/engine/backend/kube"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/kube/kubetest"
)

// BenchmarkKubeLoadToReady measures `actions load NAME -mode remote` to
// READY through the engine on the test cluster: apply, the Deployment's
// ready replicas seen by the informer, the spec probe (a port-forward that
// fails on kwok), the switch. It also reports the API requests per load.
func BenchmarkKubeLoadToReady(b *testing.B) {
	c := needKube(b)
	ns := c.namespace("jsorc-bench")
	counter := kubetest.NewRequestCounter()
	e := c.engine(kubeEngine{meta: testMeta(ns), counter: counter})
	ctx := ctxT(b)
	// Warm the discovery mapper, as a running engine's is.
	if _, err := e.Load(ctx, "textenc", "remote", engine.LoadOptions{Wait: true}); err != nil {
		b.Fatal(err)
	}
	before := counter.Snapshot()
	i := 0
	for b.Loop() {
		b.StopTimer()
		name := fmt.Sprintf("bench_%d", i)
		i++
		src := fmt.Sprintf("%s:\n  builtin: synth\n  params: {mem_mb: 64}\n", name)
		if _, err := e.ConfigureActions(context.Background(), name, "bench.yaml", []byte(src)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := e.Load(ctx, name, "remote", engine.LoadOptions{Wait: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_, total := counter.Since(before)
	b.ReportMetric(float64(total)/float64(i), "requests/load")
}

// tenServices is a service definitions file of n services, each a
// Deployment and a Service on Kubernetes.
func tenServices(n int) []byte {
	var s strings.Builder
	s.WriteString("services:\n")
	for i := range n {
		name := fmt.Sprintf("svc-%02d", i)
		fmt.Fprintf(&s, `  %[1]s:
    command: ["true"]
    probe: {kind: tcp}
    manifests:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %[1]s}
        spec:
          replicas: 1
          selector: {matchLabels: {app: %[1]s}}
          template:
            metadata: {labels: {app: %[1]s}}
            spec: {containers: [{name: main, image: %[2]s}]}
      - apiVersion: v1
        kind: Service
        metadata: {name: %[1]s}
        spec:
          selector: {app: %[1]s}
          ports: [{port: 80, targetPort: 80}]
`, name, testImage)
	}
	return []byte(s.String())
}

// BenchmarkKubeKeepAliveTick counts the API requests of one keep-alive tick
// over 10 kept-alive services in steady state: readiness and drift come
// from the informer cache, so a tick should make none.
func BenchmarkKubeKeepAliveTick(b *testing.B) {
	c := needKube(b)
	ns := c.namespace("jsorc-bench")
	counter := kubetest.NewRequestCounter()
	meta := testMeta(ns)
	meta.Automation = true
	var kb *kubebackend.Backend
	e := c.engine(kubeEngine{meta: meta, counter: counter, opened: &kb})
	names, err := e.ConfigureServices(context.Background(), "ten.yaml", tenServices(10))
	if err != nil {
		b.Fatal(err)
	}
	meta.KeepAlive = names
	if err := setMeta(e, meta); err != nil {
		b.Fatal(err)
	}
	for _, name := range names {
		waitKubeService(b, e, name, time.Minute, func(in services.Info) bool { return in.State == services.StateReady })
	}
	ctx := ctxT(b)
	kb.KeepAliveTick(ctx)
	before := counter.Snapshot()
	ticks := 0
	for b.Loop() {
		kb.KeepAliveTick(ctx)
		ticks++
	}
	b.StopTimer()
	reqs, total := counter.Since(before)
	b.ReportMetric(float64(total)/float64(ticks), "requests/tick")
	b.ReportMetric(float64(reqs["LIST"])/float64(ticks), "lists/tick")
	if in := e.ServiceInfo()[names[0]]; in.Restarts != 0 {
		b.Errorf("%s repaired %d times in steady state", names[0], in.Restarts)
	}
}
