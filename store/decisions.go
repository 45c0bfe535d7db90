package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AppendDecisions adds the policy's moves to its decision history, each at
// its TS, and keeps the newest keep of them (all if keep ≤ 0), in one
// transaction.
func (s *Store) AppendDecisions(moves []Report, keep int) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := decisionsBucket(tx)
		if err != nil {
			return err
		}
		for _, m := range moves {
			if err := seriesAppend(b, m.TS, m.Value); err != nil {
				return err
			}
		}
		_, err = seriesPrune(b, time.Time{}, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: append policy decisions: %w", err)
	}
	return nil
}

// Decisions returns the newest limit moves of the decision history (all
// if limit ≤ 0), oldest first.
func (s *Store) Decisions(limit int) ([]Report, error) {
	var out []Report
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := decisionsBucket(tx)
		if err != nil {
			return err
		}
		if limit <= 0 {
			out, err = seriesRead(b, fromFirst(), 0)
		} else {
			out, err = seriesLast(b, limit)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: read policy decisions: %w", err)
	}
	return out, nil
}

// decisionsBucket is policy/decisions.
func decisionsBucket(tx *bolt.Tx) (*bolt.Bucket, error) {
	p, err := getBucket(tx, bucketPolicy)
	if err != nil {
		return nil, err
	}
	b := p.Bucket(bucketDecisions)
	if b == nil {
		return nil, fmt.Errorf("bucket %s/%s is missing", bucketPolicy, bucketDecisions)
	}
	return b, nil
}
