package engine

import (
	"fmt"
	"strings"

	"github.com/jsorc/jsorc/engine/backend"
)

// Unmeasured replica memory: why a remote module's replicas have no
// measured memory at a tick, said in the autoscaler's reasons.
const (
	whyNoMetrics   = "no metrics source"
	whyNotMeasured = "not measured yet"
)

// replicaMem is what one remote replica of a module costs of the memory
// budget, in MB, and, when that is not a measurement, where the figure
// comes from, for the autoscaler's reasons: the replica's measured memory
// (measuredMB > 0); else the memory its pod asks for (st's
// ReplicaMemBytes: the Deployment's memory request, else its limit); else
// the config's local_mem_requirement (localMB). unmeasured says why
// nothing measured the replica (whyNoMetrics, whyNotMeasured); it is ""
// on a backend whose replicas are processes the engine measures itself,
// where local_mem_requirement stands in until the first sample without a
// note.
func replicaMem(measuredMB float64, st backend.State, localMB float64, unmeasured string) (mb float64, note string) {
	switch {
	case measuredMB > 0:
		return measuredMB, ""
	case st.ReplicaMemBytes > 0:
		if unmeasured == "" {
			unmeasured = whyNotMeasured
		}
		mb = float64(st.ReplicaMemBytes) / (1 << 20)
		from := st.ReplicaMemFrom
		if from == "" {
			from = "request"
		}
		return mb, fmt.Sprintf("memory per replica from the pod's %s (%s), %s", from, mbText(mb), unmeasured)
	case unmeasured != "":
		return localMB, fmt.Sprintf("memory per replica from local_mem_requirement (%s): the pod asks for none, %s", mbText(localMB), unmeasured)
	}
	return localMB, ""
}

// mbText renders megabytes without a spurious fraction.
func mbText(mb float64) string {
	if mb >= 10 {
		return fmt.Sprintf("%.0f MB", mb)
	}
	return fmt.Sprintf("%.1f MB", mb)
}

// replicaMemWhy says why the replicas of a tick have no measured memory:
// "" when the backend runs them as processes the engine measures (local),
// whyNoMetrics when the pods' reading found no metrics source (podsNote),
// else whyNotMeasured.
func (e *Engine) replicaMemWhy(podsNote string) string {
	if _, pods := e.backend().(backend.UsageReader); !pods {
		return ""
	}
	if strings.HasPrefix(podsNote, noMetricsSource) {
		return whyNoMetrics
	}
	return whyNotMeasured
}

// measuredMB is the memory the tick measured of module name's server
// (replica 0's process, or its pods), in MB; 0 when unmeasured.
func measuredMB(t policyTick, name string) float64 {
	if s, ok := t.servers[name]; ok && s.MemBytes > 0 {
		return float64(s.MemBytes) / (1 << 20)
	}
	return 0
}
