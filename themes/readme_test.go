package themes_test

import (
	"os"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/themes"
)

// TestReadmeThemeExample: the theme file the README shows is one the
// console reads.
func TestReadmeThemeExample(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n# ~/.config/jsorc/solarized.yaml")
	if !ok {
		t.Fatal("the README has no theme file example")
	}
	_, rest, _ = strings.Cut(rest, "\n") // the rest of the comment line
	example, _, _ := strings.Cut(rest, "```")
	th, err := themes.Parse("solarized.yaml", []byte(example))
	if err != nil {
		t.Fatalf("the README's theme example: %v", err)
	}
	if th.Name != "solarized" || th.Palette.Bg != "#002b36" || th.Palette.Primary != "#268bd2" {
		t.Fatalf("the README's theme example reads as %+v", th)
	}
}
