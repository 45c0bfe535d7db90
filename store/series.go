package store

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A time series is a bucket whose keys are timestamps (timeKey) and whose
// values are opaque: the reports of one kind, the policy's decisions, the
// history of a running measurement. These helpers work on any of them.

// seriesAppend puts value at ts, or at the next free nanosecond if ts is
// taken, so that no entry is overwritten.
func seriesAppend(b *bolt.Bucket, ts time.Time, value []byte) error {
	key, err := timeKey(ts)
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
}

// seriesRead returns up to limit entries of b (nil: none) taken at or after
// since, oldest first; limit zero or less means no limit.
func seriesRead(b *bolt.Bucket, since time.Time, limit int) ([]Report, error) {
	if b == nil {
		return nil, nil
	}
	var out []Report
	c := b.Cursor()
	var k, v []byte
	switch start, err := timeKey(since); {
	case err == nil:
		k, v = c.Seek(start)
	case since.Before(time.Unix(0, 0)):
		k, v = c.First()
	default: // after the last instant a key can hold
		return nil, nil
	}
	for ; k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
		ts, err := keyTime(k)
		if err != nil {
			return nil, fmt.Errorf("key %x: %w", k, err)
		}
		out = append(out, Report{TS: ts, Value: clone(v)})
	}
	return out, nil
}

// seriesLast returns the newest n entries of b, oldest first.
func seriesLast(b *bolt.Bucket, n int) ([]Report, error) {
	if b == nil || n <= 0 {
		return nil, nil
	}
	c := b.Cursor()
	k, _ := c.Last()
	for i := 1; i < n && k != nil; i++ {
		if prev, _ := c.Prev(); prev != nil {
			k = prev
		} else {
			break
		}
	}
	if k == nil {
		return nil, nil
	}
	since, err := keyTime(k)
	if err != nil {
		return nil, fmt.Errorf("key %x: %w", k, err)
	}
	return seriesRead(b, since, n)
}

// seriesPrune deletes the entries of b taken before olderThan, and any
// beyond the newest keep, and returns how many it deleted. A zero
// olderThan turns off the age rule; keep zero or less turns off the count
// rule.
func seriesPrune(b *bolt.Bucket, olderThan time.Time, keep int) (int, error) {
	if b == nil {
		return 0, nil
	}
	cut := pruneCut(b.Cursor(), olderThan, keep)
	if cut == nil {
		return 0, nil
	}
	// Keys sort by time, so the doomed entries are a prefix. Collect them
	// first: deleting under a moving cursor skips entries.
	var doomed [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, cut) < 0; k, _ = c.Next() {
		doomed = append(doomed, clone(k))
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("delete key %x: %w", k, err)
		}
	}
	return len(doomed), nil
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

// fromFirst is before every key: seriesRead starts at the first entry.
func fromFirst() time.Time { return time.Unix(-1, 0) }
