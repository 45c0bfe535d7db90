package wasm

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestInstrumentRefuses: what the rewriting does not understand, or a
// module that exports the interrupt global's name itself, is refused
// (and then runs with wazero's checks), never rewritten wrongly.
func TestInstrumentRefuses(t *testing.T) {
	probe, err := os.ReadFile(filepath.Join("..", "..", "examples", "wasm", "build", "probe-c.wasm"))
	if err != nil {
		t.Skip("examples not built (make examples)")
	}
	once, err := instrumentLoops(probe)
	if err != nil {
		t.Fatalf("instrumenting the probe: %v", err)
	}
	tests := []struct {
		name string
		mod  []byte
	}{
		{"not wasm", []byte("hello, world")},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00")},
		{"truncated section", append([]byte("\x00asm\x01\x00\x00\x00"), 10, 50, 1)},
		{"no code", []byte("\x00asm\x01\x00\x00\x00")},
		{"an unknown opcode", []byte("\x00asm\x01\x00\x00\x00\x0a\x05\x01\x03\x00\xfb\x0b")},
		{"already exports the global", once},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := instrumentLoops(tc.mod); !errors.Is(err, errNotInstrumentable) {
				t.Errorf("got %v, want errNotInstrumentable", err)
			}
		})
	}
}
