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

// FuzzInstrumentLoops: instrumentLoops and precheck read untrusted bytes
// (any file a user configures). Neither may panic, and no input may make
// the engine allocate beyond a bound: precheck refuses cheaply what it
// refuses (compileAllocBound for the rest, wazero's compilation
// included). What instrumentLoops returns must be judged by wazero as the
// input was: a module wazero compiles still compiles once rewritten, and
// a module wazero refuses is not turned into one it accepts. It may
// refuse anything (the module then runs with wazero's own checks), but
// only with errNotInstrumentable; and the rewriting of a module precheck
// passes passes too.
//
// The seed corpus (testdata/fuzz/FuzzInstrumentLoops) holds small
// modules made by hand and by clang (loops, SIMD, bulk memory, imported
// memory and globals, no memory) and what fuzzing found (three of them
// count bombs that made wazero allocate 2 to 10 GB before precheck). The
// example modules join it when `make examples` built them, except while
// fuzzing: the fuzzer minimises every new input it finds, and minimising
// a mutation of a 130-250 KB module (each step a compilation) takes
// minutes.
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
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().
		WithMemoryLimitPages(DefaultMemoryLimitMB*16))
	f.Cleanup(func() { rt.Close(ctx) })
	compiles := func(t *testing.T, b []byte) error {
		var err error
		n := allocatedBytes(func() {
			var c wazero.CompiledModule
			if c, err = rt.CompileModule(ctx, b); err == nil {
				c.Close(ctx)
			}
		})
		if n > compileAllocBound(len(b)) {
			t.Fatalf("compiling a %d-byte module precheck passed allocated %d bytes, over the bound of %d", len(b), n, compileAllocBound(len(b)))
		}
		return err
	}
	f.Fuzz(func(t *testing.T, mod []byte) {
		in := append([]byte(nil), mod...)
		var perr error
		// A few hundred bytes whatever the input (TestPrecheckRefusesCountBombs);
		// the bound leaves room for what the fuzzing machinery allocates
		// meanwhile, and none for a count bomb.
		if n := allocatedBytes(func() { perr = precheck(mod, DefaultMemoryLimitMB*16) }); n > 64<<10 {
			t.Fatalf("precheck allocated %d bytes for a %d-byte module, want ≤ 64 KiB", n, len(mod))
		}
		out, err := instrumentLoops(mod)
		if string(in) != string(mod) {
			t.Fatal("precheck or instrumentLoops changed its input")
		}
		if err != nil && !errors.Is(err, errNotInstrumentable) {
			t.Fatalf("refused with %v, not errNotInstrumentable", err)
		}
		if perr != nil {
			if !errors.Is(perr, ErrDeclaration) {
				t.Fatalf("precheck refused with %v, not ErrDeclaration", perr)
			}
			return // never handed to wazero
		}
		inErr := compiles(t, mod)
		if err != nil {
			return // runs with wazero's checks
		}
		if perr := precheck(out, DefaultMemoryLimitMB*16); perr != nil {
			t.Fatalf("precheck passes the module but refuses its rewriting: %v", perr)
		}
		outErr := compiles(t, out)
		switch {
		case inErr == nil && outErr != nil:
			t.Fatalf("wazero compiles the module but not its rewriting: %v", outErr)
		case inErr != nil && outErr == nil:
			t.Fatalf("wazero refuses the module (%v) but compiles its rewriting", inErr)
		}
	})
}

// compileAllocBound is the most compiling a module of n bytes that
// precheck passed may allocate: wazero's interpreter allocates 12 to 200
// times a module's size (the most for the smallest modules), so 1 MiB
// plus 256 times the size leaves room without letting a count bomb
// (gigabytes from a few bytes) through.
func compileAllocBound(n int) uint64 { return 1<<20 + 256*uint64(n) }
