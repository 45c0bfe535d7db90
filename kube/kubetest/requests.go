package kubetest

import (
	"net/http"
	"strings"
	"sync"
)

// RequestCounter counts API requests by kind: LIST, WATCH, GET, DISCOVERY,
// or the method (PATCH, POST, DELETE, ...). Install it with
// rest.Config.Wrap(counter.Wrap).
type RequestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

// NewRequestCounter returns a counter at zero.
func NewRequestCounter() *RequestCounter { return &RequestCounter{counts: map[string]int{}} }

// Wrap counts every request next carries.
func (rc *RequestCounter) Wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		rc.mu.Lock()
		rc.counts[Classify(req)]++
		rc.mu.Unlock()
		return next.RoundTrip(req)
	})
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
