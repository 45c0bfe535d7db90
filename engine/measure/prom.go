package measure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	"github.com/prometheus/common/model"
)

// DefaultPromTimeout bounds one [PromSource] query when the caller's context
// has no deadline.
const DefaultPromTimeout = 10 * time.Second

// DefaultPromWindow is the rate window used when a query is given none.
const DefaultPromWindow = time.Minute

// PromMetric names one series of a [PromQueries]: a metric and extra label
// matchers (comma-separated, without braces; may be empty).
type PromMetric struct {
	Name     string
	Matchers string
}

// PromQueries say which series give the per-server figures of tracksys and
// how they are grouped. CPU and the network metrics are counters, queried as
// rates; Mem is a gauge. Each query sums the series by GroupBy, keeping only
// series where that label is set, and Selector (if any) is added to every
// series' matchers.
type PromQueries struct {
	// GroupBy is the label naming an action server: "pod" on Kubernetes,
	// "job" or "instance" on the local backend.
	GroupBy string
	// Selector holds label matchers added to every series, for example
	// `namespace="default"` or `job=~"jsorc-.*"`.
	Selector string

	CPU, Mem, NetRecv, NetTran PromMetric
}

// KubeQueries returns JSORC's tracksys queries (DESIGN §8), grouped by pod:
// rates of container_cpu_usage_seconds_total and of
// container_network_{receive,transmit}_bytes_total and the sum of
// container_memory_working_set_bytes.
//
// Unlike JSORC's, the CPU and memory queries keep only the containers' own
// series (container!="", container!="POD"): the kubelet also exports the pod
// cgroup, whose series (container="") already holds the sum of its
// containers, so JSORC's sums counted every pod twice. Network series exist
// only at pod level and are summed as JSORC did.
func KubeQueries() PromQueries {
	containers := `container!="",container!="POD"`
	return PromQueries{
		GroupBy: "pod",
		CPU:     PromMetric{Name: "container_cpu_usage_seconds_total", Matchers: containers},
		Mem:     PromMetric{Name: "container_memory_working_set_bytes", Matchers: containers},
		NetRecv: PromMetric{Name: "container_network_receive_bytes_total"},
		NetTran: PromMetric{Name: "container_network_transmit_bytes_total"},
	}
}

// LocalQueries returns the queries for the local backend, where each action
// server is a process scraped by Prometheus and groupBy ("job" if empty, or
// "instance") names it. They read the standard process collector of
// client_golang: process_cpu_seconds_total, process_resident_memory_bytes and
// process_network_{receive,transmit}_bytes_total. The network counters are
// those of the process's network namespace, machine-wide on the local
// backend (see the package documentation).
func LocalQueries(groupBy string) PromQueries {
	if groupBy == "" {
		groupBy = "job"
	}
	return PromQueries{
		GroupBy: groupBy,
		CPU:     PromMetric{Name: "process_cpu_seconds_total"},
		Mem:     PromMetric{Name: "process_resident_memory_bytes"},
		NetRecv: PromMetric{Name: "process_network_receive_bytes_total"},
		NetTran: PromMetric{Name: "process_network_transmit_bytes_total"},
	}
}

// A PromSource samples tracksys figures from a Prometheus server through its
// HTTP API (github.com/prometheus/client_golang/api). It is immutable and
// safe for concurrent use.
type PromSource struct {
	client api.Client
	q      PromQueries
}

// NewPromSource returns a source querying the Prometheus at address (such as
// "http://127.0.0.1:9090") with [KubeQueries]; use With for others. It only
// parses the address: nothing is contacted until a query.
func NewPromSource(address string) (*PromSource, error) {
	return NewPromSourceVia(address, nil)
}

// NewPromSourceVia is NewPromSource whose connections are dialled by dial
// (nil: the default dialer), so a Prometheus in a cluster is reached
// through the backend's port-forwards from outside it.
func NewPromSourceVia(address string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*PromSource, error) {
	u, err := url.Parse(address)
	if err != nil {
		return nil, fmt.Errorf("prometheus address %q: %w", address, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("prometheus address %q: want http://HOST:PORT or https://HOST:PORT", address)
	}
	cfg := api.Config{Address: address}
	if dial != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = dial
		cfg.RoundTripper = t
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("prometheus address %q: %w", address, err)
	}
	return &PromSource{client: c, q: KubeQueries()}, nil
}

// With returns a source sharing p's connection but using the queries q.
func (p *PromSource) With(q PromQueries) *PromSource {
	return &PromSource{client: p.client, q: q}
}

// Queries returns the queries p uses.
func (p *PromSource) Queries() PromQueries {
	return p.q
}

// Expressions returns the four PromQL expressions Query evaluates, in the
// order CPU, memory, network received, network transmitted, with rates over
// window.
func (p *PromSource) Expressions(window time.Duration) [4]string {
	q := p.q
	w := promDuration(window)
	return [4]string{
		fmt.Sprintf("sum(rate(%s[%s])) by (%s)", q.series(q.CPU), w, q.GroupBy),
		fmt.Sprintf("sum(%s) by (%s)", q.series(q.Mem), q.GroupBy),
		fmt.Sprintf("sum(rate(%s[%s])) by (%s)", q.series(q.NetRecv), w, q.GroupBy),
		fmt.Sprintf("sum(rate(%s[%s])) by (%s)", q.series(q.NetTran), w, q.GroupBy),
	}
}

// series renders m as a series selector restricted to series with GroupBy
// set and to Selector.
func (q PromQueries) series(m PromMetric) string {
	parts := []string{q.GroupBy + `!=""`}
	for _, s := range []string{m.Matchers, q.Selector} {
		if s = strings.Trim(strings.TrimSpace(s), ","); s != "" {
			parts = append(parts, s)
		}
	}
	return m.Name + "{" + strings.Join(parts, ",") + "}"
}

// promDuration renders d as a PromQL range in whole seconds (at least 1 s;
// [DefaultPromWindow] if d <= 0). A rate needs two samples within the
// range, so it should span at least two scrape intervals.
func promDuration(d time.Duration) string {
	if d <= 0 {
		d = DefaultPromWindow
	}
	return strconv.FormatInt(max(1, int64(d.Round(time.Second)/time.Second)), 10) + "s"
}

// Query evaluates the four per-server queries at now (rates over window) and
// returns the figures of every server, keyed by the GroupBy label. A server
// missing from some query gets zero for that figure. Any failing query fails
// the whole answer, so that the caller can fall back to another source.
func (p *PromSource) Query(ctx context.Context, now time.Time, window time.Duration) (map[string]ProcStats, error) {
	exprs := p.Expressions(window)
	res, err := p.queryAll(ctx, now, exprs[:])
	if err != nil {
		return nil, err
	}
	out := map[string]ProcStats{}
	for i, vec := range res {
		for _, s := range vec {
			name := string(s.Metric[model.LabelName(p.q.GroupBy)])
			st := out[name]
			v := finite(float64(s.Value))
			switch i {
			case 0:
				st.CPUCores = v
			case 1:
				st.MemBytes = uint64(math.Round(max(0, v)))
			case 2:
				st.NetRecvBytes = v
			case 3:
				st.NetTranBytes = v
			}
			out[name] = st
		}
	}
	return out, nil
}

// NodeExpressions returns the PromQL expressions Nodes evaluates, in the
// order busy CPUs, CPU count, MemTotal, MemAvailable, Active. Busy CPU is
// JSORC's irate of node_cpu_seconds_total over non-idle modes (iowait, like
// idle, counts as not busy here, as in [ProcSampler.Node]), summed per node.
func NodeExpressions(window time.Duration) [5]string {
	w := promDuration(window)
	return [5]string{
		`sum(irate(node_cpu_seconds_total{mode!="idle",mode!="iowait"}[` + w + `])) by (instance)`,
		`count(node_cpu_seconds_total{mode="idle"}) by (instance)`,
		`sum(node_memory_MemTotal_bytes) by (instance)`,
		`sum(node_memory_MemAvailable_bytes) by (instance)`,
		`sum(node_memory_Active_bytes) by (instance)`,
	}
}

// Nodes evaluates the node queries (node_exporter's metrics) at now and
// returns the figures of every node, keyed by its instance label. JSORC's
// memory figure is MemActiveBytes/MemTotalBytes.
func (p *PromSource) Nodes(ctx context.Context, now time.Time, window time.Duration) (map[string]NodeStats, error) {
	exprs := NodeExpressions(window)
	res, err := p.queryAll(ctx, now, exprs[:])
	if err != nil {
		return nil, err
	}
	out := map[string]NodeStats{}
	for i, vec := range res {
		for _, s := range vec {
			name := string(s.Metric["instance"])
			n := out[name]
			v := max(0, finite(float64(s.Value)))
			switch i {
			case 0:
				n.CPUCores = v
			case 1:
				n.CPUCount = int(math.Round(v))
			case 2:
				n.MemTotalBytes = uint64(math.Round(v))
			case 3:
				n.MemAvailableBytes = uint64(math.Round(v))
			case 4:
				n.MemActiveBytes = uint64(math.Round(v))
			}
			out[name] = n
		}
	}
	for name, n := range out {
		if n.CPUCount > 0 {
			n.CPUUtilization = min(1, n.CPUCores/float64(n.CPUCount))
			out[name] = n
		}
	}
	return out, nil
}

// queryAll evaluates exprs concurrently at now.
func (p *PromSource) queryAll(ctx context.Context, now time.Time, exprs []string) ([]model.Vector, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultPromTimeout)
		defer cancel()
	}
	res := make([]model.Vector, len(exprs))
	errs := make([]error, len(exprs))
	var wg sync.WaitGroup
	for i, e := range exprs {
		wg.Go(func() {
			res[i], errs[i] = p.instant(ctx, now, e)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return res, nil
}

// promResponse is the envelope of the Prometheus HTTP API.
type promResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

// instant evaluates one instant query (GET /api/v1/query) and expects a
// vector.
func (p *PromSource) instant(ctx context.Context, now time.Time, expr string) (model.Vector, error) {
	u := p.client.URL("/api/v1/query", nil)
	v := url.Values{"query": {expr}}
	if !now.IsZero() {
		v.Set("time", strconv.FormatFloat(unixSeconds(now), 'f', 3, 64))
	}
	u.RawQuery = v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, body, err := p.client.Do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("prometheus query %s: %w", expr, err)
	}
	var r promResponse
	jerr := json.Unmarshal(body, &r)
	switch {
	case jerr == nil && r.Status == "error":
		return nil, fmt.Errorf("prometheus query %s: %s: %s (HTTP %d)", expr, r.ErrorType, r.Error, resp.StatusCode)
	case resp.StatusCode/100 != 2:
		return nil, fmt.Errorf("prometheus query %s: HTTP %s", expr, resp.Status)
	case jerr != nil:
		return nil, fmt.Errorf("prometheus query %s: decoding the answer: %w", expr, jerr)
	case r.Status != "success":
		return nil, fmt.Errorf("prometheus query %s: status %q", expr, r.Status)
	case r.Data.ResultType != "vector":
		return nil, fmt.Errorf("prometheus query %s: want a vector, got %q", expr, r.Data.ResultType)
	}
	var vec model.Vector
	if err := json.Unmarshal(r.Data.Result, &vec); err != nil {
		return nil, fmt.Errorf("prometheus query %s: decoding the vector: %w", expr, err)
	}
	return vec, nil
}

// finite maps NaN and ±Inf to 0.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
