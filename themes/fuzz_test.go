package themes_test

import (
	"strings"
	"testing"

	"github.com/jsorc/jsorc/themes"
)

// FuzzParse: a theme file parses to a theme that validates, or fails with
// an error naming the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte("name: mine\nextends: dark\ncolors:\n  primary: \"#ff8800\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		th, err := themes.Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if err := th.Validate(); err != nil {
			t.Fatalf("parsed a theme that does not validate: %v", err)
		}
		if th.Name == "" {
			t.Fatal("a parsed theme without a name")
		}
	})
}
