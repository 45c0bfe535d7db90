package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Meta returns the engine's META_CONFIG as last stored by SetMeta, or nil
// if it was never set.
func (s *Store) Meta() ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, err := getBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		out = clone(meta.Get(keyConfig))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: get meta config: %w", err)
	}
	return out, nil
}

// SetMeta stores the engine's META_CONFIG. An empty value clears it, so that
// Meta returns nil again.
func (s *Store) SetMeta(value []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta, err := getBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return putOrDelete(meta, keyConfig, value)
	})
	if err != nil {
		return fmt.Errorf("store: set meta config: %w", err)
	}
	return nil
}

// Seeded reports whether MarkSeeded was called on this database: the
// engine seeds a new data directory with its built-in modules once, and
// a directory whose modules were all deleted since stays without any.
func (s *Store) Seeded() (bool, error) {
	var seeded bool
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, err := getBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		seeded = meta.Get(keySeeded) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: read seeded: %w", err)
	}
	return seeded, nil
}

// MarkSeeded records that the engine seeded this database (see Seeded).
func (s *Store) MarkSeeded() error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta, err := getBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(keySeeded, []byte{})
	})
	if err != nil {
		return fmt.Errorf("store: mark seeded: %w", err)
	}
	return nil
}
