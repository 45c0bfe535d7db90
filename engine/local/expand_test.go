package local_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/local"
)

func TestExpand(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"jsorc": "/usr/bin/jsorc",
		"host":  "127.0.0.1",
		"port":  "6380",
		"addr":  "127.0.0.1:6380",
		"data":  "/var/lib/jsorc/redis",
		"empty": "",
		"brace": "{port}", // values are not expanded again
	}
	for _, tc := range []struct {
		name    string
		argv    []string
		want    []string
		wantErr error
		errHas  string
	}{
		{name: "nil", argv: nil, want: []string{}},
		{name: "no placeholders", argv: []string{"redis-server", "--save", ""}, want: []string{"redis-server", "--save", ""}},
		{
			name: "typical",
			argv: []string{"{jsorc}", "serve", "--listen={addr}", "--dir", "{data}/db"},
			want: []string{"/usr/bin/jsorc", "serve", "--listen=127.0.0.1:6380", "--dir", "/var/lib/jsorc/redis/db"},
		},
		{name: "several in one", argv: []string{"{host}:{port}"}, want: []string{"127.0.0.1:6380"}},
		{name: "empty value", argv: []string{"a{empty}b"}, want: []string{"ab"}},
		{name: "value not re-expanded", argv: []string{"{brace}"}, want: []string{"{port}"}},
		{name: "escaped braces", argv: []string{"{{port}}", "{{", "}}", `{{"a":{port}}}`}, want: []string{"{port}", "{", "}", `{"a":6380}`}},
		{name: "escape then placeholder", argv: []string{"{{{port}"}, want: []string{"{6380"}},
		{name: "unknown", argv: []string{"ok", "--x={nope}"}, wantErr: local.ErrUnknownPlaceholder, errHas: "{nope}"},
		{name: "unknown is case sensitive", argv: []string{"{PORT}"}, wantErr: local.ErrUnknownPlaceholder, errHas: "{PORT}"},
		{name: "unterminated", argv: []string{"{port"}, wantErr: local.ErrBadTemplate, errHas: "unterminated"},
		{name: "empty name", argv: []string{"{}"}, wantErr: local.ErrBadTemplate, errHas: "empty"},
		{name: "lone close", argv: []string{"a}b"}, wantErr: local.ErrBadTemplate, errHas: "lone"},
		{name: "nested open", argv: []string{"{a{port}}"}, wantErr: local.ErrBadTemplate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := slices.Clone(tc.argv)
			got, err := local.Expand(tc.argv, vars)
			if !slices.Equal(tc.argv, orig) {
				t.Errorf("argv modified: %q", tc.argv)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Expand(%q) = %q, %v; want error %v", tc.argv, got, err, tc.wantErr)
				}
				if got != nil {
					t.Errorf("result on error = %q; want nil", got)
				}
				if !strings.Contains(err.Error(), tc.errHas) {
					t.Errorf("error %q does not mention %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Expand(%q): %v", tc.argv, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Expand(%q) = %q; want %q", tc.argv, got, tc.want)
			}
		})
	}
}

func TestExpandNilVars(t *testing.T) {
	t.Parallel()
	got, err := local.Expand([]string{"plain", "{{x}}"}, nil)
	if err != nil || !slices.Equal(got, []string{"plain", "{x}"}) {
		t.Fatalf("Expand with nil vars = %q, %v", got, err)
	}
	if _, err := local.Expand([]string{"{x}"}, nil); !errors.Is(err, local.ErrUnknownPlaceholder) {
		t.Fatalf("Expand({x}, nil) error = %v", err)
	}
}
