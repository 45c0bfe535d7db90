package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
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

// lockFile opens path and takes a flock on it, shared or exclusive, waiting
// up to timeout as bbolt does (it polls every 50ms). Closing the file
// releases the lock. A missing file is an error wrapping fs.ErrNotExist; a
// lock not obtained in time is errLockTimeout.
func lockFile(path string, exclusive bool, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, errLockTimeout
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// errLockTimeout is lockFile's error when the lock stays held.
var errLockTimeout = errors.New("lock wait timed out")

// preflight checks the database file at path before bbolt maps it, under a
// shared lock so that a running engine's commit is never read half-written.
// A missing file passes: bbolt creates it.
func preflight(dir, path string, timeout time.Duration) error {
	f, err := lockFile(path, false, timeout)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, errLockTimeout):
		return lockedError(dir)
	case err != nil:
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	r, err := CheckFile(path)
	if err != nil {
		return err
	}
	if !r.Healthy() {
		return damagedError(r)
	}
	return nil
}
