package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Inspection is what Inspect found in a data directory.
type Inspection struct {
	// DB is the check of the database file; skipped (zero) while an engine
	// holds it.
	DB FileReport `json:"db"`
	// InUse is set when an engine holds the database's lock.
	InUse bool `json:"in_use"`
	// PID is the pid recorded in jsorc.pid, 0 when there is none.
	PID int `json:"pid,omitempty"`
	// Problems are findings that need action, each naming the file and
	// the fix; Notes are harmless findings.
	Problems []string `json:"problems,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// Inspect examines the data directory dir and changes nothing: the
// database file (CheckFile, unless an engine holds it), the modes of the
// directory and the file, the lock and the pid file.
func Inspect(dir string) (Inspection, error) {
	var in Inspection
	fi, err := os.Stat(dir)
	if err != nil {
		return in, fmt.Errorf("store: inspect %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return in, fmt.Errorf("store: inspect %s: not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		in.Problems = append(in.Problems, fmt.Sprintf("the data directory %s has mode %04o: other users may write in it; chmod go-w %s", dir, perm, dir))
	}
	path := filepath.Join(dir, dbFileName)
	in.PID = readPID(dir)
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		in.DB = FileReport{Path: path, Missing: true}
		in.Notes = append(in.Notes, fmt.Sprintf("no database %s yet: the first start creates it", path))
		in.notePID(false)
		return in, nil
	case err != nil:
		return in, fmt.Errorf("store: inspect %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		in.Problems = append(in.Problems, fmt.Sprintf("%s has mode %04o: other users may read it; chmod 600 %s", path, st.Mode().Perm(), path))
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		in.InUse = true
		in.DB = FileReport{Path: path}
		in.notePID(true)
		return in, nil
	}
	if err != nil {
		return in, fmt.Errorf("store: inspect %s: lock: %w", path, err)
	}
	in.notePID(false)
	if in.DB, err = CheckFile(path); err != nil {
		return in, err
	}
	for _, d := range in.DB.Damage {
		in.Problems = append(in.Problems, fmt.Sprintf("%s is damaged: %s; `jsorc doctor --recover` keeps a copy and salvages what it can", path, d))
	}
	for _, n := range in.DB.Notes {
		in.Notes = append(in.Notes, path+": "+n)
	}
	return in, nil
}

// notePID describes the lock and the pid file.
func (in *Inspection) notePID(locked bool) {
	switch {
	case locked && in.PID != 0:
		in.Notes = append(in.Notes, fmt.Sprintf("in use by a running engine (pid %d); the database was not checked", in.PID))
	case locked:
		in.Problems = append(in.Problems, "in use by a running engine that left no jsorc.pid; the database was not checked")
	case in.PID != 0:
		in.Notes = append(in.Notes, fmt.Sprintf("jsorc.pid names pid %d but no engine holds the lock: a stale file, replaced at the next start", in.PID))
	}
}
