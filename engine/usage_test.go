package engine_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/backend/fake"
	"github.com/jsorc/jsorc/engine/enginetest"
	"github.com/jsorc/jsorc/engine/services"
)

// podsBackend is the fake backend running its servers "as pods": it
// answers the engine's usage reads with reading (or err) and lists one pod
// per module, as the kube backend does from the metrics API and its
// informer cache; reads counts the reads.
type podsBackend struct {
	*fake.Backend
	reading backend.UsageReading
	err     error
	reads   atomic.Int64
}

func (p *podsBackend) Open(context.Context, backend.Env) (backend.Backend[services.Definition, services.Info], error) {
	return p, nil
}

func (p *podsBackend) ReadUsage(context.Context) (backend.UsageReading, error) {
	p.reads.Add(1)
	return p.reading, p.err
}

func (p *podsBackend) Pods(owner string, _ bool) ([]backend.Pod, int, int) {
	return []backend.Pod{{Name: owner + "-pod-a", Phase: "Running", Ready: true}, {Name: owner + "-pod-b", Phase: "Running", Ready: true}}, 2, 2
}

// TestPodUsageFeedsStatsAndGraphs: the figures a backend reads of its
// pods (the metrics API's, summed per module) reach the stats (MEM MB of
// the table), the module's graph history with their source, the engine's
// "engine + all action servers" series, and each pod's line of describe;
// nothing is read while no module is remote.
func TestPodUsageFeedsStatsAndGraphs(t *testing.T) {
	pb := &podsBackend{Backend: fake.New(nil), reading: backend.UsageReading{
		Source: types.SourceMetricsAPI,
		Owners: map[string]backend.Usage{"echo": {CPUCores: 0.75, MemBytes: 96 << 20, Pods: 2}},
		Pods: map[string]backend.Usage{"echo-pod-a": {CPUCores: 0.5, MemBytes: 64 << 20, Pods: 1},
			"echo-pod-b": {CPUCores: 0.25, MemBytes: 32 << 20, Pods: 1}},
	}}
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: pb}).Engine
	time.Sleep(2 * engine.SampleInterval)
	if n := pb.reads.Load(); n != 0 {
		t.Errorf("%d usage reads with no remote module; want none", n)
	}
	load(t, e, "echo", "remote")

	var st engine.Stats
	waitFor(t, 10*time.Second, "echo's pods in the stats", func() bool {
		st = e.Stats(1)
		return st.Servers["echo"].MemBytes == 96<<20
	})
	if s := st.Servers["echo"]; s.CPUCores != 0.75 || st.ServersSource != types.SourceMetricsAPI || st.ServersNote != "" {
		t.Errorf("stats: echo %+v from %q, note %q; want 0.75 cores from metrics.k8s.io, no note", s, st.ServersSource, st.ServersNote)
	}
	if last := st.Series[len(st.Series)-1]; last.CPUCores < 0.75 || last.MemBytes < 96<<20 {
		t.Errorf("the engine's sample %+v leaves the pods out", last)
	}
	pts := e.History("echo", time.Time{}, 0)
	if len(pts) == 0 || pts[len(pts)-1].CPUCores != 0.75 || pts[len(pts)-1].SysSource != types.SourceMetricsAPI {
		t.Errorf("echo's graph history %+v; want 0.75 cores from metrics.k8s.io", pts)
	}
	d, err := e.Describe(context.Background(), "echo")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Metrics, "from metrics.k8s.io, summed over its 2 pod(s)") {
		t.Errorf("describe says %q", d.Metrics)
	}
	if len(d.Pods) != 2 || d.Pods[0].Usage == nil || d.Pods[0].Usage.MemBytes != 64<<20 || d.Pods[1].Usage.CPUCores != 0.25 {
		t.Errorf("pods %+v; want each with its own figures", d.Pods)
	}
}

// TestPodUsageFallsBackToPrometheus: without the metrics API the pods'
// figures come from the kept-alive Prometheus's process metrics of each
// server (by job: the module); without either the engine says so, with
// both reasons, and asks that Prometheus again only every 15 s.
func TestPodUsageFallsBackToPrometheus(t *testing.T) {
	var answer atomic.Bool
	var queries atomic.Int64
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries.Add(1)
		_ = r.ParseForm()
		q := r.Form.Get("query")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case !answer.Load():
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"error","errorType":"unavailable","error":"starting"}`))
		case strings.Contains(q, "process_cpu_seconds_total"):
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"echo"},"value":[1,"0.125"]}]}}`))
		case strings.Contains(q, "process_resident_memory_bytes"):
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"echo"},"value":[1,"41943040"]}]}}`))
		default:
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
		}
	}))
	defer prom.Close()
	noAPI := backend.Errorf(backend.ErrNoUsageSource, "the cluster serves no metrics.k8s.io (discovery has no metrics.k8s.io/v1beta1)")
	pb := &podsBackend{Backend: fake.New(map[string]string{"promon": prom.URL}), err: noAPI}
	e := enginetest.Start(t, engine.Options{DataDir: t.TempDir(), Backend: pb}).Engine
	keep := func(services string) {
		t.Helper()
		if err := e.ConfigSet(context.Background(), engine.MetaConfigName, `{"keep_alive": [`+services+`]}`); err != nil {
			t.Fatal(err)
		}
		if err := e.ServiceRefresh(context.Background(), "meta"); err != nil {
			t.Fatal(err)
		}
	}
	keep("")
	load(t, e, "echo", "remote")

	// promon not kept alive: both reasons.
	waitFor(t, 10*time.Second, "a note without a source", func() bool { return e.Stats(1).ServersNote != "" })
	want := "no metrics source: the cluster serves no metrics.k8s.io (discovery has no metrics.k8s.io/v1beta1) and jsorc's Prometheus (promon) is not kept alive"
	if got := e.Stats(1).ServersNote; got != want {
		t.Errorf("note %q; want %q", got, want)
	}
	if !errors.Is(pb.err, backend.ErrNoUsageSource) {
		t.Fatal("the test's error lost its kind")
	}

	// promon kept alive but failing: its first error, and no query per
	// second.
	keep(`"promon"`)
	waitFor(t, 20*time.Second, "the note names Prometheus's failure", func() bool {
		return strings.Contains(e.Stats(1).ServersNote, "jsorc's Prometheus (promon) does not answer: prometheus query")
	})
	if note := e.Stats(1).ServersNote; strings.Contains(note, "\n") || !strings.Contains(note, "(HTTP 503)") {
		t.Errorf("note %q; want one line ending with the HTTP status", note)
	}
	before := queries.Load()
	time.Sleep(3 * engine.SampleInterval)
	if n := queries.Load() - before; n != 0 {
		t.Errorf("%d Prometheus queries in 3 samples after it failed; want none until the retry", n)
	}

	// Prometheus answers: its figures, by job.
	answer.Store(true)
	var st engine.Stats
	waitFor(t, 25*time.Second, "echo's figures from Prometheus", func() bool {
		st = e.Stats(1)
		return st.Servers["echo"].MemBytes == 40<<20
	})
	if st.Servers["echo"].CPUCores != 0.125 || st.ServersSource != types.SourcePrometheus || st.ServersNote != "" {
		t.Errorf("stats %+v from %q, note %q", st.Servers["echo"], st.ServersSource, st.ServersNote)
	}
}

// waitFor fails the test unless cond holds within d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: no %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
