package track

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// A Set is a named collection of Recorders, one per action or per app. Lookups
// of existing names read an immutable map through an atomic pointer, without
// locking; adding a name copies the map under a mutex, so a Set suits the
// bounded, slowly growing name sets of actions and apps rather than arbitrary
// client-supplied keys. Recorders are never removed, so a *Recorder obtained
// from Get stays valid and live for the life of the Set.
//
// The zero Set is empty and ready to use. A Set must not be copied after first
// use.
type Set struct {
	mu sync.Mutex                           // serialises writers
	m  atomic.Pointer[map[string]*Recorder] // nil means empty; never mutated once stored
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return new(Set)
}

// Get returns the Recorder named name, creating it on first use. Concurrent
// first calls with the same name get the same Recorder.
func (s *Set) Get(name string) *Recorder {
	if r, ok := s.Lookup(name); ok {
		return r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var old map[string]*Recorder
	if p := s.m.Load(); p != nil {
		old = *p
		if r, ok := old[name]; ok {
			return r
		}
	}
	m := make(map[string]*Recorder, len(old)+1)
	maps.Copy(m, old)
	r := new(Recorder)
	m[name] = r
	s.m.Store(&m)
	return r
}

// Lookup returns the Recorder named name if it exists, without creating it.
func (s *Set) Lookup(name string) (*Recorder, bool) {
	p := s.m.Load()
	if p == nil {
		return nil, false
	}
	r, ok := (*p)[name]
	return r, ok
}

// Len returns the number of Recorders in the set.
func (s *Set) Len() int {
	if p := s.m.Load(); p != nil {
		return len(*p)
	}
	return 0
}

// Names returns the names of the Recorders in the set, sorted.
func (s *Set) Names() []string {
	p := s.m.Load()
	if p == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(*p))
}

// Each calls f for every Recorder in the set, in order of name. It visits the
// names present when it starts; f may call Get.
func (s *Set) Each(f func(name string, r *Recorder)) {
	p := s.m.Load()
	if p == nil {
		return
	}
	m := *p
	for _, name := range slices.Sorted(maps.Keys(m)) {
		f(name, m[name])
	}
}

// Snapshot returns a snapshot of every Recorder in the set, keyed by name.
func (s *Set) Snapshot() map[string]Snapshot {
	p := s.m.Load()
	if p == nil {
		return map[string]Snapshot{}
	}
	out := make(map[string]Snapshot, len(*p))
	for name, r := range *p {
		out[name] = r.Snapshot()
	}
	return out
}
