package kube_test

import (
	"strings"
	"testing"

	"github.com/jsorc/jsorc/kube"
)

// deploymentWith is a Deployment object whose pod has the containers
// given as their resources.
func deploymentWith(resources ...map[string]any) map[string]any {
	ctrs := make([]any, len(resources))
	for i, r := range resources {
		ctrs[i] = map[string]any{"name": "c" + string(rune('0'+i)), "image": "x", "resources": r}
	}
	return map[string]any{"kind": "Deployment", "spec": map[string]any{
		"template": map[string]any{"spec": map[string]any{"containers": ctrs}}}}
}

// TestPodMemoryOf: a pod asks for the sum of its containers' memory
// requests, a container without a request counting its limit.
func TestPodMemoryOf(t *testing.T) {
	mem := func(kind, q string) map[string]any { return map[string]any{kind: map[string]any{"memory": q}} }
	tests := []struct {
		name  string
		dep   map[string]any
		bytes int64
		from  string
		err   string
	}{
		{"no containers", map[string]any{"kind": "Deployment"}, 0, "", ""},
		{"no resources", deploymentWith(map[string]any{}), 0, "", ""},
		{"CPU only", deploymentWith(map[string]any{"requests": map[string]any{"cpu": "100m"}}), 0, "", ""},
		{"a request", deploymentWith(mem("requests", "64Mi")), 64 << 20, "request", ""},
		{"a request beside a bigger limit", deploymentWith(map[string]any{
			"requests": map[string]any{"memory": "64Mi"}, "limits": map[string]any{"memory": "1Gi"}}), 64 << 20, "request", ""},
		{"a limit alone", deploymentWith(mem("limits", "128M")), 128e6, "limit", ""},
		{"two containers summed", deploymentWith(mem("requests", "64Mi"), mem("requests", "32Mi")), 96 << 20, "request", ""},
		{"one with a request, one with a limit", deploymentWith(mem("requests", "64Mi"), mem("limits", "32Mi")), 96 << 20, "request and limit", ""},
		{"one asking for none", deploymentWith(mem("requests", "64Mi"), map[string]any{}), 64 << 20, "request", ""},
		{"a number of bytes", deploymentWith(map[string]any{"requests": map[string]any{"memory": int64(1 << 20)}}), 1 << 20, "request", ""},
		{"a bad quantity", deploymentWith(mem("requests", "lots")), 0, "", `container c0: resources.requests.memory "lots"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := kube.PodMemoryOf(tc.dep)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || got.Bytes != tc.bytes || got.From != tc.from {
				t.Errorf("PodMemoryOf = %+v, %v; want %d bytes from %q", got, err, tc.bytes, tc.from)
			}
		})
	}
}
