package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// File names inside the data directory.
const (
	dbFileName     = "jsorc.db"
	pidFileName    = "jsorc.pid"
	backupFileName = "jsorc.db.bak"
)

// DefaultLockTimeout is how long Open waits for the data directory's lock
// when Options.LockTimeout is not set.
const DefaultLockTimeout = time.Second

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// LockTimeout bounds the wait for the exclusive lock on the database
	// file; zero or less means DefaultLockTimeout.
	LockTimeout time.Duration
}

func (o Options) lockTimeout() time.Duration {
	if o.LockTimeout <= 0 {
		return DefaultLockTimeout
	}
	return o.LockTimeout
}

// Store is the engine's bbolt database in one data directory. Its methods
// are safe for concurrent use; every write is durable when it returns.
type Store struct {
	db      *bolt.DB
	path    string
	pidPath string

	closeOnce sync.Once
	closeErr  error
}

// Open opens, or creates, the database of the data directory dir: the
// directory is created with mode 0700 if missing and the file jsorc.db
// with mode 0600. If another process holds the file for longer than
// opts.LockTimeout, Open fails with an error wrapping ErrLocked. A damaged
// file (see CheckFile) is refused, untouched, with an error wrapping
// ErrDamaged that says how to recover it. It then
// creates any missing bucket and brings the schema up to date, or fails
// with ErrSchemaTooNew, leaving the file untouched, if the database comes
// from a newer jsorc.
func Open(dir string, opts Options) (*Store, error) {
	return open(dir, opts, schemaMigrations())
}

// open is Open with the migration list as a parameter, so tests can run
// migrations the binary does not ship.
func open(dir string, opts Options, list []migration) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store: open: empty data directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	path := filepath.Join(dir, dbFileName)
	if err := preflight(dir, path, opts.lockTimeout()); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.lockTimeout()})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, lockedError(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, list) }); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, pidPath: filepath.Join(dir, pidFileName)}
	if err := writePID(s.pidPath); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.snapshot()
	return s, nil
}

// Path returns the path of the database file.
func (s *Store) Path() string {
	return s.path
}

// Close refreshes the snapshot jsorc.db.bak, removes the pid file and
// closes the database, releasing the lock. Calling it again returns the
// first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.snapshot()
		// The pid file goes first: once the lock is released another
		// engine may write its own.
		pidErr := removePID(s.pidPath)
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("store: close %s: %w", s.path, err)
			return
		}
		if pidErr != nil {
			s.closeErr = fmt.Errorf("store: close: %w", pidErr)
		}
	})
	return s.closeErr
}
