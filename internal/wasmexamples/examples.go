// Package wasmexamples finds the example WebAssembly modules that `make
// examples` builds into examples/wasm/build/, for the tests of every
// package that runs them. Without them a test skips, saying loudly how to
// build them, except under CI=true, where it fails.
package wasmexamples

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The example modules.
const (
	// TextrankGo, TextrankC and TextrankRust are the same tokenizer and
	// BM25 ranker in three languages.
	TextrankGo   = "textrank-go.wasm"
	TextrankC    = "textrank-c.wasm"
	TextrankRust = "textrank-rust.wasm"
	// Probe misbehaves on purpose and reports what WASI gives it.
	Probe = "probe-c.wasm"
	// TextrankGoBig is the Go textrank linked with more of Go's library:
	// a module over 5 MB, for the cold-load benchmark.
	TextrankGoBig = "textrank-go-big.wasm"
)

// Textranks lists the textrank module in every language.
var Textranks = []string{TextrankGo, TextrankC, TextrankRust}

// SkipMessage is what a test says when the examples are not built.
const SkipMessage = "WASM EXAMPLE TESTS SKIPPED: run `make examples` first (Go, and Debian's clang, lld, wasi-libc, rustc and libstd-rust-dev-wasm32; see .ci/run)"

var banner sync.Once

// Dir is examples/wasm/build of the repository the test runs in.
func Dir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "examples", "wasm")); err == nil {
				return filepath.Join(d, "examples", "wasm", "build")
			}
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no examples/wasm above %s", wd)
		}
	}
}

// Path is the path of the example module name; the test skips (fails
// under CI=true) when it is not built.
func Path(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Dir(t), name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("WASM EXAMPLES MISSING under CI=true: %s: %v", p, err)
		}
		banner.Do(func() { fmt.Fprintf(os.Stderr, "\n*** %s ***\n\n", SkipMessage) })
		t.Skip(SkipMessage)
	}
	return p
}

// Read returns the bytes of the example module name (see Path).
func Read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SmallText is the text of the figures' "small action": tokenized, it is
// about 300 bytes of JSON in and 400 out (50 tokens, 391 bytes).
const SmallText = "The quick brown fox jumps over the lazy dog while the cat sleeps; " +
	"jsorc places each module in-process or remote, measures every call, and moves " +
	"modules between placements without failing one. WebAssembly makes any language's " +
	"module placeable: the same file runs inside the engine or as a server."

// LoadAvg is the machine's one-minute load average, which the benchmarks
// report beside their figures because the machine is shared.
func LoadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// Target prints a benchmark's figure beside the target for it,
// saying whether it is met, with the load average at the time (the
// machine is shared: absolute times grow with the load).
func Target(b *testing.B, what string, figure float64, unit string, atMost bool, target float64) {
	b.Helper()
	met := figure >= target
	rel := "≥"
	if atMost {
		met, rel = figure <= target, "≤"
	}
	verdict := "MISSED"
	if met {
		verdict = "met"
	}
	b.Logf("FIGURE %s: %.3g %s (target %s %.3g %s): %s at load %.1f", what, figure, unit, rel, target, unit, verdict, LoadAvg())
}
