package themes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/themes"
)

func TestBuiltins(t *testing.T) {
	names := themes.Names()
	for _, want := range []string{"dark", "light", "high-contrast"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("built-in themes %v lack %q", names, want)
		}
	}
	for _, n := range names {
		th, ok := themes.Builtin(n)
		if !ok {
			t.Fatalf("Builtin(%q) not found", n)
		}
		if err := th.Validate(); err != nil {
			t.Errorf("built-in %s: %v", n, err)
		}
		st := th.Styles()
		if st.Plain || len(st.Series) < 2 {
			t.Errorf("built-in %s: styles %+v", n, st)
		}
	}
	if _, ok := themes.Builtin("nosuch"); ok {
		t.Error("Builtin(nosuch) found")
	}
}

// TestHighContrastIsOkabeIto: the colour-blind-safe theme uses the
// Okabe-Ito palette for its states.
func TestHighContrastIsOkabeIto(t *testing.T) {
	th, _ := themes.Builtin("high-contrast")
	okabeIto := map[string]bool{"#e69f00": true, "#56b4e9": true, "#009e73": true, "#f0e442": true, "#0072b2": true, "#d55e00": true, "#cc79a7": true, "#000000": true}
	p := th.Palette
	for name, c := range map[string]string{"primary": p.Primary, "accent": p.Accent, "ok": p.Ok, "warn": p.Warn, "err": p.Err} {
		if !okabeIto[strings.ToLower(c)] {
			t.Errorf("high-contrast %s = %s, not an Okabe-Ito colour", name, c)
		}
	}
}

func TestLoad(t *testing.T) {
	th, err := themes.Load("")
	if err != nil || th.Name != themes.DefaultName {
		t.Fatalf("Load(\"\") = %v, %v; want the default theme", th.Name, err)
	}
	if th, err := themes.Load("light"); err != nil || th.Name != "light" {
		t.Fatalf("Load(light) = %v, %v", th.Name, err)
	}
	th, err = themes.Load(filepath.Join("testdata", "solarized.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dark, _ := themes.Builtin("dark")
	if th.Name != "solarized" || th.Palette.Bg != "#002b36" || th.Palette.Primary != "#268bd2" || th.Palette.Err != dark.Palette.Err {
		t.Fatalf("solarized: %+v", th)
	}
	th, err = themes.Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if th.Name != "full" || th.Palette.Fg != "15" {
		t.Fatalf("full: %+v", th)
	}
	if _, err := themes.Load("nosuch"); err == nil || !strings.Contains(err.Error(), `unknown theme "nosuch"`) || !strings.Contains(err.Error(), "high-contrast") {
		t.Fatalf("Load(nosuch) = %v; want an error listing the themes", err)
	}
	if _, err := themes.Load("missing/theme.yaml"); err == nil || !strings.Contains(err.Error(), "theme file missing/theme.yaml") {
		t.Fatalf("Load of a missing file = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown field", "colours: {}\n", `unknown field "colours"`},
		{"unknown colour", "extends: dark\ncolors: {primry: '#fff'}\n", "colors.primry: unknown colour"},
		{"bad hex", "extends: dark\ncolors: {ok: '#12345'}\n", `colors.ok: "#12345" is not a colour`},
		{"not hex", "extends: dark\ncolors: {ok: '#gggggg'}\n", "is not hexadecimal"},
		{"index too big", "extends: dark\ncolors: {err: '256'}\n", `colors.err: "256" is not a colour`},
		{"name", "extends: dark\ncolors: {err: red}\n", `colors.err: "red" is not a colour`},
		{"bad palette", "extends: dark\npalette: {x: nope}\n", "palette.x"},
		{"missing", "colors: {bg: '#000'}\n", "colors.fg is missing"},
		{"bad extends", "extends: solarized\n", `extends: unknown theme "solarized"`},
		{"not yaml", "colors: [\n", "theme file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := themes.Parse("my.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "theme file my.yaml: ") {
				t.Fatalf("Parse = %v; want an error naming my.yaml and containing %q", err, tc.want)
			}
		})
	}
}

// TestDocumentedExampleParses: the example theme in the package
// documentation is a valid theme file.
func TestDocumentedExampleParses(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var yaml []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "//\t# mytheme.yaml"):
			in = true
		case in && strings.HasPrefix(line, "//\t"):
			yaml = append(yaml, strings.TrimPrefix(line, "//\t"))
		case in:
			in = false
		}
	}
	if len(yaml) == 0 {
		t.Fatal("no example theme in doc.go")
	}
	if _, err := themes.Parse("mytheme.yaml", []byte(strings.Join(yaml, "\n"))); err != nil {
		t.Fatalf("the documented example: %v\n%s", err, strings.Join(yaml, "\n"))
	}
}

// TestPlain: NO_COLOR styles carry no colour at all.
func TestPlain(t *testing.T) {
	th, _ := themes.Builtin("dark")
	st := th.Plain().Styles()
	if !st.Plain || st.Bg != nil || st.Fg != nil || st.Series != nil {
		t.Fatalf("plain styles carry colours: %+v", st)
	}
	for _, s := range []string{st.RowSelected.Render("x"), st.OK.Render("x"), st.Err.Render("x"), st.TabActive.Render("x")} {
		if strings.Contains(s, "38;") || strings.Contains(s, "48;") {
			t.Errorf("plain style renders a colour: %q", s)
		}
	}
	if !strings.Contains(st.RowSelected.Render("x"), "7") {
		t.Error("the plain selection is not reverse video")
	}
}
