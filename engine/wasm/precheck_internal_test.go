package wasm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// wasmOf is a version 1 module of the given sections.
func wasmOf(sections ...[]byte) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		b = append(b, s...)
	}
	return b
}

// sec is a section of id holding the bytes of parts (byte slices, and
// uint32s encoded as LEB128).
func sec(id byte, parts ...any) []byte {
	var body []byte
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			body = append(body, byte(v))
		case uint32:
			body = appendU32(body, v)
		case []byte:
			body = append(body, v...)
		case string:
			body = append(body, v...)
		}
	}
	return append(appendU32([]byte{id}, uint32(len(body))), body...)
}

// hostileModules are count bombs: tiny modules declaring what would make
// wazero allocate gigabytes or spin, each with the words its refusal must
// name.
var hostileModules = []struct {
	name string
	mod  []byte
	want []string
}{
	{"2^31 types", wasmOf(sec(1, uint32(1<<31))), []string{"type section", "2147483648 types"}},
	{"a type of 2^31 parameters", wasmOf(sec(1, 1, 0x60, uint32(1<<31))), []string{"type section", "2147483648 parameters"}},
	{"a type of 2000 results", wasmOf(sec(1, 1, 0x60, 0, uint32(2000), strings.Repeat("\x7f", 2000))), []string{"type section", "2000 results", "1000"}},
	{"2^31 imports", wasmOf(sec(2, uint32(1<<31))), []string{"import section", "2147483648 imports"}},
	{"an imported memory of 4 GiB", wasmOf(sec(2, 1, 1, "m", 1, "m", 2, 0, uint32(65536))), []string{"import section", "65536 pages", "memory_limit_mb 256", "4096 MB"}},
	{"an imported table of 2^27 entries", wasmOf(sec(2, 1, 1, "m", 1, "t", 1, 0x70, 0, uint32(1<<27))), []string{"import section", "134217728 entries", "1048576"}},
	{"2^31 functions", wasmOf(sec(3, uint32(1<<31))), []string{"function section", "2147483648 functions in 0 bytes"}},
	{"2^31 tables", wasmOf(sec(4, uint32(1<<31))), []string{"table section", "2147483648 tables"}},
	{"a table of 2^27 entries", wasmOf(sec(4, 1, 0x70, 0, uint32(1<<27))), []string{"table section", "134217728 entries in a table"}},
	{"a table of 2^27 entries after one with an initializer", wasmOf(sec(4, 2, 0x40, 0, 0x70, 0, 1, 0xd0, 0x70, 0x0b, 0x70, 0, uint32(1<<27))), []string{"table section", "134217728 entries"}},
	{"2^31 memories", wasmOf(sec(5, uint32(1<<31))), []string{"memory section", "2147483648 memories"}},
	{"a memory of 4 GiB", wasmOf(sec(5, 1, 0, uint32(65536))), []string{"memory section", "65536 pages", "memory_limit_mb 256"}},
	{"a memory of 257 MB, its maximum in range", wasmOf(sec(5, 1, 1, uint32(4112), uint32(4112))), []string{"memory section", "4112 pages"}},
	{"2^31 globals", wasmOf(sec(6, uint32(1<<31))), []string{"global section", "2147483648 globals"}},
	{"2^31 exports", wasmOf(sec(7, uint32(1<<31))), []string{"export section", "2147483648 exports"}},
	{"2^31 element segments", wasmOf(sec(9, uint32(1<<31))), []string{"element section", "2147483648 element segments"}},
	{"a segment of 2^31 functions", wasmOf(sec(9, 1, 0, 0x41, 0, 0x0b, uint32(1<<31))), []string{"element section", "2147483648 elements"}},
	{"a segment of 2^31 expressions", wasmOf(sec(9, 1, 5, 0x70, uint32(1<<31))), []string{"element section", "2147483648 elements"}},
	{"2^31 function bodies", wasmOf(sec(10, uint32(1<<31))), []string{"code section", "2147483648 function bodies"}},
	{"2^32-1 locals", wasmOf(sec(10, 1, 8, 1, uint32(1<<32-1), 0x7f, 0x0b)), []string{"code section", "4294967295 locals in function 0", "50000"}},
	{"locals adding up past the limit", wasmOf(sec(10, 1, 10, 2, uint32(40000), 0x7f, uint32(40000), 0x7e, 0x0b)), []string{"code section", "80000 locals"}},
	{"2^31 groups of locals", wasmOf(sec(10, 1, 6, uint32(1<<31), 0x0b)), []string{"code section", "2147483648 groups of locals"}},
	{"2^31 data segments", wasmOf(sec(11, uint32(1<<31))), []string{"data section", "2147483648 data segments"}},
	{"a data segment of 2^31 bytes", wasmOf(sec(11, 1, 1, uint32(1<<31))), []string{"data section", "2147483648 bytes in a data segment"}},
	{"a data count of 2^31", wasmOf(sec(12, uint32(1<<31))), []string{"data count section", "2147483648 data segments"}},
	{"2^31 function names", wasmOf(sec(0, 4, "name", 1, 5, uint32(1<<31))), []string{"custom section", "2147483648 names"}},
	{"2^31 local names", wasmOf(sec(0, 4, "name", 2, 7, 1, 0, uint32(1<<31))), []string{"custom section", "2147483648 local names"}},
	{"a custom section's name of 4 GiB", wasmOf(sec(0, uint32(1<<32-1))), []string{"custom section", "malformed", "4294967295 past the end"}},
	{"an import's name of 4 GiB", wasmOf(sec(2, 1, uint32(1<<32-1))), []string{"import section", "malformed", "past the end"}},
	{"an export's name of 4 GiB", wasmOf(sec(7, 1, uint32(1<<32-1))), []string{"export section", "malformed", "past the end"}},
	{"locals read past their function", wasmOf(sec(10, 1, 2, 1, 0x80), sec(0, 1, "x")), []string{"code section", "malformed", "function 0"}},
	{"a section past the end", append(wasmOf(), 3, 0xff, 0xff, 0xff, 0xff, 0x07, 1), []string{"section 3", "past the end"}},
}

// TestPrecheckRefusesCountBombs: every count bomb is refused, with an
// error naming the section, the count it claims and the limit, before
// wazero sees it — and cheaply: a few hundred bytes, whatever the claim.
func TestPrecheckRefusesCountBombs(t *testing.T) {
	for _, tc := range hostileModules {
		t.Run(tc.name, func(t *testing.T) {
			err := precheck(tc.mod, DefaultMemoryLimitMB*16)
			if !errors.Is(err, ErrDeclaration) {
				t.Fatalf("precheck: %v, want ErrDeclaration", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			// A few hundred bytes; the bound leaves room for other
			// goroutines' allocations meanwhile (the count is the
			// process's), and none for a count bomb's.
			if b := allocatedBytes(func() { _ = precheck(tc.mod, DefaultMemoryLimitMB*16) }); b > 64<<10 {
				t.Errorf("precheck allocated %d bytes refusing a %d-byte module, want ≤ 64 KiB", b, len(tc.mod))
			}
		})
	}
}

// TestLoadRefusesCountBombs: Load refuses every count bomb with
// ErrDeclaration, before compiling, for little memory.
func TestLoadRefusesCountBombs(t *testing.T) {
	for _, tc := range hostileModules {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			b := allocatedBytes(func() {
				_, err = Load(context.Background(), tc.mod, Options{Name: "bomb", Instances: 1})
			})
			if !errors.Is(err, ErrDeclaration) || !strings.Contains(err.Error(), "wasm module bomb") {
				t.Fatalf("Load: %v, want ErrDeclaration naming the module", err)
			}
			if b > 1<<20 {
				t.Errorf("Load allocated %d bytes refusing it, want ≤ 1 MiB", b)
			}
		})
	}
}

// TestPrecheckMemoryLimit: a memory's minimum is held to the config's
// memory_limit_mb, not to a fixed number.
func TestPrecheckMemoryLimit(t *testing.T) {
	mod := wasmOf(sec(5, 1, 1, uint32(1024), uint32(65536))) // 64 MB, up to 4 GiB
	for _, tt := range []struct {
		limitMB int
		ok      bool
	}{{64, true}, {256, true}, {63, false}, {1, false}} {
		err := precheck(mod, uint32(tt.limitMB)*16)
		if (err == nil) != tt.ok {
			t.Errorf("memory_limit_mb %d: %v, want accepted %v", tt.limitMB, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "memory_limit_mb "+strconv.Itoa(tt.limitMB)) {
			t.Errorf("memory_limit_mb %d: %q does not name the limit", tt.limitMB, err)
		}
	}
}

// TestPrecheckAcceptsRealModules: precheck refuses declarations, not
// modules: every example module passes (each is loaded by other tests),
// and no input of the fuzz corpus is refused for a limit alone.
func TestPrecheckAcceptsRealModules(t *testing.T) {
	examples := 0
	for _, ex := range []string{"probe-c.wasm", "textrank-c.wasm", "textrank-rust.wasm", "textrank-go.wasm", "textrank-go-big.wasm"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "wasm", "build", ex))
		if err != nil {
			continue
		}
		examples++
		if err := precheck(b, DefaultMemoryLimitMB*16); err != nil {
			t.Errorf("%s: %v", ex, err)
		}
	}
	if examples == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("examples not built (make examples)")
		}
		t.Log("EXAMPLES NOT BUILT: checking the fuzz corpus only (make examples)")
	}
	// The corpus holds count bombs, so wazero is not asked about it: a
	// module precheck refuses must be one the WebAssembly spec refuses
	// too (a count past its bytes, a name or segment past its section),
	// never one refused for a limit alone.
	inputs := corpus(t, "FuzzInstrumentLoops")
	for name, b := range inputs {
		err := precheck(b, DefaultMemoryLimitMB*16)
		var tm *tooMany
		if errors.As(err, &tm) && !tm.byteBound {
			t.Errorf("%s: refused for a limit: %v", name, err)
		}
	}
	if len(inputs) < 10 {
		t.Fatalf("only %d corpus inputs: the corpus is not read", len(inputs))
	}
}

// corpus reads the inputs of a fuzz target's corpus.
func corpus(t *testing.T, target string) map[string][]byte {
	dir := filepath.Join("testdata", "fuzz", target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		_, v, ok := strings.Cut(strings.TrimSpace(string(raw)), "[]byte(")
		if !ok || !strings.HasSuffix(v, ")") {
			t.Fatalf("%s: not a corpus file of one []byte", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(v, ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out[e.Name()] = []byte(s)
	}
	return out
}

// allocatedBytes is what f allocates on the heap, in bytes (other
// goroutines' allocations meanwhile included).
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// BenchmarkPrecheck is the cost of reading the declarations of the 5 MB
// module (the Go textrank linked with more of Go's library), against
// which every load now pays.
func BenchmarkPrecheck(b *testing.B) {
	mod, err := os.ReadFile(filepath.Join("..", "..", "examples", "wasm", "build", "textrank-go-big.wasm"))
	if err != nil {
		b.Skip("examples not built (make examples)")
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(mod)))
	for b.Loop() {
		if err := precheck(mod, DefaultMemoryLimitMB*16); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPrecheckRefusesFoundBombs: the corpus inputs fuzzing found that made
// wazero's decoding allocate 2 to 10 GB (a 39-byte one 7.4 GB) are
// refused before it.
func TestPrecheckRefusesFoundBombs(t *testing.T) {
	inputs := corpus(t, "FuzzInstrumentLoops")
	for _, name := range []string{"c04c62b30370a7a0", "d1a62128f24e7436", "635b52cff9c30225"} {
		if err := precheck(inputs[name], DefaultMemoryLimitMB*16); !errors.Is(err, ErrDeclaration) {
			t.Errorf("%s: precheck: %v, want ErrDeclaration", name, err)
		}
	}
}
