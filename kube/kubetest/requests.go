package kubetest

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// RequestCounter counts API requests by kind: LIST, WATCH, GET, DISCOVERY,
// or the method (PATCH, POST, DELETE, ...), and keeps the latency of each
// request but watches and port-forwards, which are streams (until its
// answer's headers). Install it with
// rest.Config.Wrap(counter.Wrap).
type RequestCounter struct {
	mu     sync.Mutex
	counts map[string]int
	lat    []time.Duration
}

// NewRequestCounter returns a counter at zero.
func NewRequestCounter() *RequestCounter { return &RequestCounter{counts: map[string]int{}} }

// Wrap counts every request next carries.
func (rc *RequestCounter) Wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		kind := Classify(req)
		rc.mu.Lock()
		rc.counts[kind]++
		rc.mu.Unlock()
		start := time.Now()
		resp, err := next.RoundTrip(req)
		if kind != "WATCH" && !strings.HasSuffix(req.URL.Path, "/portforward") {
			d := time.Since(start)
			rc.mu.Lock()
			rc.lat = append(rc.lat, d)
			rc.mu.Unlock()
		}
		return resp, err
	})
}

// Mark is the number of latencies kept so far, to pass to Quantile.
func (rc *RequestCounter) Mark() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.lat)
}

// Quantile is the q-quantile (0..1) of the latencies of the requests but
// watches and port-forwards made since mark, and how many there were.
func (rc *RequestCounter) Quantile(mark int, q float64) (time.Duration, int) {
	rc.mu.Lock()
	lat := slices.Clone(rc.lat[min(mark, len(rc.lat)):])
	rc.mu.Unlock()
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	i := min(int(q*float64(len(lat))), len(lat)-1)
	return lat[i], len(lat)
}

// Snapshot returns a copy of the counts.
func (rc *RequestCounter) Snapshot() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]int, len(rc.counts))
	for k, v := range rc.counts {
		out[k] = v
	}
	return out
}

// Since returns the requests made after the snapshot before, by kind, and
// their total.
func (rc *RequestCounter) Since(before map[string]int) (map[string]int, int) {
	diff := map[string]int{}
	total := 0
	for k, v := range rc.Snapshot() {
		if d := v - before[k]; d > 0 {
			diff[k] = d
			total += d
		}
	}
	return diff, total
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Classify names the kind of API request r is.
func Classify(r *http.Request) string {
	if r.Method != http.MethodGet {
		return r.Method
	}
	if w := r.URL.Query().Get("watch"); w == "true" || w == "1" {
		return "WATCH"
	}
	// /api/v1/namespaces/NS/RES[/NAME] and /apis/G/V/namespaces/NS/RES[/NAME]
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var rest []string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		rest = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		rest = parts[3:]
	default:
		return "DISCOVERY"
	}
	if len(rest) >= 2 && rest[0] == "namespaces" {
		rest = rest[2:]
	}
	switch len(rest) {
	case 0:
		return "DISCOVERY"
	case 1:
		return "LIST"
	}
	return "GET"
}
