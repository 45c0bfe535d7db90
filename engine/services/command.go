package services

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jsorc/jsorc/engine/local"
)

// findProgram returns the absolute path of prog: as given when it contains
// a slash; else from prefer (the directory a service's main program was
// found in, so that its init tools come from the same installation), then
// from the directories matching searchPath, highest version first, then
// from PATH. A program found nowhere is an error wrapping
// local.ErrNotInstalled.
func findProgram(prog, prefer string, searchPath []string) (string, error) {
	if strings.Contains(prog, "/") {
		if isExecutable(prog) {
			return prog, nil
		}
		return "", fmt.Errorf("%w: %s", local.ErrNotInstalled, prog)
	}
	var dirs []string
	if prefer != "" {
		dirs = append(dirs, prefer)
	}
	for _, pattern := range searchPath {
		matches, _ := filepath.Glob(pattern) // patterns are validated
		slices.SortFunc(matches, func(a, b string) int { return naturalCompare(b, a) })
		dirs = append(dirs, matches...)
	}
	for _, dir := range dirs {
		if p := filepath.Join(dir, prog); isExecutable(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath(prog)
	if err == nil {
		if abs, aerr := filepath.Abs(p); aerr == nil {
			p = abs
		}
		return p, nil
	}
	where := "PATH"
	if len(searchPath) > 0 {
		where = strings.Join(searchPath, ", ") + " and PATH"
	}
	return "", fmt.Errorf("%w: %s (looked in %s)", local.ErrNotInstalled, prog, where)
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// naturalCompare orders strings with runs of digits compared as numbers,
// so that ".../9/bin" < ".../15/bin" and "9.6" < "10.1".
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na := strings.TrimLeft(a[:da], "0")
			nb := strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

// digitPrefix returns the length of the run of ASCII digits that starts s.
func digitPrefix(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
