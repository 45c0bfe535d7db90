package themes

import (
	"fmt"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// file is the YAML form of a theme; see the package documentation.
type file struct {
	Name    string            `json:"name"`
	Extends string            `json:"extends"`
	Palette map[string]string `json:"palette"`
	Colors  map[string]string `json:"colors"`
}

// Parse reads a theme file's content; path names the file in errors and,
// when the file has no name, the theme.
func Parse(path string, data []byte) (Theme, error) {
	wrap := func(err error) error { return fmt.Errorf("theme file %s: %w", path, err) }
	var f file
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
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
