package store

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Report is one entry of a time series: a value and the instant it was
// taken, in UTC with nanosecond precision.
type Report struct {
	// TS is when the report was taken.
	TS time.Time
	// Value is the report as the engine encoded it.
	Value []byte
}

// AppendReport adds value to the time series kind (for example
// "benchmark" or "tracksys") at ts, which must lie between the Unix epoch
// and the year 2262. If an entry already holds ts, value goes to the next
// free nanosecond so that no report is overwritten.
func (s *Store) AppendReport(kind string, ts time.Time, value []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if kind == "" {
			return errors.New("empty report kind")
		}
		key, err := timeKey(ts)
		if err != nil {
			return err
		}
		b, err := createReportsBucket(tx, kind)
		if err != nil {
			return err
		}
		for b.Get(key) != nil {
			n, _ := decodeUint64(key)
			if key, err = timeKey(time.Unix(0, int64(n)+1)); err != nil {
				return err
			}
		}
		if value == nil {
			value = []byte{}
		}
		return b.Put(key, value)
	})
	if err != nil {
		return fmt.Errorf("store: append %s report: %w", kind, err)
	}
	return nil
}

// Reports returns up to limit entries of the time series kind taken at or
// after since, oldest first; limit zero or less means no limit. A kind
// never appended to has no entries.
func (s *Store) Reports(kind string, since time.Time, limit int) ([]Report, error) {
	var out []Report
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := getReportsBucket(tx, kind)
		if err != nil || b == nil {
			return err
		}
		c := b.Cursor()
		var k, v []byte
		switch start, err := timeKey(since); {
		case err == nil:
			k, v = c.Seek(start)
		case since.Before(time.Unix(0, 0)):
			k, v = c.First()
		default: // after the last instant a key can hold
			return nil
		}
		for ; k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
			ts, err := keyTime(k)
			if err != nil {
				return fmt.Errorf("key %x: %w", k, err)
			}
			out = append(out, Report{TS: ts, Value: clone(v)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read %s reports: %w", kind, err)
	}
	return out, nil
}

// PruneReports deletes the entries of the time series kind taken before
// olderThan, and any beyond the newest keep, and returns how many it
// deleted. A zero olderThan turns off the age rule; keep zero or less
// turns off the count rule.
func (s *Store) PruneReports(kind string, olderThan time.Time, keep int) (int, error) {
	deleted := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := getReportsBucket(tx, kind)
		if err != nil || b == nil {
			return err
		}
		cut := pruneCut(b.Cursor(), olderThan, keep)
		if cut == nil {
			return nil
		}
		// Keys sort by time, so the doomed entries are a prefix. Collect
		// them first: deleting under a moving cursor skips entries.
		var doomed [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, cut) < 0; k, _ = c.Next() {
			doomed = append(doomed, clone(k))
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return fmt.Errorf("delete key %x: %w", k, err)
			}
		}
		deleted = len(doomed)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune %s reports: %w", kind, err)
	}
	return deleted, nil
}

// pruneCut returns the key before which every entry goes, or nil if none
// does: the later of olderThan's key and the key of the keep-th newest
// entry.
func pruneCut(c *bolt.Cursor, olderThan time.Time, keep int) []byte {
	var cut []byte
	if !olderThan.IsZero() {
		switch k, err := timeKey(olderThan); {
		case err == nil:
			cut = k
		case olderThan.After(time.Unix(0, 0)): // beyond the last key
			cut = bytes.Repeat([]byte{0xff}, 9)
		}
	}
	if keep > 0 {
		k, _ := c.Last()
		for i := 1; i < keep && k != nil; i++ {
			k, _ = c.Prev()
		}
		if k != nil && bytes.Compare(k, cut) > 0 {
			cut = clone(k)
		}
	}
	return cut
}
