package engine

import (
	"testing"

	"github.com/jsorc/jsorc/engine/backend"
)

// TestReplicaMem: a replica's memory is its measurement, else what its
// pod asks for, else local_mem_requirement, and a figure that is not a
// measurement says where it comes from and why nothing measured it.
func TestReplicaMem(t *testing.T) {
	req := backend.State{ReplicaMemBytes: 64 << 20, ReplicaMemFrom: "request"}
	lim := backend.State{ReplicaMemBytes: 256 << 20, ReplicaMemFrom: "limit"}
	tests := []struct {
		name       string
		measured   float64
		st         backend.State
		local      float64
		unmeasured string
		mb         float64
		note       string
	}{
		{"measured wins over the request", 80, req, 400, "", 80, ""},
		{"measured pods on kube", 80, req, 400, whyNotMeasured, 80, ""},
		{"the pod's request, no metrics source", 0, req, 400, whyNoMetrics, 64,
			"memory per replica from the pod's request (64 MB), no metrics source"},
		{"the pod's limit, no metrics source", 0, lim, 400, whyNoMetrics, 256,
			"memory per replica from the pod's limit (256 MB), no metrics source"},
		{"the pod's request before the first sample", 0, req, 400, whyNotMeasured, 64,
			"memory per replica from the pod's request (64 MB), not measured yet"},
		{"a pod asking for none: local_mem_requirement", 0, backend.State{}, 400, whyNoMetrics, 400,
			"memory per replica from local_mem_requirement (400 MB): the pod asks for none, no metrics source"},
		{"a small local_mem_requirement keeps its fraction", 0, backend.State{}, 2.5, whyNoMetrics, 2.5,
			"memory per replica from local_mem_requirement (2.5 MB): the pod asks for none, no metrics source"},
		{"local backend before its first sample: as before, no note", 0, backend.State{}, 400, "", 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mb, note := replicaMem(tc.measured, tc.st, tc.local, tc.unmeasured)
			if mb != tc.mb || note != tc.note {
				t.Errorf("replicaMem = %v, %q; want %v, %q", mb, note, tc.mb, tc.note)
			}
		})
	}
}
