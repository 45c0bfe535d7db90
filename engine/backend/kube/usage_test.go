package kube_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/engine"
)

// pathCounter counts the requests to one path of the API server.
type pathCounter struct {
	path string
	n    atomic.Int64
}

func (p *pathCounter) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == p.path {
			p.n.Add(1)
		}
		return next.RoundTrip(r)
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestKubeNoMetricsSource: on the lab's control plane, which serves no
// metrics.k8s.io (kwok, no metrics-server) and keeps no Prometheus alive
// here, a remote module's CPU and memory are "no metrics source", said
// plainly with both reasons in the stats and the description; the
// discovery check really asks the API server, once, not at every sample.
func TestKubeNoMetricsSource(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-metrics")
	disco := &pathCounter{path: "/apis/metrics.k8s.io/v1beta1"}
	rc := rest.CopyConfig(c.admin)
	rc.Wrap(disco.wrap)
	e := c.engine(kubeEngine{meta: testMeta(ns), rest: rc})
	ctx := ctxT(t)

	// Nothing is read while no module is remote.
	time.Sleep(2 * engine.SampleInterval)
	if n := disco.n.Load(); n != 0 || e.Stats(1).ServersNote != "" {
		t.Fatalf("with no remote module: %d discovery requests, note %q; want none", n, e.Stats(1).ServersNote)
	}

	if _, err := e.Load(ctx, "textenc", "remote", engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRemote(t, e, "textenc", 30*time.Second)
	const want = "no metrics source: the cluster serves no metrics.k8s.io"
	var note string
	eventually(t, 10*time.Second, "the stats say there is no metrics source", func() bool {
		note = e.Stats(1).ServersNote
		return strings.HasPrefix(note, want)
	})
	if !strings.Contains(note, "and jsorc's Prometheus (promon) is not kept alive") {
		t.Errorf("note %q does not say why Prometheus gives nothing", note)
	}
	t.Logf("stats: %s", note)
	if n := disco.n.Load(); n < 1 {
		t.Fatalf("the note came without asking the API server's discovery (%d requests)", n)
	}
	if _, ok := e.Stats(1).Servers["textenc"]; ok {
		t.Errorf("textenc has server figures without a source: %+v", e.Stats(1).Servers)
	}

	d, err := e.Describe(ctx, "textenc")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Metrics, want) {
		t.Errorf("describe says %q; want %q…", d.Metrics, want)
	}
	for _, p := range d.Pods {
		if p.Usage != nil {
			t.Errorf("pod %s has usage %+v without a source", p.Name, p.Usage)
		}
	}

	// Discovery is asked again every few minutes, not at each sample.
	asked := disco.n.Load()
	time.Sleep(4 * engine.SampleInterval)
	if n := disco.n.Load(); n != asked {
		t.Errorf("%d more discovery requests over 4 samples; want none until the re-check", n-asked)
	}
	if got := e.Stats(1).ServersNote; got != note {
		t.Errorf("note changed to %q", got)
	}
}
