package store

import (
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// snapshot writes a consistent copy of the database to jsorc.db.bak, for
// Recover to fall back on when the database file is damaged beyond what a
// salvage can read (a truncation usually takes the newest pages, and with
// them the root of the bucket tree). It replaces the previous copy only
// once the new one is on disk. A snapshot that cannot be written (a full
// disk) leaves the previous one and is otherwise ignored: it must never
// keep the engine from starting or stopping; `jsorc doctor` reports a
// missing or stale copy.
func (s *Store) snapshot() {
	_ = writeSnapshot(s.db, filepath.Join(filepath.Dir(s.path), backupFileName))
}

// writeSnapshot copies db to path atomically (a temporary file, synced,
// then renamed).
func writeSnapshot(db *bolt.DB, path string) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	err = db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}
