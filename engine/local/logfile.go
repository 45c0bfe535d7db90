package local

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Default bounds of a process's log (Spec.LogLimits zero values): 10 MiB
// per file and three older files, so a chatty child costs at most 40 MiB.
const (
	DefaultLogMaxBytes = 10 << 20
	DefaultLogKeep     = 3
)

// LogLimits bound a log file: once a write would take PATH past MaxBytes,
// PATH becomes PATH.1 (PATH.1 becomes PATH.2, and so on up to PATH.<Keep>;
// the oldest is deleted) and a new PATH is started.
type LogLimits struct {
	// MaxBytes is the size at which the file rotates; zero means
	// DefaultLogMaxBytes.
	MaxBytes int64
	// Keep is how many rotated files are kept; zero means DefaultLogKeep,
	// a negative value none.
	Keep int
}

func (l LogLimits) withDefaults() LogLimits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLogMaxBytes
	}
	switch {
	case l.Keep == 0:
		l.Keep = DefaultLogKeep
	case l.Keep < 0:
		l.Keep = 0
	}
	return l
}

// Log is an append-only log file that rotates by size. The file is created
// with mode 0600 and its directory with 0700. It rotates at a line
// boundary when the write that crosses the limit holds one, so a line is
// split only when it is longer than what one write carries. Several Logs
// may append to one path in turn (a service's init steps, then the
// service); each notices a rotation another did. Its methods are safe for
// concurrent use.
type Log struct {
	path   string
	limits LogLimits

	mu        sync.Mutex
	f         *os.File
	size      int64
	lineStart bool // the file ends with a newline, or is empty
}

// OpenLog opens path for appending under limits.
func OpenLog(path string, limits LogLimits) (*Log, error) {
	l := &Log{path: path, limits: limits.withDefaults()}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

// open (re)opens the file at l.path. l.mu is held, or l is new.
func (l *Log) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("log file: %w", err)
	}
	l.f, l.size, l.lineStart = f, fi.Size(), true
	if l.size > 0 {
		last := make([]byte, 1)
		if r, err := os.Open(l.path); err == nil {
			if _, err := r.ReadAt(last, l.size-1); err == nil {
				l.lineStart = last[0] == '\n'
			}
			_ = r.Close()
		}
	}
	return nil
}

// Write appends p, rotating first if p would take the file past the limit.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, errors.New("log: write after Close")
	}
	if l.moved() {
		_ = l.f.Close()
		if err := l.open(); err != nil {
			l.f = nil
			return 0, err
		}
	}
	written := 0
	if l.size > 0 && l.size+int64(len(p)) > l.limits.MaxBytes {
		// Finish the line under way in this file, then rotate.
		if i := bytes.IndexByte(p, '\n'); i >= 0 && !l.lineStart {
			n, err := l.write(p[:i+1])
			written, p = n, p[i+1:]
			if err != nil {
				return written, err
			}
		}
		if err := l.rotate(); err != nil {
			return written, err
		}
	}
	n, err := l.write(p)
	return written + n, err
}

// write appends p to the file. l.mu is held.
func (l *Log) write(p []byte) (int, error) {
	n, err := l.f.Write(p)
	l.size += int64(n)
	if n > 0 {
		l.lineStart = p[n-1] == '\n'
	}
	return n, err
}

// moved reports whether another Log rotated the path away from l.f.
// l.mu is held.
func (l *Log) moved() bool {
	cur, err := os.Stat(l.path)
	if err != nil {
		return true
	}
	mine, err := l.f.Stat()
	return err != nil || !os.SameFile(cur, mine)
}

// rotate shifts PATH.i to PATH.i+1, PATH to PATH.1, and starts a new file.
// l.mu is held.
func (l *Log) rotate() error {
	if err := l.f.Close(); err != nil {
		l.f = nil
		return fmt.Errorf("log: rotate %s: %w", l.path, err)
	}
	l.f = nil
	if l.limits.Keep == 0 {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("log: rotate %s: %w", l.path, err)
		}
	} else {
		_ = os.Remove(l.rotated(l.limits.Keep))
		for i := l.limits.Keep - 1; i >= 1; i-- {
			if err := os.Rename(l.rotated(i), l.rotated(i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("log: rotate %s: %w", l.path, err)
			}
		}
		if err := os.Rename(l.path, l.rotated(1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("log: rotate %s: %w", l.path, err)
		}
	}
	return l.open()
}

// rotated is the path of the i-th older file.
func (l *Log) rotated(i int) string {
	return l.path + "." + strconv.Itoa(i)
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// AppendLine appends one line to the log at path under limits, for a
// caller that writes seldom (jsorc's own notes in a service's log).
func AppendLine(path string, limits LogLimits, line string) error {
	l, err := OpenLog(path, limits)
	if err != nil {
		return err
	}
	_, err = l.Write([]byte(line + "\n"))
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return err
}
