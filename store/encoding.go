package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// encodeUint64 returns v as 8 big-endian bytes, so byte order is numeric order.
func encodeUint64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}

// decodeUint64 reads 8 big-endian bytes written by encodeUint64.
func decodeUint64(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("want 8 bytes, have %d", len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// timeKey encodes ts as a report key: unix nanoseconds, big-endian. Only
// instants from the Unix epoch to the year 2262 fit: the count must not be
// negative and must fit an int64 to decode.
func timeKey(ts time.Time) ([]byte, error) {
	first, last := time.Unix(0, 0), time.Unix(0, math.MaxInt64)
	if ts.Before(first) || ts.After(last) {
		return nil, fmt.Errorf("timestamp %s is outside %s … %s",
			ts.UTC().Format(time.RFC3339Nano), first.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339))
	}
	return encodeUint64(uint64(ts.UnixNano())), nil
}

// keyTime decodes a report key written by timeKey; the time is in UTC.
func keyTime(k []byte) (time.Time, error) {
	n, err := decodeUint64(k)
	if err != nil {
		return time.Time{}, err
	}
	if n > math.MaxInt64 {
		return time.Time{}, fmt.Errorf("timestamp %d overflows int64", n)
	}
	return time.Unix(0, int64(n)).UTC(), nil
}

// clone copies a value out of a transaction: bbolt's slices are only valid
// until the transaction ends. A stored empty value stays non-nil so that it
// is told apart from a missing one.
func clone(v []byte) []byte {
	if v == nil {
		return nil
	}
	c := make([]byte, len(v))
	copy(c, v)
	return c
}
