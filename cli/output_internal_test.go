package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// TestPrintDecisions: `actionpolicy get` lists the latest decisions, a
// scaling with its replica counts, a failure under its decision.
func TestPrintDecisions(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
	move := types.PolicyMove{At: at, Module: "a", From: "remote", To: "module", Reason: "saves 2 ms"}
	scale := types.PolicyMove{At: at, Module: "b", From: "remote", To: "remote", Reason: "calls queue",
		Kind: types.MoveScale, ReplicasFrom: 1, ReplicasTo: 3, Error: "no room"}
	many := make([]types.PolicyMove, 12)
	for i := range many {
		many[i] = types.PolicyMove{At: at, Module: "m", From: "remote", To: "module", Reason: strings.Repeat("x", i+1)}
	}
	tests := []struct {
		name      string
		ds        []types.PolicyMove
		want, not []string
	}{
		{name: "none", ds: nil, not: []string{"decisions"}},
		{name: "a move and a scaling", ds: []types.PolicyMove{move, scale}, want: []string{
			"decisions (the latest 2 of 2, newest last):",
			"03:04:05 a remote → module: saves 2 ms",
			"03:04:05 b remote ×1 → ×3: calls queue\n    failed: no room",
		}},
		{name: "only the latest ten", ds: many, want: []string{"the latest 10 of 12", ": xxx\n", ": xxxxxxxxxxxx\n"},
			not: []string{": x\n", ": xx\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printDecisions(&b, tt.ds)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			for _, n := range tt.not {
				if strings.Contains(b.String(), n) {
					t.Errorf("output holds %q:\n%s", n, b.String())
				}
			}
		})
	}
}
