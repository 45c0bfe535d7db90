package wasm

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
)

// FuzzInstrumentLoops: instrumentLoops reads untrusted bytes (any file a
// user configures). It must never panic, and what it returns must be
// judged by wazero as the input was: a module wazero compiles still
// compiles once rewritten, and a module wazero refuses is not turned
// into one it accepts. It may refuse anything (the module then runs with
// wazero's own checks), but only with errNotInstrumentable.
//
// The seed corpus (testdata/fuzz/FuzzInstrumentLoops) holds small
// modules made by hand and by clang (loops, SIMD, bulk memory, imported
// memory and globals, no memory) and what fuzzing found. The example
// modules join it when `make examples` built them, except while fuzzing:
// the fuzzer minimises every new input it finds, and minimising a
// mutation of a 130-250 KB module (each step a compilation) takes minutes.
func FuzzInstrumentLoops(f *testing.F) {
	if fz := flag.Lookup("test.fuzz"); fz == nil || fz.Value.String() == "" {
		for _, ex := range []string{"probe-c.wasm", "textrank-c.wasm", "textrank-rust.wasm"} {
			if b, err := os.ReadFile(filepath.Join("..", "..", "examples", "wasm", "build", ex)); err == nil {
				f.Add(b)
			}
		}
	}
	ctx := context.Background()
	// Decoding and validation are wazero's, shared by its two engines;
	// the interpreter compiles validated code fastest, so it judges.
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	f.Cleanup(func() { rt.Close(ctx) })
	compiles := func(b []byte) error {
		c, err := rt.CompileModule(ctx, b)
		if err == nil {
			c.Close(ctx)
		}
		return err
	}
	f.Fuzz(func(t *testing.T, mod []byte) {
		in := append([]byte(nil), mod...)
		out, err := instrumentLoops(mod)
		if string(in) != string(mod) {
			t.Fatal("instrumentLoops changed its input")
		}
		if err != nil {
			if !errors.Is(err, errNotInstrumentable) {
				t.Fatalf("refused with %v, not errNotInstrumentable", err)
			}
			return
		}
		if overcounted(mod) || overcounted(out) {
			// wazero allocates for a count before reading what it
			// counts (gigabytes, for a count of five bytes), so it is
			// not asked about a module claiming more than it holds.
			return
		}
		inErr, outErr := compiles(mod), compiles(out)
		switch {
		case inErr == nil && outErr != nil:
			t.Fatalf("wazero compiles the module but not its rewriting: %v", outErr)
		case inErr != nil && outErr == nil:
			t.Fatalf("wazero refuses the module (%v) but compiles its rewriting", inErr)
		}
	})
}

// overcounted says whether a section of the module, or a function type's
// parameters or results, declare more entries than the module has bytes
// (every entry takes one at least). wazero reads a type's counts without
// stopping at its section's end, so they are read the same way.
func overcounted(mod []byte) bool {
	r := &reader{b: mod, pos: 8}
	for r.pos < len(r.b) && r.err == nil {
		id := r.byte()
		size := r.u32()
		start := r.pos
		body := r.bytes(int(size))
		if id == secCustom || id == 8 || id == 12 || r.err != nil { // custom, start, data count: no vector
			continue
		}
		sr := &reader{b: mod, pos: start}
		n := sr.u32()
		if sr.err == nil && int64(n) > int64(len(body)) {
			return true
		}
		for ; id == 1 && n > 0 && sr.err == nil; n-- { // types: params and results are vectors too
			sr.byte() // 0x60
			for range 2 {
				k := sr.u32()
				if sr.err == nil && int64(k) > int64(len(mod)) {
					return true
				}
				sr.bytes(int(k))
			}
		}
	}
	return false
}
