package store

import (
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
		if _, err := timeKey(ts); err != nil {
			return err
		}
		b, err := createReportsBucket(tx, kind)
		if err != nil {
			return err
		}
		return seriesAppend(b, ts, value)
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
		if err != nil {
			return err
		}
		out, err = seriesRead(b, since, limit)
		return err
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
		if err != nil {
			return err
		}
		deleted, err = seriesPrune(b, olderThan, keep)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune %s reports: %w", kind, err)
	}
	return deleted, nil
}
