package services

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Inspection is what Inspect found among the services' files of a data
// directory: Problems need action (each names the file and the fix), Notes
// are harmless.
type Inspection struct {
	Problems []string `json:"problems,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// Inspect examines, without changing anything, the services' files under
// the data directory dataDir: each service's data directory (not open to
// other users), the password files of defs' services that have one (mode
// 0600, present when their data is), a PostgreSQL cluster still on trust
// authentication, and the logs directory.
func Inspect(dataDir string, defs map[string]Definition) (Inspection, error) {
	var in Inspection
	root := filepath.Join(dataDir, "services")
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		in.Notes = append(in.Notes, "no service has run in this data directory yet")
		return in, nil
	}
	if err != nil {
		return in, fmt.Errorf("services: inspect %s: %w", root, err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() {
			names[e.Name()] = true
		}
	}
	for name, def := range defs {
		if def.Password {
			names[name] = names[name] || fileExists(filepath.Join(root, name+".password"))
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		in.service(root, name, defs[name])
	}
	in.mode(filepath.Join(dataDir, "logs"), 0o077, "the logs directory", "chmod 700")
	return in, nil
}

// service inspects one service's files.
func (in *Inspection) service(root, name string, def Definition) {
	dir := filepath.Join(root, name)
	hasData := false
	if entries, err := os.ReadDir(dir); err == nil {
		hasData = len(entries) > 0
		in.mode(dir, 0o077, "the data of service "+name, "chmod 700")
	}
	pwFile := filepath.Join(root, name+".password")
	switch {
	case def.Password && fileExists(pwFile):
		in.mode(pwFile, 0o077, "the password of service "+name, "chmod 600")
		in.Notes = append(in.Notes, fmt.Sprintf("service %s: password in %s", name, pwFile))
	case def.Password && hasData:
		in.Notes = append(in.Notes, fmt.Sprintf("service %s: its data has no password file (%s): the next start generates one and sets it in the data", name, pwFile))
	}
	hba := filepath.Join(dir, "pg_hba.conf")
	if b, err := os.ReadFile(hba); err == nil && trusts(string(b)) {
		in.Problems = append(in.Problems, fmt.Sprintf("service %s: %s lets clients in without a password (trust): "+
			"start the engine with %s kept alive and it rewrites the file and sets a password", name, hba, name))
	}
}

// mode reports path as a problem when it has any of the bad permission
// bits.
func (in *Inspection) mode(path string, bad fs.FileMode, what, fix string) {
	fi, err := os.Stat(path)
	if err != nil {
		return
	}
	if perm := fi.Mode().Perm(); perm&bad != 0 {
		in.Problems = append(in.Problems, fmt.Sprintf("%s (%s) has mode %04o: other users may read it; %s %s", what, path, perm, fix, path))
	}
}

// trusts reports whether a pg_hba.conf has a line with the trust method.
func trusts(hba string) bool {
	for _, line := range strings.Split(hba, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && !strings.HasPrefix(f[0], "#") && f[len(f)-1] == "trust" {
			return true
		}
	}
	return false
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
