package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
)

// The salvage reads a damaged bbolt file as plain bytes: it never maps it
// and bounds-checks every offset, so a page past the end of the file or a
// page of garbage is counted as lost instead of crashing the process.

// maxSalvageDepth bounds bucket nesting (jsorc nests two deep).
const maxSalvageDepth = 64

// maxSalvageProblems bounds the problems a salvage lists.
const maxSalvageProblems = 20

// tree is a bucket read back: its sequence, key/value pairs and nested
// buckets, each in file order.
type tree struct {
	seq     uint64
	keys    [][]byte
	vals    [][]byte
	names   [][]byte
	buckets []*tree
}

// sub returns the nested bucket name, adding it if new.
func (t *tree) sub(name []byte) *tree {
	for i, n := range t.names {
		if bytes.Equal(n, name) {
			return t.buckets[i]
		}
	}
	b := &tree{}
	t.names = append(t.names, slices.Clone(name))
	t.buckets = append(t.buckets, b)
	return b
}

// records counts the key/value pairs under t.
func (t *tree) records() int {
	n := len(t.keys)
	for _, b := range t.buckets {
		n += b.records()
	}
	return n
}

// salvager reads the tree of one meta page out of a file's bytes.
type salvager struct {
	data     []byte
	pageSize uint64
	visited  map[uint64]bool
	lost     int
	problems []string
}

// salvageTree reads whatever the bucket tree of meta m still holds.
func salvageTree(data []byte, m boltMeta) (*tree, int, []string) {
	s := &salvager{data: data, pageSize: uint64(m.pageSize), visited: map[uint64]bool{}}
	root := &tree{}
	s.walkPage(m.root, root, 0)
	return root, s.lost, s.problems
}

func (s *salvager) problem(format string, args ...any) {
	if len(s.problems) < maxSalvageProblems {
		s.problems = append(s.problems, fmt.Sprintf(format, args...))
	}
}

// page returns page id with its overflow pages, cut at the end of the
// file, or false when its header is not in the file.
func (s *salvager) page(id uint64) ([]byte, bool) {
	if id > uint64(len(s.data))/s.pageSize {
		return nil, false
	}
	off := id * s.pageSize
	if off+pageHeaderSize > uint64(len(s.data)) {
		return nil, false
	}
	overflow := uint64(binary.NativeEndian.Uint32(s.data[off+12:]))
	end := min(off+(overflow+1)*s.pageSize, uint64(len(s.data)))
	return s.data[off:end], true
}

// walkPage reads the branch or leaf page id into into.
func (s *salvager) walkPage(id uint64, into *tree, depth int) {
	if s.visited[id] {
		s.problem("page %d is referenced twice; read once", id)
		return
	}
	s.visited[id] = true
	p, ok := s.page(id)
	if !ok {
		s.lost++
		s.problem("page %d lies beyond the end of the file", id)
		return
	}
	s.readPage(id, p, into, depth)
}

// readPage reads the elements of page p (id for messages; 0 for an
// inline page) into into.
func (s *salvager) readPage(id uint64, p []byte, into *tree, depth int) {
	if depth > maxSalvageDepth {
		s.problem("page %d: buckets nested deeper than %d; skipped", id, maxSalvageDepth)
		return
	}
	if len(p) < pageHeaderSize {
		s.lost++
		s.problem("page %d: shorter than its header", id)
		return
	}
	e := binary.NativeEndian
	flags, count := e.Uint16(p[8:]), int(e.Uint16(p[10:]))
	switch flags {
	case pageFlagBranch:
		for i := range count {
			at := pageHeaderSize + i*elementSize
			if at+elementSize > len(p) {
				s.lost++
				s.problem("page %d: branch element %d lies beyond the file", id, i)
				return
			}
			s.walkPage(e.Uint64(p[at+8:]), into, depth)
		}
	case pageFlagLeaf:
		for i := range count {
			at := pageHeaderSize + i*elementSize
			if at+elementSize > len(p) {
				s.lost++
				s.problem("page %d: leaf element %d lies beyond the file", id, i)
				return
			}
			lflags := e.Uint32(p[at:])
			kpos := uint64(at) + uint64(e.Uint32(p[at+4:]))
			kend := kpos + uint64(e.Uint32(p[at+8:]))
			vend := kend + uint64(e.Uint32(p[at+12:]))
			if vend > uint64(len(p)) {
				s.problem("page %d: element %d lies beyond the file; skipped", id, i)
				continue
			}
			k, v := p[kpos:kend], p[kend:vend]
			if lflags&leafFlagBucket == 0 {
				into.keys = append(into.keys, slices.Clone(k))
				into.vals = append(into.vals, slices.Clone(v))
				continue
			}
			if len(v) < bucketValueSize {
				s.problem("page %d: bucket %q has a short header; skipped", id, k)
				continue
			}
			b := into.sub(k)
			b.seq = e.Uint64(v[8:])
			if root := e.Uint64(v); root != 0 {
				s.walkPage(root, b, depth+1)
			} else {
				s.readPage(0, v[bucketValueSize:], b, depth+1)
			}
		}
	default:
		s.lost++
		s.problem("page %d is not a branch or leaf page (flags %#x)", id, flags)
	}
}
