package wasm_test

import (
	"os"
	"testing"
)

// cacheDir is the compiled-code cache the package's tests share, so each
// example compiles once per run.
var cacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jsorc-wasm-cache-")
	if err != nil {
		panic(err)
	}
	cacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
