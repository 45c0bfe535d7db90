package themes

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v2"
)

// file is the YAML form of a theme; see the package documentation.
type file struct {
	Name    string            `yaml:"name"`
	Extends string            `yaml:"extends"`
	Palette map[string]string `yaml:"palette"`
	Colors  map[string]string `yaml:"colors"`
}

// fileFields are the fields a theme file may have.
var fileFields = []string{"name", "extends", "palette", "colors"}

// decodeFile decodes a theme file strictly: an unknown top-level field is an
// error naming it. (The YAML package is go.yaml.in's v2, which the engine's
// Kubernetes wrapper uses too: the console links nothing of Kubernetes, and
// the binary one YAML decoder.)
func decodeFile(data []byte) (file, error) {
	var f file
	var fields map[string]any
	if err := yaml.Unmarshal(data, &fields); err != nil {
		return f, err
	}
	for k := range fields {
		if !slices.Contains(fileFields, k) {
			return f, fmt.Errorf("unknown field %q (a theme file has %s)", k, strings.Join(fileFields, ", "))
		}
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		return f, err
	}
	return f, nil
}

// Parse reads a theme file's content; path names the file in errors and,
// when the file has no name, the theme.
func Parse(path string, data []byte) (Theme, error) {
	wrap := func(err error) error { return fmt.Errorf("theme file %s: %w", path, err) }
	f, err := decodeFile(data)
	if err != nil {
		return Theme{}, wrap(err)
	}
	t := Theme{Name: f.Name}
	if t.Name == "" {
		t.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if f.Extends != "" {
		base, ok := Builtin(f.Extends)
		if !ok {
			return Theme{}, wrap(fmt.Errorf("extends: unknown theme %q: want one of %s", f.Extends, strings.Join(Names(), ", ")))
		}
		t.Palette = base.Palette
	}
	for name, v := range f.Palette {
		if _, err := ParseColor(v); err != nil {
			return Theme{}, wrap(fmt.Errorf("palette.%s: %w", name, err))
		}
	}
	fields := t.Palette.fields()
	for name, v := range f.Colors {
		ptr := fieldPtr(fields, name)
		if ptr == nil {
			return Theme{}, wrap(fmt.Errorf("colors.%s: unknown colour (known: %s)", name, fieldNames(fields)))
		}
		if pv, ok := f.Palette[v]; ok {
			v = pv
		}
		if _, err := ParseColor(v); err != nil && !(v == terminalDefault && (name == "bg" || name == "fg")) {
			return Theme{}, wrap(fmt.Errorf("colors.%s: %w", name, err))
		}
		*ptr = v
	}
	if err := t.Validate(); err != nil {
		return Theme{}, wrap(err)
	}
	return t, nil
}

func fieldPtr(fields []colorField, name string) *string {
	for _, f := range fields {
		if f.name == name {
			return f.ptr
		}
	}
	return nil
}

func fieldNames(fields []colorField) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}
