package ui

import (
	"testing"

	"github.com/jsorc/jsorc/api/types"
)

// TestEventSymbolScale: a scaling shows as ⇅, one that failed as ✗.
func TestEventSymbolScale(t *testing.T) {
	tests := []struct {
		msg  string
		sym  string
		tone tone
	}{
		{"scaled slow from 1 to 4 replicas: calls queue", "⇅", toneOK},
		{"module slow: 1 → 2 replicas, pinned", "⇅", toneOK},
		{"could not scale slow from 1 to 4 replicas: no room", "✗", toneErr},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			sym, tn := eventSymbol(types.Event{Type: types.EventScale, Name: "slow", Message: tt.msg})
			if sym != tt.sym || tn != tt.tone {
				t.Errorf("eventSymbol = %q, %v; want %q, %v", sym, tn, tt.sym, tt.tone)
			}
		})
	}
}
