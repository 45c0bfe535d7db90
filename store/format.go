package store

import (
	"encoding/binary"
	"hash/fnv"
)

// Facts of bbolt's file format (go.etcd.io/bbolt, format version 2) that
// the pre-open check and the salvage read. bbolt writes its structures in
// the machine's byte order; jsorc reads them the same way.
//
// A file is a sequence of pages of one size (a power of two, 4 KiB on most
// machines). Pages 0 and 1 are meta pages, written alternately by each
// commit; the one with the higher transaction id whose checksum holds is
// current. A meta records the page size, the root of the bucket tree, the
// freelist page and the high-water mark: the number of pages in use, all of
// which must lie inside the file. bbolt maps the file into memory and reads
// pages there, so a page past the end of a truncated file kills the
// process with SIGBUS instead of returning an error.
const (
	boltMagic   = 0xED0CDAED
	boltVersion = 2

	pageHeaderSize  = 16 // id u64, flags u16, count u16, overflow u32
	pageFlagBranch  = 0x01
	pageFlagLeaf    = 0x02
	pageFlagMeta    = 0x04
	elementSize     = 16 // branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
	leafFlagBucket  = 0x01
	bucketValueSize = 16 // root pgid u64, sequence u64

	metaSize        = 64 // magic, version, page size, flags (u32 each); root, sequence, freelist, high-water mark, txid, checksum (u64 each)
	metaChecksumEnd = 56 // the checksum covers the bytes before it

	noFreelist = ^uint64(0) // a meta's freelist when the freelist is not stored

	minPageSize = 512
	maxPageSize = 1 << 20
)

// boltMeta is one decoded meta page.
type boltMeta struct {
	page     int // 0 or 1
	magic    uint32
	version  uint32
	pageSize uint32
	root     uint64 // root page of the bucket tree
	freelist uint64
	pgid     uint64 // high-water mark: pages in use
	txid     uint64
	checksum uint64
	sum      uint64 // the checksum computed over the meta
}

// decodeMeta reads the meta stored at the start of page (a page's bytes,
// header included). It returns false when page is too short to hold one.
func decodeMeta(n int, page []byte) (boltMeta, bool) {
	if len(page) < pageHeaderSize+metaSize {
		return boltMeta{}, false
	}
	b := page[pageHeaderSize : pageHeaderSize+metaSize]
	e := binary.NativeEndian
	h := fnv.New64a()
	_, _ = h.Write(b[:metaChecksumEnd])
	return boltMeta{
		page:     n,
		magic:    e.Uint32(b[0:]),
		version:  e.Uint32(b[4:]),
		pageSize: e.Uint32(b[8:]),
		root:     e.Uint64(b[16:]),
		freelist: e.Uint64(b[32:]),
		pgid:     e.Uint64(b[40:]),
		txid:     e.Uint64(b[48:]),
		checksum: e.Uint64(b[56:]),
		sum:      h.Sum64(),
	}, true
}

// problem says what is wrong with m, or "" when it is a valid meta.
func (m boltMeta) problem() string {
	switch {
	case m.magic != boltMagic:
		return "not a bbolt meta page (bad magic)"
	case m.version != boltVersion:
		return "unknown bbolt format version"
	case m.checksum != m.sum:
		return "checksum mismatch"
	case m.pageSize < minPageSize || m.pageSize > maxPageSize || m.pageSize&(m.pageSize-1) != 0:
		return "implausible page size"
	case m.pgid < 2 || m.root >= m.pgid:
		return "root page beyond the high-water mark"
	case m.freelist != noFreelist && m.freelist >= m.pgid:
		return "freelist page beyond the high-water mark"
	}
	return ""
}
