package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RecoverReport says what Recover did.
type RecoverReport struct {
	// Check is what CheckFile found before the recovery.
	Check FileReport `json:"check"`
	// Recovered is set when the file was damaged and has been replaced by
	// what could be salvaged; false when it was healthy or missing and
	// nothing was changed.
	Recovered bool `json:"recovered"`
	// Kept is the path the damaged file is kept at.
	Kept string `json:"kept,omitempty"`
	// Buckets and Records count what was salvaged.
	Buckets int `json:"buckets"`
	Records int `json:"records"`
	// LostPages counts the pages in use that could not be read.
	LostPages int `json:"lost_pages"`
	// Backup is the snapshot (jsorc.db.bak) whose records filled in what
	// the damaged file no longer held, and BackupRecords counts those.
	Backup        string `json:"backup,omitempty"`
	BackupRecords int    `json:"backup_records,omitempty"`
	// Problems lists the first of what could not be read.
	Problems []string `json:"problems,omitempty"`
}

// Recover repairs the database of the data directory dir, which no engine
// may hold. A healthy or missing file is left alone. A damaged one is kept
// as jsorc.db.damaged-<now, UTC> (a hard link, or a copy where links are not
// possible); the key/value pairs and buckets still readable from it, laid
// over the snapshot jsorc.db.bak when that is intact (what the damaged file
// still holds wins; the snapshot fills in the rest, so a key deleted since
// the snapshot may come back), are written to a fresh database, and that
// replaces jsorc.db in one rename: at
// every moment jsorc.db is either the damaged file or the salvaged one, so a
// crash during Recover never leaves a data directory that would start empty.
// The next Open brings the salvaged file's schema up to date.
func Recover(dir string, now time.Time) (RecoverReport, error) {
	var rep RecoverReport
	path := filepath.Join(dir, dbFileName)
	lock, err := lockFile(path, true, DefaultLockTimeout)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rep.Check = FileReport{Path: path, Missing: true}
		return rep, nil
	case errors.Is(err, errLockTimeout):
		return rep, lockedError(dir)
	case err != nil:
		return rep, fmt.Errorf("store: recover %s: %w", path, err)
	}
	defer func() { _ = lock.Close() }()
	if rep.Check, err = CheckFile(path); err != nil {
		return rep, err
	}
	if rep.Check.Healthy() {
		return rep, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return rep, fmt.Errorf("store: recover %s: %w", path, err)
	}
	best := salvageBest(data, &rep)
	if base, ok := readBackup(dir); ok {
		rep.Backup = filepath.Join(dir, backupFileName)
		before := best.records()
		best = overlay(base, best)
		rep.BackupRecords = best.records() - before
		rep.Buckets = countBuckets(best)
	}

	tmp := path + ".salvage"
	if err := writeTree(tmp, best); err != nil {
		_ = os.Remove(tmp)
		return rep, fmt.Errorf("store: recover %s: writing what was salvaged: %w", path, err)
	}
	rep.Kept = path + ".damaged-" + now.UTC().Format("20060102T150405Z")
	if err := keepCopy(path, rep.Kept); err != nil {
		_ = os.Remove(tmp)
		return rep, fmt.Errorf("store: recover %s: keeping the damaged file: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return rep, fmt.Errorf("store: recover %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return rep, fmt.Errorf("store: recover %s: %w", path, err)
	}
	rep.Recovered = true
	return rep, nil
}

// salvageBest reads the tree of each valid meta page (the previous commit's
// tree often survives what broke the last one) and returns the one that
// yields the most records, the newest on a tie; it fills rep's counts.
func salvageBest(data []byte, rep *RecoverReport) *tree {
	valid, _, _ := readMetas(bytes.NewReader(data))
	best := &tree{}
	bestLost, bestRecords, bestTx := 0, -1, uint64(0)
	var bestProblems []string
	for _, m := range valid {
		t, lost, problems := salvageTree(data, m)
		n := t.records()
		if n > bestRecords || n == bestRecords && m.txid > bestTx {
			best, bestLost, bestRecords, bestTx, bestProblems = t, lost, n, m.txid, problems
		}
	}
	if len(valid) == 0 {
		bestProblems = []string{"no valid meta page: the bucket tree cannot be found"}
	}
	rep.Records, rep.LostPages, rep.Problems = max(bestRecords, 0), bestLost, bestProblems
	rep.Buckets = countBuckets(best)
	return best
}

// readBackup reads the whole tree of the data directory's snapshot, if it
// is there and intact.
func readBackup(dir string) (*tree, bool) {
	path := filepath.Join(dir, backupFileName)
	if r, err := CheckFile(path); err != nil || r.Missing || !r.Healthy() {
		return nil, false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var rep RecoverReport
	t := salvageBest(data, &rep)
	return t, rep.LostPages == 0
}

// overlay lays top over base: top's pairs replace base's of the same key,
// buckets merge. It returns base, modified.
func overlay(base, top *tree) *tree {
	index := make(map[string]int, len(base.keys))
	for i, k := range base.keys {
		index[string(k)] = i
	}
	for i, k := range top.keys {
		j, ok := index[string(k)]
		if !ok {
			base.keys = append(base.keys, k)
			base.vals = append(base.vals, top.vals[i])
		} else {
			base.vals[j] = top.vals[i]
		}
	}
	for i, name := range top.names {
		overlay(base.sub(name), top.buckets[i])
	}
	base.seq = max(base.seq, top.seq)
	return base
}

func countBuckets(t *tree) int {
	n := len(t.buckets)
	for _, b := range t.buckets {
		n += countBuckets(b)
	}
	return n
}

// writeTree writes t as a fresh bbolt database at path. Pairs at the top
// level (bbolt keeps only buckets there) cannot be written and are dropped.
func writeTree(path string, t *tree) error {
	_ = os.Remove(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for i, name := range t.names {
			b, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return fmt.Errorf("bucket %q: %w", name, err)
			}
			if err := fillBucket(b, t.buckets[i]); err != nil {
				return fmt.Errorf("bucket %q: %w", name, err)
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// fillBucket writes t's pairs and nested buckets into b.
func fillBucket(b *bolt.Bucket, t *tree) error {
	for i, k := range t.keys {
		if len(k) == 0 {
			continue // bbolt refuses empty keys; a salvage may read one
		}
		if err := b.Put(k, t.vals[i]); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	for i, name := range t.names {
		if len(name) == 0 || b.Get(name) != nil {
			continue
		}
		sub, err := b.CreateBucketIfNotExists(name)
		if err != nil {
			return fmt.Errorf("bucket %q: %w", name, err)
		}
		if err := fillBucket(sub, t.buckets[i]); err != nil {
			return fmt.Errorf("bucket %q: %w", name, err)
		}
	}
	return b.SetSequence(t.seq)
}

// keepCopy makes kept a copy of path: a hard link, else a byte copy
// synced to disk. An existing kept is never overwritten.
func keepCopy(path, kept string) error {
	if err := os.Link(path, kept); err == nil {
		return nil
	} else if errors.Is(err, fs.ErrExist) {
		return err
	}
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()
	dst, err := os.OpenFile(kept, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
