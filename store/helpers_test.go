package store_test

import (
	"testing"

	"github.com/jsorc/jsorc/store"
)

// openTemp opens a store in a fresh temporary data directory and closes it
// when the test ends.
func openTemp(t testing.TB) (*store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, dir
}

// reopen closes s and opens the same data directory again, closing the new
// store when the test ends.
func reopen(t *testing.T, s *store.Store, dir string) *store.Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("reopen %s: %v", dir, err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	return s2
}
