package api

import (
	"slices"
	"testing"

	"github.com/jsorc/jsorc/api/types"
)

// TestRoutesCoverEndpoints: the server serves every endpoint of api/types,
// once, and nothing else: the table in api/types is the API.
func TestRoutesCoverEndpoints(t *testing.T) {
	var want []string
	for _, e := range types.Endpoints() {
		want = append(want, e.Name)
	}
	var got []string
	for _, r := range (handlers{}).routes() {
		if r.serve == nil || r.call == nil {
			t.Errorf("route %s has no handler", r.info.Name)
		}
		got = append(got, r.info.Name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("routes %v\nendpoints %v", got, want)
	}
}
