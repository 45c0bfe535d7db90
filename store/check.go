package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// FileReport is what CheckFile found in a database file.
type FileReport struct {
	// Path is the file checked.
	Path string `json:"path"`
	// Missing is set when there is no file (a new data directory).
	Missing bool `json:"missing,omitempty"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
	// PageSize is the page size the current meta page records.
	PageSize int `json:"page_size,omitempty"`
	// Pages is the current meta page's high-water mark: the pages in use.
	Pages uint64 `json:"pages,omitempty"`
	// TxID is the id of the last committed transaction.
	TxID uint64 `json:"txid,omitempty"`
	// Damage lists what makes the file unsafe to open; empty when healthy.
	Damage []string `json:"damage,omitempty"`
	// Notes lists what is odd but harmless, e.g. one meta page torn by a
	// crash while the other is intact (bbolt uses the intact one).
	Notes []string `json:"notes,omitempty"`
}

// Healthy reports whether the file may be opened (or is missing).
func (r FileReport) Healthy() bool { return len(r.Damage) == 0 }

// CheckFile reads the two meta pages of the bbolt database at path and
// checks, without mapping it into memory, what bbolt takes for granted:
// a non-empty file, a valid meta page (magic, version, checksum), a length
// that is a whole number of pages, and every page in use inside the file.
// A missing file is reported as Missing, not as damage. The error is for
// a file that cannot be read at all.
func CheckFile(path string) (FileReport, error) {
	r := FileReport{Path: path}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		r.Missing = true
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("store: check %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return r, fmt.Errorf("store: check %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		r.Damage = append(r.Damage, fmt.Sprintf("it is not a regular file (%v)", fi.Mode().Type()))
		return r, nil
	}
	r.Size = fi.Size()
	if r.Size == 0 {
		r.Damage = append(r.Damage, "it is empty (0 bytes): it was cut short, or the engine that created it died before writing anything")
		return r, nil
	}
	metas, problems, err := readMetas(f)
	if err != nil {
		return r, fmt.Errorf("store: check %s: %w", path, err)
	}
	cur, ok := currentMeta(metas)
	if !ok {
		r.Damage = append(r.Damage, "neither meta page is valid ("+strings.Join(problems, "; ")+"): it is not a jsorc database, or its first pages were overwritten")
		return r, nil
	}
	for _, p := range problems {
		r.Notes = append(r.Notes, p+"; bbolt uses the other, intact one")
	}
	r.PageSize, r.Pages, r.TxID = int(cur.pageSize), cur.pgid, cur.txid
	need := cur.pgid * uint64(cur.pageSize)
	if uint64(r.Size) < need {
		r.Damage = append(r.Damage, fmt.Sprintf("it is truncated: its %d pages in use need %d bytes, the file has %d", cur.pgid, need, r.Size))
	}
	if r.Size%int64(cur.pageSize) != 0 {
		r.Damage = append(r.Damage, fmt.Sprintf("its length %d is not a whole number of %d-byte pages", r.Size, cur.pageSize))
	}
	return r, nil
}

// readMetas decodes the meta pages of f: page 0 at offset 0, page 1 one
// page further, by page 0's page size or, when page 0 is unreadable, the
// machine's (as bbolt looks for it). It returns the valid ones and a
// description of each invalid one.
func readMetas(f io.ReaderAt) ([]boltMeta, []string, error) {
	var valid []boltMeta
	var problems []string
	m0, err := readMeta(f, 0, 0)
	if err != nil {
		return nil, nil, err
	}
	second := int64(os.Getpagesize())
	if p := m0.problem(); p == "" {
		valid = append(valid, m0)
		second = int64(m0.pageSize)
	} else {
		problems = append(problems, "meta page 0: "+p)
	}
	m1, err := readMeta(f, 1, second)
	if err != nil {
		return nil, nil, err
	}
	if p := m1.problem(); p == "" {
		valid = append(valid, m1)
	} else {
		problems = append(problems, "meta page 1: "+p)
	}
	return valid, problems, nil
}

// readMeta decodes the meta page n at offset off; a file too short to hold
// it yields a meta that fails every check.
func readMeta(f io.ReaderAt, n int, off int64) (boltMeta, error) {
	buf := make([]byte, pageHeaderSize+metaSize)
	k, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return boltMeta{}, fmt.Errorf("read meta page %d: %w", n, err)
	}
	m, _ := decodeMeta(n, buf[:k])
	m.page = n
	return m, nil
}

// currentMeta is the valid meta with the highest transaction id, the one
// bbolt uses.
func currentMeta(valid []boltMeta) (boltMeta, bool) {
	if len(valid) == 0 {
		return boltMeta{}, false
	}
	cur := valid[0]
	for _, m := range valid[1:] {
		if m.txid > cur.txid {
			cur = m
		}
	}
	return cur, true
}

// damagedError is Open's error for a damaged database file.
func damagedError(r FileReport) error {
	return fmt.Errorf("%w: %s: %s. jsorc did not open it, so nothing in it was overwritten. "+
		"Run `jsorc doctor --recover --data %s` (or start with --recover): it keeps the file as %s.damaged-<time>, "+
		"salvages what can still be read and starts from that; or restore %s from a backup",
		ErrDamaged, r.Path, strings.Join(r.Damage, "; "), filepath.Dir(r.Path), dbFileName, dbFileName)
}
