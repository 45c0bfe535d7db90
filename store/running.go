package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Progress is the saved state of a measurement in progress: what it needs
// to carry on after a restart.
type Progress struct {
	// State is the measurement's own state (when it started, its totals),
	// as the engine encoded it.
	State []byte
	// Entries is its history so far, oldest first.
	Entries []Report
}

// SaveProgress records the progress of the running measurement kind (for
// example "benchmark"): state replaces the saved state, entries are
// appended to the saved history, of which the newest keep are kept (all if
// keep ≤ 0). All in one transaction.
func (s *Store) SaveProgress(kind string, state []byte, entries []Report, keep int) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if kind == "" {
			return errors.New("empty measurement kind")
		}
		root, err := getBucket(tx, bucketRunning)
		if err != nil {
			return err
		}
		b, err := root.CreateBucketIfNotExists([]byte(kind))
		if err != nil {
			return fmt.Errorf("create bucket %s/%s: %w", bucketRunning, kind, err)
		}
		if err := putOrDelete(b, keyState, state); err != nil {
			return err
		}
		eb, err := b.CreateBucketIfNotExists(bucketEntries)
		if err != nil {
			return fmt.Errorf("create bucket %s/%s/%s: %w", bucketRunning, kind, bucketEntries, err)
		}
		for _, e := range entries {
			if err := seriesAppend(eb, e.TS, e.Value); err != nil {
				return err
			}
		}
		_, err = seriesPrune(eb, time.Time{}, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save %s progress: %w", kind, err)
	}
	return nil
}

// LoadProgress returns the saved progress of measurement kind; ok is false
// when none is saved.
func (s *Store) LoadProgress(kind string) (p Progress, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		root, err := getBucket(tx, bucketRunning)
		if err != nil {
			return err
		}
		b := root.Bucket([]byte(kind))
		if b == nil {
			return nil
		}
		ok = true
		p.State = clone(b.Get(keyState))
		p.Entries, err = seriesRead(b.Bucket(bucketEntries), fromFirst(), 0)
		return err
	})
	if err != nil {
		return Progress{}, false, fmt.Errorf("store: load %s progress: %w", kind, err)
	}
	return p, ok, nil
}

// ClearProgress forgets the progress of measurement kind, once it has
// stopped. Clearing what was never saved is not an error.
func (s *Store) ClearProgress(kind string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		root, err := getBucket(tx, bucketRunning)
		if err != nil {
			return err
		}
		if err := root.DeleteBucket([]byte(kind)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: clear %s progress: %w", kind, err)
	}
	return nil
}
