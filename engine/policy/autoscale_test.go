package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// replicaLoad is a module "m" with replicas r (all ready) in [1, 8], carrying
// outstanding calls at latency lat against an unloaded 10 ms.
func replicaLoad(r int, outstanding float64, lat time.Duration) policy.ReplicaLoad {
	return policy.ReplicaLoad{Module: "m", Replicas: r, Ready: r, Min: 1, Max: 8,
		Outstanding: outstanding, Latency: lat, Unloaded: 10 * time.Millisecond, MemPerReplicaMB: 100}
}

// TestAutoscaleTicks runs the autoscaler over sequences of ticks, applying
// each decision, and checks the replicas after every tick.
func TestAutoscaleTicks(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		params policy.AutoscaleParams
		start  int
		ticks  []policy.ReplicaLoad // Replicas is filled in from the last decision
		want   []int                // replicas after each tick
		reason string               // a word the first decision's reason holds
	}{
		{
			name: "queueing adds the replicas needed at once", params: policy.AutoscaleParams{FreeMemMB: 1000},
			start: 1, ticks: []policy.ReplicaLoad{replicaLoad(0, 3.6, 40*ms), replicaLoad(0, 3.6, 11*ms)},
			want: []int{4, 4}, reason: "queue",
		},
		{
			name: "busy but not slower: no queueing, no change", params: policy.AutoscaleParams{FreeMemMB: 1000},
			start: 1, ticks: []policy.ReplicaLoad{replicaLoad(0, 3, 12*ms), replicaLoad(0, 3, 14*ms)},
			want: []int{1, 1},
		},
		{
			name: "the memory budget caps additions", params: policy.AutoscaleParams{FreeMemMB: 250},
			start: 1, ticks: []policy.ReplicaLoad{replicaLoad(0, 6, 50*ms)},
			want: []int{3}, reason: "budget",
		},
		{
			name: "no room at all: nothing", params: policy.AutoscaleParams{FreeMemMB: 50},
			start: 1, ticks: []policy.ReplicaLoad{replicaLoad(0, 6, 50*ms)},
			want: []int{1},
		},
		{
			name: "never above max", params: policy.AutoscaleParams{FreeMemMB: 1e6},
			start: 2, ticks: []policy.ReplicaLoad{replicaLoad(0, 40, 90*ms)},
			want: []int{8},
		},
		{
			name: "idle removes one replica per DownTicks ticks", params: policy.AutoscaleParams{},
			start: 4, ticks: []policy.ReplicaLoad{replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 0.5, 10*ms)},
			want: []int{4, 4, 3, 3, 3, 2}, reason: "ticks in a row",
		},
		{
			name: "a busy tick restarts the count down", params: policy.AutoscaleParams{FreeMemMB: 1000},
			start: 4, ticks: []policy.ReplicaLoad{replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 3.5, 13*ms), replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 0.5, 10*ms), replicaLoad(0, 0.5, 10*ms)},
			want: []int{4, 4, 4, 4, 4, 3},
		},
		{
			name: "a load just under the replicas left stays", params: policy.AutoscaleParams{DownTicks: 1},
			start: 2, ticks: []policy.ReplicaLoad{replicaLoad(0, 0.9, 10*ms), replicaLoad(0, 0.9, 10*ms), replicaLoad(0, 0.7, 10*ms)},
			want: []int{2, 2, 1},
		},
		{
			name: "slower than unloaded but nearly idle still shrinks", params: policy.AutoscaleParams{DownTicks: 1},
			start: 4, ticks: []policy.ReplicaLoad{replicaLoad(0, 0.4, 14*ms), replicaLoad(0, 0.4, 14*ms), replicaLoad(0, 0.4, 14*ms), replicaLoad(0, 0.9, 14*ms)},
			want: []int{3, 2, 1, 1},
		},
		{
			name: "slower than unloaded and half busy stays", params: policy.AutoscaleParams{DownTicks: 1},
			start: 3, ticks: []policy.ReplicaLoad{replicaLoad(0, 1.4, 14*ms)},
			want: []int{3},
		},
		{
			name: "never below min", params: policy.AutoscaleParams{DownTicks: 1},
			start: 1, ticks: []policy.ReplicaLoad{replicaLoad(0, 0, 0), replicaLoad(0, 0, 0)},
			want: []int{1, 1},
		},
		{
			name: "below the config's min goes up whatever the load", params: policy.AutoscaleParams{},
			start: 0, ticks: []policy.ReplicaLoad{replicaLoad(0, 0, 0)},
			want: []int{1}, reason: "min",
		},
		{
			name: "slow from the start without an unloaded latency: no guess", params: policy.AutoscaleParams{FreeMemMB: 1000},
			start: 1, ticks: []policy.ReplicaLoad{{Module: "m", Replicas: 1, Min: 1, Max: 8, Outstanding: 5, Latency: 80 * ms}},
			want: []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a policy.Autoscaler
			r := tt.start
			var first string
			for i, l := range tt.ticks {
				l.Replicas, l.Ready = r, r
				for _, d := range a.Decide([]policy.ReplicaLoad{l}, tt.params) {
					if d.From != r {
						t.Fatalf("tick %d: decision from %d replicas, had %d", i, d.From, r)
					}
					if d.Reason == "" {
						t.Fatalf("tick %d: a decision without a reason: %+v", i, d)
					}
					if first == "" {
						first = d.Reason
					}
					r = d.To
				}
				if r != tt.want[i] {
					t.Fatalf("tick %d: %d replicas, want %d (first reason %q)", i, r, tt.want[i], first)
				}
			}
			if tt.reason != "" && !strings.Contains(first, tt.reason) {
				t.Errorf("reason %q does not say %q", first, tt.reason)
			}
		})
	}
}

// TestAutoscaleBudgetGoesToTheMostQueued: when the budget is short, the
// module whose calls are slowed down most gets the replicas first.
func TestAutoscaleBudgetGoesToTheMostQueued(t *testing.T) {
	a, b := replicaLoad(1, 3, 20*time.Millisecond), replicaLoad(1, 3, 60*time.Millisecond)
	a.Module, b.Module = "a", "b"
	var s policy.Autoscaler
	got := s.Decide([]policy.ReplicaLoad{a, b}, policy.AutoscaleParams{FreeMemMB: 200})
	if len(got) != 1 || got[0].Module != "b" || got[0].To != 3 {
		t.Fatalf("decisions %+v, want only b to 3 replicas", got)
	}
}
