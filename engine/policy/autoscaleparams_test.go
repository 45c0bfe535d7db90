package policy_test

import (
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// TestAutoscaleParams: every policy takes the autoscaler's parameters,
// reads them like its own and hands them over; AllParams shows them
// beside the policy's own.
func TestAutoscaleParams(t *testing.T) {
	defaults := policy.AutoscaleParams{PerReplica: 1, UpSlowdown: 1.5, DownSlowdown: 1.2, DownTicks: 3, DownUtil: 0.75}
	tests := []struct {
		name   string
		policy string
		params map[string]any
		want   policy.AutoscaleParams
	}{
		{"default, none given", "default", nil, defaults},
		{"evaluation, none given", "evaluation", nil, defaults},
		{"costmodel, none given", "costmodel", nil, defaults},
		{"default, all given", "Default", map[string]any{"per_replica": 2, "up_slowdown": "3", "down_slowdown": 2.5, "down_ticks": 1, "down_util": 1},
			policy.AutoscaleParams{PerReplica: 2, UpSlowdown: 3, DownSlowdown: 2.5, DownTicks: 1, DownUtil: 1}},
		{"evaluation beside its own", "evaluation", map[string]any{"eval_phase": 5, "down_ticks": 10},
			policy.AutoscaleParams{PerReplica: 1, UpSlowdown: 1.5, DownSlowdown: 1.2, DownTicks: 10, DownUtil: 0.75}},
		{"costmodel beside its own", "costmodel", map[string]any{"hop_ms": 2, "per_replica": 0.5, "down_util": 0.5},
			policy.AutoscaleParams{PerReplica: 0.5, UpSlowdown: 1.5, DownSlowdown: 1.2, DownTicks: 3, DownUtil: 0.5}},
		{"down_slowdown equal to up_slowdown", "costmodel", map[string]any{"up_slowdown": 2, "down_slowdown": 2},
			policy.AutoscaleParams{PerReplica: 1, UpSlowdown: 2, DownSlowdown: 2, DownTicks: 3, DownUtil: 0.75}},
		{"down_slowdown of 1", "default", map[string]any{"down_slowdown": 1},
			policy.AutoscaleParams{PerReplica: 1, UpSlowdown: 1.5, DownSlowdown: 1, DownTicks: 3, DownUtil: 0.75}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.New(tc.policy, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Autoscale(); got != tc.want {
				t.Errorf("Autoscale() = %+v, want %+v", got, tc.want)
			}
			all := policy.AllParams(p)
			w := tc.want
			for k, v := range map[string]any{"per_replica": w.PerReplica, "up_slowdown": w.UpSlowdown,
				"down_slowdown": w.DownSlowdown, "down_ticks": w.DownTicks, "down_util": w.DownUtil} {
				if all[k] != v {
					t.Errorf("AllParams()[%q] = %v (%T), want %v (%T)", k, all[k], all[k], v, v)
				}
			}
			for k, v := range p.Params() {
				if all[k] != v {
					t.Errorf("AllParams()[%q] = %v, want the policy's own %v", k, all[k], v)
				}
			}
		})
	}
}

// TestAutoscaleParamsChangeDecisions: a parameter set with the policy
// changes what the autoscaler decides.
func TestAutoscaleParamsChangeDecisions(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		params map[string]any
		load   policy.ReplicaLoad
		ticks  int
		want   int // replicas after ticks
	}{
		{"quiet, default down_ticks: three ticks keep 4", nil, replicaLoad(4, 0.5, 10*ms), 2, 4},
		{"quiet, down_ticks 1: one tick removes one", map[string]any{"down_ticks": 1}, replicaLoad(4, 0.5, 10*ms), 1, 3},
		{"queued, default per_replica: 3 calls need 3", map[string]any{}, replicaLoad(1, 3, 30*ms), 1, 3},
		{"queued, per_replica 3: one carries them", map[string]any{"per_replica": 3}, replicaLoad(1, 3, 30*ms), 1, 1},
		{"2× slower, default up_slowdown 1.5 adds", nil, replicaLoad(1, 2, 20*ms), 1, 2},
		{"2× slower, up_slowdown 3 waits", map[string]any{"up_slowdown": 3}, replicaLoad(1, 2, 20*ms), 1, 1},
		{"1.6 calls on 3, default down_util: 2 left would be too full", map[string]any{"down_ticks": 1}, replicaLoad(3, 1.6, 10*ms), 1, 3},
		{"1.6 calls on 3, down_util 1: one goes", map[string]any{"down_ticks": 1, "down_util": 1}, replicaLoad(3, 1.6, 10*ms), 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.New("default", tc.params)
			if err != nil {
				t.Fatal(err)
			}
			ap := p.Autoscale()
			ap.FreeMemMB = 1e6
			var a policy.Autoscaler
			l := tc.load
			for range tc.ticks {
				for _, d := range a.Decide([]policy.ReplicaLoad{l}, ap) {
					l.Replicas, l.Ready = d.To, d.To
				}
			}
			if l.Replicas != tc.want {
				t.Errorf("%d replicas after %d ticks, want %d", l.Replicas, tc.ticks, tc.want)
			}
		})
	}
}
