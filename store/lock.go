package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// writePID records this process as the holder of the data directory, for
// the message another engine gets when it finds the directory locked.
func writePID(path string) error {
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

// removePID deletes the pid file; one already gone is not an error.
func removePID(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	return nil
}

// readPID returns the pid recorded in the data directory, or 0 when there
// is none or it cannot be read: the holder may not have written it yet.
func readPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, pidFileName))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// lockedError builds the error Open returns when the lock wait times out.
func lockedError(dir string) error {
	if pid := readPID(dir); pid != 0 {
		return fmt.Errorf("%w: the data directory %s is in use by another jsorc engine (pid %d)", ErrLocked, dir, pid)
	}
	return fmt.Errorf("%w: the data directory %s is in use by another jsorc engine", ErrLocked, dir)
}
