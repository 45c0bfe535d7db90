package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// TestCostModelCountsReplicas: a module with a replicas range is weighed
// remotely as the replicas the measured load needs — their latency, calls
// split among them, and their memory against the budget — against its
// measured in-process latency. Each case measures both modes for a few
// ticks (one call per request) and checks where the model puts it.
func TestCostModelCountsReplicas(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		// calls per 1 s window (half measured in each mode); latency per
		// call in each mode (remote at one replica); the remote unloaded
		// latency.
		calls              uint64
		module, remote     time.Duration
		unloaded           time.Duration
		memMB, replicaMB   float64
		minR, maxR         int
		start, want        policy.Mode
		wantReplicas       int
		reason, notInCause string
	}{
		{
			// 200 calls/s of 10 ms: two replicas busy. In-process they
			// queue on one slot (40 ms); three replicas at 67% each answer
			// in about 30 ms.
			name: "three remote replicas beat in-process", calls: 200, module: 40 * ms, remote: 60 * ms, unloaded: 10 * ms,
			memMB: 500, replicaMB: 100, minR: 1, maxR: 4, start: policy.ModeModule, want: policy.ModeRemote,
			wantReplicas: 3, reason: "as 3 replicas",
		},
		{
			// 20 calls/s: one replica, barely busy, still pays the hop;
			// in-process is faster.
			name: "in-process beats a lightly loaded replica", calls: 20, module: 5 * ms, remote: 11 * ms, unloaded: 10 * ms,
			memMB: 500, replicaMB: 100, minR: 1, maxR: 4, start: policy.ModeRemote, want: policy.ModeModule,
			wantReplicas: 1,
		},
		{
			// Remote would be faster, but three replicas of 1.2 GB do not
			// fit in the 2.98 GB the budget leaves; 500 MB in-process does.
			name: "replicas that do not fit lose to in-process", calls: 200, module: 40 * ms, remote: 60 * ms, unloaded: 10 * ms,
			memMB: 500, replicaMB: 1200, minR: 1, maxR: 4, start: policy.ModeRemote, want: policy.ModeModule,
			wantReplicas: 3, reason: "remote replicas do not fit",
		},
		{
			// No range: one server, as measured (60 ms), costing nothing
			// of the budget; in-process (40 ms) wins.
			name: "without a range the measured server stands", calls: 200, module: 40 * ms, remote: 60 * ms, unloaded: 10 * ms,
			memMB: 500, replicaMB: 100, start: policy.ModeRemote, want: policy.ModeModule,
			notInCause: "replicas",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.New(policy.NameCostModel, nil)
			if err != nil {
				t.Fatal(err)
			}
			mode := tt.start
			var last policy.Decision
			var reasons []string
			for tick := 1; tick <= 4; tick++ {
				at := t0().Add(time.Duration(tick) * time.Second)
				mo := policy.ModuleObs{Name: "m", Mode: mode, MemMB: tt.memMB,
					Module:      policy.CallStats{Count: tt.calls / 2, Mean: tt.module, Bytes: tt.calls * 50},
					Remote:      policy.CallStats{Count: tt.calls / 2, Mean: tt.remote, Bytes: tt.calls * 50},
					MinReplicas: tt.minR, MaxReplicas: tt.maxR, Replicas: 1, ReplicaMemMB: tt.replicaMB, RemoteUnloaded: tt.unloaded}
				var mean time.Duration
				if mode == policy.ModeModule {
					mean = tt.module
				} else {
					mean = tt.remote
				}
				obs := policy.Observation{At: at, Window: time.Second, NodeMemMB: 4096, Modules: []policy.ModuleObs{mo},
					Apps: []policy.AppObs{{Name: "app", Requests: tt.calls, Mean: mean}}}
				last = p.Tick(obs)
				checkDecision(t, obs, last)
				for _, mv := range last.Moves {
					mode = mv.To
					reasons = append(reasons, mv.Reason)
				}
			}
			if mode != tt.want {
				t.Fatalf("placed %s, want %s (moves: %q; status: %s)", mode, tt.want, reasons, last.Status)
			}
			if len(last.Estimates) != 1 || last.Estimates[0].RemoteReplicas != tt.wantReplicas {
				t.Fatalf("estimates %+v: want remote counted as %d replicas", last.Estimates, tt.wantReplicas)
			}
			if e := last.Estimates[0]; e.RemoteMemMB != float64(tt.wantReplicas)*tt.replicaMB {
				t.Errorf("remote memory %v MB, want %d × %v", e.RemoteMemMB, tt.wantReplicas, tt.replicaMB)
			}
			all := strings.Join(reasons, "; ")
			if tt.reason != "" && !strings.Contains(all, tt.reason) {
				t.Errorf("reasons %q do not say %q", all, tt.reason)
			}
			if tt.notInCause != "" && strings.Contains(all, tt.notInCause) {
				t.Errorf("reasons %q mention %q", all, tt.notInCause)
			}
		})
	}
}
