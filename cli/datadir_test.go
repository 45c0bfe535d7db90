package cli_test

import (
	"path/filepath"
	"testing"

	"github.com/jsorc/jsorc/cli"
)

func TestDataDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cases := []struct {
		name string
		flag string
		env  map[string]string
		want string
	}{
		{"flag wins", "/f", map[string]string{"JSORC_DATA": "/j", "XDG_DATA_HOME": "/x"}, "/f"},
		{"JSORC_DATA next", "", map[string]string{"JSORC_DATA": "/j", "XDG_DATA_HOME": "/x"}, "/j"},
		{"XDG_DATA_HOME next", "", map[string]string{"XDG_DATA_HOME": "/x"}, filepath.Join("/x", "jsorc")},
		{"home last", "", nil, filepath.Join(home, ".local", "share", "jsorc")},
		{"empty values skipped", "", map[string]string{"JSORC_DATA": "", "XDG_DATA_HOME": ""}, filepath.Join(home, ".local", "share", "jsorc")},
		{"relative flag kept", "rel/dir", map[string]string{"JSORC_DATA": "/j"}, "rel/dir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cli.DataDir(tc.flag, func(k string) string { return tc.env[k] })
			if err != nil || got != tc.want {
				t.Errorf("DataDir(%q, %v) = %q, %v; want %q", tc.flag, tc.env, got, err, tc.want)
			}
		})
	}
}

func TestDataDirNoHome(t *testing.T) {
	t.Setenv("HOME", "")
	if _, err := cli.DataDir("", func(string) string { return "" }); err == nil {
		t.Error("DataDir with no flag, no environment and no home gave no error")
	}
}
