package measure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
)

// fakeProm answers /api/v1/query like Prometheus, from canned vectors keyed
// by the exact query expression; unknown expressions get an empty vector.
type fakeProm struct {
	t       *testing.T
	answers map[string][]sample
	// raw, if set, answers every query with this status and body.
	rawStatus int
	raw       string

	mu    sync.Mutex
	seen  []string // expressions asked, in no particular order
	times []string
}

type sample struct {
	labels map[string]string
	value  string
}

func (f *fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/query" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query().Get("query")
	f.mu.Lock()
	f.seen = append(f.seen, q)
	f.times = append(f.times, r.URL.Query().Get("time"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if f.raw != "" {
		w.WriteHeader(f.rawStatus)
		fmt.Fprint(w, f.raw)
		return
	}
	type result struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	}
	res := []result{}
	for _, s := range f.answers[q] {
		res = append(res, result{Metric: s.labels, Value: [2]any{1740830400.5, s.value}})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": "vector", "result": res},
	})
}

func TestPromExpressions(t *testing.T) {
	src, err := measure.NewPromSource("http://prometheus.example:9090")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		src    *measure.PromSource
		window time.Duration
		want   [4]string
	}{
		{"kube", src, 30 * time.Second, [4]string{
			`sum(rate(container_cpu_usage_seconds_total{pod!="",container!="",container!="POD"}[30s])) by (pod)`,
			`sum(container_memory_working_set_bytes{pod!="",container!="",container!="POD"}) by (pod)`,
			`sum(rate(container_network_receive_bytes_total{pod!=""}[30s])) by (pod)`,
			`sum(rate(container_network_transmit_bytes_total{pod!=""}[30s])) by (pod)`,
		}},
		{"local by job, default window", src.With(measure.LocalQueries("")), 0, [4]string{
			`sum(rate(process_cpu_seconds_total{job!=""}[60s])) by (job)`,
			`sum(process_resident_memory_bytes{job!=""}) by (job)`,
			`sum(rate(process_network_receive_bytes_total{job!=""}[60s])) by (job)`,
			`sum(rate(process_network_transmit_bytes_total{job!=""}[60s])) by (job)`,
		}},
		{"local by instance with a selector", src.With(func() measure.PromQueries {
			q := measure.LocalQueries("instance")
			q.Selector = `job=~"jsorc-.*",`
			return q
		}()), 1500 * time.Millisecond, [4]string{
			`sum(rate(process_cpu_seconds_total{instance!="",job=~"jsorc-.*"}[2s])) by (instance)`,
			`sum(process_resident_memory_bytes{instance!="",job=~"jsorc-.*"}) by (instance)`,
			`sum(rate(process_network_receive_bytes_total{instance!="",job=~"jsorc-.*"}[2s])) by (instance)`,
			`sum(rate(process_network_transmit_bytes_total{instance!="",job=~"jsorc-.*"}[2s])) by (instance)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.src.Expressions(tt.window); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got[:], "\n"), strings.Join(tt.want[:], "\n"))
			}
		})
	}
}

func TestNewPromSourceErrors(t *testing.T) {
	for _, addr := range []string{"", "localhost:9090", "ftp://x", "http://", "http://[::1"} {
		if _, err := measure.NewPromSource(addr); err == nil {
			t.Errorf("NewPromSource(%q): no error", addr)
		}
	}
}

func TestPromQuery(t *testing.T) {
	src0, _ := measure.NewPromSource("http://unused")
	kube := src0.Expressions(time.Minute)
	local := src0.With(measure.LocalQueries("job")).Expressions(time.Minute)
	pod := func(name string) map[string]string { return map[string]string{"pod": name} }
	job := func(name string) map[string]string { return map[string]string{"job": name} }
	tests := []struct {
		name    string
		queries measure.PromQueries
		answers map[string][]sample
		want    map[string]measure.ProcStats
	}{
		{
			name:    "kube pods",
			queries: measure.KubeQueries(),
			answers: map[string][]sample{
				kube[0]: {{pod("use-qa-7d9f"), "0.75"}, {pod("redis-0"), "0.01"}},
				kube[1]: {{pod("use-qa-7d9f"), "2.147483648e+09"}, {pod("redis-0"), "5242880"}},
				kube[2]: {{pod("use-qa-7d9f"), "1024.5"}},
				kube[3]: {{pod("use-qa-7d9f"), "2048"}, {pod("redis-0"), "NaN"}},
			},
			want: map[string]measure.ProcStats{
				"use-qa-7d9f": {CPUCores: 0.75, MemBytes: 2147483648, NetRecvBytes: 1024.5, NetTranBytes: 2048},
				"redis-0":     {CPUCores: 0.01, MemBytes: 5242880},
			},
		},
		{
			name:    "local jobs, one only in memory",
			queries: measure.LocalQueries("job"),
			answers: map[string][]sample{
				local[0]: {{job("textenc"), "1.25"}},
				local[1]: {{job("textenc"), "104857600"}, {job("echo"), "20971520"}},
			},
			want: map[string]measure.ProcStats{
				"textenc": {CPUCores: 1.25, MemBytes: 104857600},
				"echo":    {MemBytes: 20971520},
			},
		},
		{
			name:    "nothing scraped",
			queries: measure.KubeQueries(),
			want:    map[string]measure.ProcStats{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp := &fakeProm{t: t, answers: tt.answers}
			srv := httptest.NewServer(fp)
			defer srv.Close()
			src, err := measure.NewPromSource(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			src = src.With(tt.queries)
			at := time.Unix(1740830400, 250e6)
			got, err := src.Query(context.Background(), at, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for k, w := range tt.want {
				if !statsNear(got[k], w) {
					t.Errorf("%s: got %+v, want %+v", k, got[k], w)
				}
			}
			if len(fp.seen) != 4 {
				t.Errorf("%d queries made, want 4", len(fp.seen))
			}
			for _, ts := range fp.times {
				if ts != "1740830400.250" {
					t.Errorf("query time %q, want 1740830400.250", ts)
				}
			}
		})
	}
}

func TestPromQueryErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"bad query", 400, `{"status":"error","errorType":"bad_data","error":"parse error at char 5"}`, "bad_data: parse error at char 5"},
		{"unavailable", 503, `{"status":"error","errorType":"unavailable","error":"not ready"}`, "unavailable: not ready"},
		{"not JSON", 502, `<html>bad gateway</html>`, "HTTP 502"},
		{"garbage with 200", 200, `{"status":`, "decoding"},
		{"matrix instead of vector", 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`, `want a vector, got "matrix"`},
		{"bad sample", 200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":"x"}]}}`, "decoding the vector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&fakeProm{t: t, rawStatus: tt.status, raw: tt.body})
			defer srv.Close()
			src, err := measure.NewPromSource(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := src.Query(context.Background(), time.Now(), time.Minute); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if _, err := src.Nodes(context.Background(), time.Now(), time.Minute); err == nil {
				t.Fatal("Nodes: no error")
			}
		})
	}
}

func TestPromUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens there any more
	src, err := measure.NewPromSource(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := src.Query(ctx, time.Now(), time.Minute); err == nil {
		t.Fatal("no error from an unreachable Prometheus")
	}

	// A Prometheus that never answers: the caller's deadline wins.
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(block)
	src, _ = measure.NewPromSource(slow.URL)
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := src.Query(ctx, time.Now(), time.Minute); err == nil {
		t.Fatal("no error from a Prometheus that never answers")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("query took %v despite a 100 ms deadline", d)
	}
}

func TestPromNodes(t *testing.T) {
	e := measure.NodeExpressions(10 * time.Minute)
	if e[0] != `sum(irate(node_cpu_seconds_total{mode!="idle",mode!="iowait"}[600s])) by (instance)` {
		t.Errorf("node CPU expression %s", e[0])
	}
	inst := func(name string) map[string]string { return map[string]string{"instance": name} }
	fp := &fakeProm{t: t, answers: map[string][]sample{
		e[0]: {{inst("n1:9100"), "1.5"}, {inst("n2:9100"), "0.5"}},
		e[1]: {{inst("n1:9100"), "2"}, {inst("n2:9100"), "4"}},
		e[2]: {{inst("n1:9100"), "8589934592"}, {inst("n2:9100"), "17179869184"}},
		e[3]: {{inst("n1:9100"), "4294967296"}},
		e[4]: {{inst("n1:9100"), "1073741824"}},
	}}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	src, err := measure.NewPromSource(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	got, err := src.Nodes(context.Background(), time.Now(), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]measure.NodeStats{
		"n1:9100": {CPUCount: 2, CPUCores: 1.5, CPUUtilization: 0.75, MemTotalBytes: 8 << 30, MemAvailableBytes: 4 << 30, MemActiveBytes: 1 << 30},
		"n2:9100": {CPUCount: 4, CPUCores: 0.5, CPUUtilization: 0.125, MemTotalBytes: 16 << 30},
	}
	if len(got) != len(want) || got["n1:9100"] != want["n1:9100"] || got["n2:9100"] != want["n2:9100"] {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}
