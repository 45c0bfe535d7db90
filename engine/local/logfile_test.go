package local_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/local"
)

// logFiles reads path and its rotated files, newest last, and fails if a
// file beyond keep exists.
func logFiles(t *testing.T, path string, keep int) []string {
	t.Helper()
	if _, err := os.Stat(fmt.Sprintf("%s.%d", path, keep+1)); err == nil {
		t.Errorf("%s.%d exists: more than %d old files kept", path, keep+1, keep)
	}
	var out []string
	for i := keep; i >= 1; i-- {
		if b, err := os.ReadFile(fmt.Sprintf("%s.%d", path, i)); err == nil {
			out = append(out, string(b))
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, string(b))
}

func TestLogRotates(t *testing.T) {
	tests := []struct {
		name  string
		keep  int // as given
		kept  int // old files expected
		write []string
	}{
		{name: "lines", keep: 2, kept: 2, write: lines(0, 20)},
		{name: "a line in pieces", keep: 1, kept: 1, write: []string{"start of a", " long line\n", strings.Repeat("y", 60) + "\n", "tail"}},
		{name: "no old files", keep: -1, kept: 0, write: lines(0, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "logs", "x.log")
			l, err := local.OpenLog(path, local.LogLimits{MaxBytes: 100, Keep: tt.keep})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.write {
				if n, err := l.Write([]byte(w)); err != nil || n != len(w) {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			files := logFiles(t, path, tt.kept)
			all := strings.Join(files, "")
			if !strings.HasSuffix(strings.Join(tt.write, ""), all) {
				t.Errorf("the files do not hold the newest output in order:\n%q", files)
			}
			for i, f := range files {
				// A file ends at a line boundary, or is the current one.
				if i < len(files)-1 && !strings.HasSuffix(f, "\n") {
					t.Errorf("rotated file %d ends inside a line: %q", i, f)
				}
				if len(f) > 100+len("long line\n") {
					t.Errorf("file %d has %d bytes, limit 100", i, len(f))
				}
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("log mode %v, %v; want 0600", fi.Mode(), err)
			}
		})
	}
}

// lines returns lines from..to of 30 bytes each.
func lines(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("line %04d %s\n", i, strings.Repeat("-", 19)))
	}
	return out
}

// TestLogNoticesAnotherRotation: two Logs on one path in turn (a service's
// init step, then the service) both write into the current file.
func TestLogNoticesAnotherRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	limits := local.LogLimits{MaxBytes: 100, Keep: 3}
	a, err := local.OpenLog(path, limits)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Write([]byte("a1\n")); err != nil {
		t.Fatal(err)
	}
	for _, l := range lines(0, 5) {
		if err := local.AppendLine(path, limits, strings.TrimSuffix(l, "\n")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Write([]byte("a2\n")); err != nil {
		t.Fatal(err)
	}
	cur, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(cur), "a2\n") {
		t.Errorf("a's second line went to a rotated file; current file:\n%s", cur)
	}
}

// TestProcessLogRotates: a child that prints 2 MB into a log limited to
// 256 KiB and two old files leaves at most 768 KiB, its last line in the
// current file, and no line cut in two.
func TestProcessLogRotates(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "spew", "20000") // 20000 lines of 101 bytes
	spec.LogLimits = local.LogLimits{MaxBytes: 256 << 10, Keep: 2}
	p := startChild(t, spec)
	if err := p.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	files := logFiles(t, spec.LogPath, 2)
	total := 0
	for i, f := range files {
		total += len(f)
		for _, line := range strings.Split(strings.TrimSuffix(f, "\n"), "\n") {
			if len(line) != 100 {
				t.Fatalf("file %d has a line of %d bytes: %.40q", i, len(line), line)
			}
		}
	}
	if total > 3*(256<<10)+32<<10 {
		t.Errorf("%d bytes of logs, want at most about 768 KiB", total)
	}
	if !strings.HasSuffix(files[len(files)-1], fmt.Sprintf("line %06d %s\n", 19999, strings.Repeat("x", 88))) {
		t.Error("the last line is not at the end of the current file")
	}
	t.Logf("2,020,000 bytes printed, %d kept in %d files", total, len(files))
}

// TestStdin: Spec.Stdin reaches the child's standard input.
func TestStdin(t *testing.T) {
	t.Parallel()
	spec := childSpec(t, "cat")
	spec.Stdin = []byte("ALTER ROLE x;\n")
	p := startChild(t, spec)
	if err := p.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(spec.LogPath)
	if want := `stdin "ALTER ROLE x;\n"`; !strings.Contains(string(b), want) {
		t.Errorf("log %q lacks %q", b, want)
	}
}
