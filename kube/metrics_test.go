package kube_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/kube"
)

// podMetricsList is a PodMetricsList of metrics.k8s.io/v1beta1 as
// metrics-server answers it (its fields, units and layout): two replicas
// of module qa, one of module enc, and a pod of someone else.
const podMetricsList = `{
  "kind": "PodMetricsList",
  "apiVersion": "metrics.k8s.io/v1beta1",
  "metadata": {},
  "items": [
    {
      "metadata": {"name": "jsorc-action-qa-6d8f7c9b5-x2x7q", "namespace": "NS", "creationTimestamp": "2026-12-04T21:00:03Z",
        "labels": {"app.kubernetes.io/instance": "jsorc-action-qa", "app.kubernetes.io/name": "jsorc-action-server", "pod-template-hash": "6d8f7c9b5"}},
      "timestamp": "2026-12-04T21:00:00Z",
      "window": "15.012s",
      "containers": [{"name": "action-server", "usage": {"cpu": "250000000n", "memory": "24576Ki"}}]
    },
    {
      "metadata": {"name": "jsorc-action-qa-6d8f7c9b5-k9z2m", "namespace": "NS", "creationTimestamp": "2026-12-04T21:00:03Z",
        "labels": {"app.kubernetes.io/instance": "jsorc-action-qa", "app.kubernetes.io/name": "jsorc-action-server", "pod-template-hash": "6d8f7c9b5"}},
      "timestamp": "2026-12-04T21:00:01Z",
      "window": "14.987s",
      "containers": [{"name": "action-server", "usage": {"cpu": "1234567n", "memory": "32Mi"}}]
    },
    {
      "metadata": {"name": "jsorc-action-enc-5f4d-abcde", "namespace": "NS", "creationTimestamp": "2026-12-04T21:00:03Z",
        "labels": {"app.kubernetes.io/instance": "jsorc-action-enc", "app.kubernetes.io/name": "jsorc-action-server"}},
      "timestamp": "2026-12-04T21:00:00Z",
      "window": "15s",
      "containers": [
        {"name": "action-server", "usage": {"cpu": "1", "memory": "1Gi"}},
        {"name": "sidecar", "usage": {"cpu": "5m", "memory": "4Mi"}}
      ]
    },
    {
      "metadata": {"name": "web-1", "namespace": "NS", "labels": {"app": "web"}},
      "timestamp": "2026-12-04T21:00:00Z",
      "window": "15s",
      "containers": [{"name": "web", "usage": {"cpu": "3", "memory": "3Gi"}}]
    }
  ]
}`

// metricsStandIn is a loopback HTTP server that answers the two requests
// the reader makes of the metrics API as metrics-server (behind the API
// server's aggregation) answers them: the discovery document of
// metrics.k8s.io/v1beta1 and the PodMetricsList of a namespace. It stands
// in for metrics-server because the lab's control plane (kwok) has none;
// it is a real HTTP server the real client-go talks to, not a fake
// clientset. When forbid is set it answers 403 as an API server does to a
// Role without the rule.
type metricsStandIn struct {
	*httptest.Server
	ns       string
	lists    atomic.Int64
	selector atomic.Value // the labelSelector of the last list
	forbid   atomic.Bool
}

func newMetricsStandIn(t *testing.T, ns string) *metricsStandIn {
	s := &metricsStandIn{ns: ns}
	s.selector.Store("")
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/apis/metrics.k8s.io/v1beta1":
			_, _ = w.Write([]byte(`{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"metrics.k8s.io/v1beta1","resources":[` +
				`{"name":"nodes","singularName":"","namespaced":false,"kind":"NodeMetrics","verbs":["get","list"]},` +
				`{"name":"pods","singularName":"","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]}]}`))
		case "/apis/metrics.k8s.io/v1beta1/namespaces/" + s.ns + "/pods":
			if s.forbid.Load() {
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
					`"message":"pods.metrics.k8s.io is forbidden: User \"system:serviceaccount:` + s.ns + `:jsorc\" cannot list resource \"pods\" in API group \"metrics.k8s.io\" in the namespace \"` + s.ns + `\"",` +
					`"reason":"Forbidden","details":{"group":"metrics.k8s.io","kind":"pods"},"code":403}`))
				return
			}
			s.lists.Add(1)
			s.selector.Store(r.URL.Query().Get("labelSelector"))
			_, _ = w.Write([]byte(strings.ReplaceAll(podMetricsList, `"NS"`, `"`+s.ns+`"`)))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404}`))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func TestMetricsReaderAgainstMetricsServerStandIn(t *testing.T) {
	const ns = "jsorc-metrics"
	s := newMetricsStandIn(t, ns)
	m, err := kube.NewMetricsReader(&rest.Config{Host: s.URL}, ns)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if err := m.Served(ctx); err != nil {
		t.Fatalf("Served: %v; the stand-in serves metrics.k8s.io/v1beta1 pods", err)
	}
	pods, err := m.PodMetrics(ctx, "app.kubernetes.io/name=jsorc-action-server")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.selector.Load(); got != "app.kubernetes.io/name=jsorc-action-server" {
		t.Errorf("the list asked for selector %q", got)
	}
	if len(pods) != 4 {
		t.Fatalf("%d pods; want the 4 of the list: %+v", len(pods), pods)
	}
	byName := map[string]kube.PodUsage{}
	for _, p := range pods {
		byName[p.Name] = p
	}
	first := byName["jsorc-action-qa-6d8f7c9b5-x2x7q"]
	if first.CPUNano/1e6 != 250 || first.MemBytes != 24576*1024 || first.Window != 15012*time.Millisecond ||
		!first.At.Equal(time.Date(2026, 12, 4, 21, 0, 0, 0, time.UTC)) {
		t.Errorf("first qa pod: %+v; want 250 millicores, 24576Ki, window 15.012s at 21:00:00", first)
	}
	if enc := byName["jsorc-action-enc-5f4d-abcde"]; enc.CPUNano != 1_005_000_000 || enc.MemBytes != (1<<30)+(4<<20) {
		t.Errorf("enc pod (two containers): %+v; want 1005 millicores and 1Gi+4Mi", enc)
	}

	owners := []kube.OwnerSelector{
		{Owner: "qa", Selector: labels.SelectorFromSet(labels.Set{"app.kubernetes.io/instance": "jsorc-action-qa"})},
		{Owner: "enc", Selector: labels.SelectorFromSet(labels.Set{"app.kubernetes.io/instance": "jsorc-action-enc"})},
	}
	sums, podOwner := kube.SumByOwner(pods, owners, nil)
	qa := sums["qa"]
	if qa.Pods != 2 || qa.CPUNano != 251_234_567 || qa.MemBytes != 24576*1024+32<<20 {
		t.Errorf("qa summed: %+v; want 2 pods, 251.234567 millicores, 24Mi+32Mi", qa)
	}
	if c := qa.Cores(); c < 0.2512 || c > 0.2513 {
		t.Errorf("qa cores %v; want 0.2512…", c)
	}
	if sums["enc"].Pods != 1 || len(sums) != 2 || podOwner["web-1"] != "" {
		t.Errorf("sums %+v, owners %v: want qa and enc only, the web pod nobody's", sums, podOwner)
	}

	s.forbid.Store(true)
	_, err = m.PodMetrics(ctx, "")
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "get, list on pods.metrics.k8s.io") {
		t.Errorf("a refused list: %v; want Forbidden naming the rule the Role needs", err)
	}

	// An API server without the group answers its discovery with 404.
	bare := httptest.NewServer(http.NotFoundHandler())
	defer bare.Close()
	none, err := kube.NewMetricsReader(&rest.Config{Host: bare.URL}, ns)
	if err != nil {
		t.Fatal(err)
	}
	if err := none.Served(ctx); !errors.Is(err, kube.ErrNoMetricsAPI) {
		t.Errorf("Served without the group: %v; want ErrNoMetricsAPI", err)
	}
}

func TestMetricsAPIDiscoveryOnTheControlPlane(t *testing.T) {
	c := needCluster(t)
	ctx := ctxTimeout(t, 30*time.Second)
	engineCfg := c.engineCredentials(ctx, c.ns)
	kc := c.client(engineCfg, c.ns, nil)
	m := kc.Metrics()
	start := time.Now()
	err := m.Served(ctx)
	took := time.Since(start)
	// The lab's control plane (kwok) runs no metrics-server: discovery
	// must say so, from the API server's answer.
	if !errors.Is(err, kube.ErrNoMetricsAPI) {
		t.Fatalf("Served on the control plane: %v; want ErrNoMetricsAPI (it has no metrics-server)", err)
	}
	if !strings.Contains(err.Error(), "serves no metrics.k8s.io") {
		t.Errorf("the answer does not say it plainly: %v", err)
	}
	t.Logf("discovery answered in %v: %v", took, err)

	// The Role lets the engine list PodMetrics in its namespace: the API
	// server authorises the request and answers that the group is not
	// there (404), not that it is refused (403).
	_, err = m.PodMetrics(ctx, "")
	if err == nil || apierrors.IsForbidden(err) || !apierrors.IsNotFound(err) {
		t.Errorf("PodMetrics with the Role: %v; want NotFound, not Forbidden", err)
	}
	other := c.namespace("jsorc-test-other")
	kcOther, err := kube.New(ctx, kube.Config{REST: rest.CopyConfig(engineCfg), Namespace: other})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kcOther.Metrics().PodMetrics(ctx, ""); !apierrors.IsForbidden(err) {
		t.Errorf("PodMetrics in another namespace: %v; want Forbidden", err)
	}
}

// BenchmarkPodMetricsRead is the cost of one sample's reading of the
// metrics API in the engine: one list of 200 pods' PodMetrics from the
// loopback stand-in of metrics-server, decoded, and summed per module.
func BenchmarkPodMetricsRead(b *testing.B) {
	const ns, pods = "jsorc-bench", 200
	var items []string
	for i := range pods {
		items = append(items, fmt.Sprintf(`{"metadata":{"name":"jsorc-action-m%d-6d8f7c9b5-x2x7q","namespace":%q,`+
			`"labels":{"app.kubernetes.io/instance":"jsorc-action-m%d","app.kubernetes.io/name":"jsorc-action-server"}},`+
			`"timestamp":"2026-12-04T21:00:00Z","window":"15.012s",`+
			`"containers":[{"name":"action-server","usage":{"cpu":"%dn","memory":"%dKi"}}]}`, i%100, ns, i%100, 1000000*i, 20000+i))
	}
	body := `{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[` + strings.Join(items, ",") + `]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	m, err := kube.NewMetricsReader(&rest.Config{Host: srv.URL, QPS: -1}, ns)
	if err != nil {
		b.Fatal(err)
	}
	owners := make([]kube.OwnerSelector, 100)
	for i := range owners {
		owners[i] = kube.OwnerSelector{Owner: fmt.Sprintf("m%d", i),
			Selector: labels.SelectorFromSet(labels.Set{"app.kubernetes.io/instance": fmt.Sprintf("jsorc-action-m%d", i)})}
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		got, err := m.PodMetrics(ctx, "")
		if err != nil || len(got) != pods {
			b.Fatalf("%d pods, %v", len(got), err)
		}
		if sums, _ := kube.SumByOwner(got, owners, nil); len(sums) != 100 {
			b.Fatalf("%d modules", len(sums))
		}
	}
}
