package policy

import "math"

// Remote replicas in the cost model. A module with a replicas range runs
// as many remote replicas as the autoscaler gives it; the model plans with
// the count the autoscaler settles on for the measured load, and charges
// remote mode that many replicas' latency and memory:
//
//   - the offered load is ρ = calls per second × the unloaded latency U,
//     taken whole as the time a call holds a replica (the hop in it makes
//     the estimate err on the busy side; the model's hop estimate, from
//     means that may hold queueing, is no safer a thing to subtract):
//     ρ replicas would be busy all the time;
//   - the replicas are N = ⌈ρ / replicaTargetUtil⌉ within the range;
//   - calls split across them, each replica a queue at utilisation
//     u = ρ/N (capped at replicaMaxUtil): the latency is U/(1−u);
//   - remote mode costs N × the replica's memory of the budget.
//
// A module without a range, or whose unloaded latency is not known yet,
// keeps its measured remote latency and costs nothing remotely.

// replicaTargetUtil is the utilisation the autoscaler keeps replicas at,
// roughly (a replica per call in flight, scaled at 1.5× the unloaded
// latency); replicaMaxUtil caps the utilisation of a saturated plan, so
// its estimate stays finite.
const (
	replicaTargetUtil = 0.7
	replicaMaxUtil    = 0.95
)

// replicaPlan is remote mode of a module with replicas as the model sees
// it: the replicas it would run, their latency per call and memory.
type replicaPlan struct {
	n     int
	ms    float64
	memMB float64
}

// planReplicas estimates remote mode with replicas for module m, whose
// calls arrive at rate per second. ok is false when the module has no
// range or its unloaded latency is unknown.
func planReplicas(m ModuleObs, rate float64) (replicaPlan, bool) {
	if m.MaxReplicas <= 0 || m.RemoteUnloaded <= 0 {
		return replicaPlan{}, false
	}
	u := ms(m.RemoteUnloaded)
	rho := rate * u / 1000
	lo, hi := max(m.MinReplicas, 1), max(m.MaxReplicas, m.MinReplicas, 1)
	n := min(max(int(math.Ceil(rho/replicaTargetUtil-1e-9)), lo), hi)
	util := min(rho/float64(n), replicaMaxUtil)
	return replicaPlan{n: n, ms: u / (1 - util), memMB: float64(n) * m.ReplicaMemMB}, true
}
