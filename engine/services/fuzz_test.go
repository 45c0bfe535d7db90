package services_test

import (
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/services"
)

// FuzzParseDefinitions: a services file (YAML or JSON) parses to
// definitions that validate, or fails with an error that names the file.
func FuzzParseDefinitions(f *testing.F) {
	f.Add([]byte("services:\n  a:\n    command: [srv, --port, \"{port}\"]\n    probe: {kind: tcp}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defs, err := services.ParseDefinitions("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(defs) == 0 {
			t.Fatal("no error and no definition")
		}
		for name, d := range defs {
			if err := d.Validate(); err != nil {
				t.Fatalf("definition %s parsed but does not validate: %v", name, err)
			}
		}
	})
}
