package store_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/jsorc/jsorc/store"
)

func TestRecords(t *testing.T) {
	for _, kind := range store.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			s, _ := openTemp(t)
			steps := []struct {
				name string
				do   func() error
				want map[string]string // List(kind) afterwards
			}{
				{"empty", func() error { return nil }, map[string]string{}},
				{"put", func() error { return s.Put(kind, "a", []byte(`{"v":1}`)) }, map[string]string{"a": `{"v":1}`}},
				{"put another", func() error { return s.Put(kind, "b", []byte(`{"v":2}`)) }, map[string]string{"a": `{"v":1}`, "b": `{"v":2}`}},
				{"replace", func() error { return s.Put(kind, "a", []byte(`{"v":3}`)) }, map[string]string{"a": `{"v":3}`, "b": `{"v":2}`}},
				{"delete", func() error { return s.Delete(kind, "a") }, map[string]string{"b": `{"v":2}`}},
				{"delete missing", func() error { return s.Delete(kind, "a") }, map[string]string{"b": `{"v":2}`}},
				{"delete empty name", func() error { return s.Delete(kind, "") }, map[string]string{"b": `{"v":2}`}},
				{"put nil", func() error { return s.Put(kind, "nil", nil) }, map[string]string{"b": `{"v":2}`, "nil": ""}},
				{"put many", func() error {
					return s.PutMany(kind, map[string][]byte{"b": []byte("B"), "c": []byte("C"), "ünï cødé/😀": []byte("U")})
				}, map[string]string{"b": "B", "c": "C", "nil": "", "ünï cødé/😀": "U"}},
				{"put many nothing", func() error { return s.PutMany(kind, nil) }, map[string]string{"b": "B", "c": "C", "nil": "", "ünï cødé/😀": "U"}},
			}
			for _, st := range steps {
				if err := st.do(); err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				got, err := s.List(kind)
				if err != nil {
					t.Fatalf("%s: List: %v", st.name, err)
				}
				if !maps.EqualFunc(got, st.want, func(v []byte, w string) bool { return string(v) == w }) {
					t.Fatalf("%s: List = %q, want %q", st.name, got, st.want)
				}
				for name, want := range st.want {
					v, err := s.Get(kind, name)
					if err != nil || v == nil || string(v) != want {
						t.Errorf("%s: Get(%q) = %q, %v; want %q", st.name, name, v, err, want)
					}
				}
			}
		})
	}
}

func TestKindsAreSeparate(t *testing.T) {
	s, _ := openTemp(t)
	for _, kind := range store.Kinds() {
		if err := s.Put(kind, "same", []byte(kind)); err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range store.Kinds() {
		got, err := s.Get(kind, "same")
		if err != nil || string(got) != string(kind) {
			t.Errorf("Get(%s, same) = %q, %v", kind, got, err)
		}
	}
}

func TestRecordErrors(t *testing.T) {
	s, _ := openTemp(t)
	long := strings.Repeat("x", 32769)
	tests := []struct {
		name string
		call func() error
		is   error // nil: any error
	}{
		{"get missing", func() error { _, err := s.Get(store.Apps, "nope"); return err }, store.ErrNotFound},
		{"get empty name", func() error { _, err := s.Get(store.Apps, ""); return err }, store.ErrNotFound},
		{"put unknown kind", func() error { return s.Put("walkers", "a", nil) }, store.ErrUnknownKind},
		{"get unknown kind", func() error { _, err := s.Get("walkers", "a"); return err }, store.ErrUnknownKind},
		{"delete unknown kind", func() error { return s.Delete("walkers", "a") }, store.ErrUnknownKind},
		{"list unknown kind", func() error { _, err := s.List("walkers"); return err }, store.ErrUnknownKind},
		{"put many unknown kind", func() error { return s.PutMany("", map[string][]byte{"a": nil}) }, store.ErrUnknownKind},
		{"put empty name", func() error { return s.Put(store.Apps, "", []byte("x")) }, nil},
		{"put long name", func() error { return s.Put(store.Apps, long, []byte("x")) }, nil},
		{"put many with an empty name", func() error {
			return s.PutMany(store.Apps, map[string][]byte{"fine": []byte("x"), "": []byte("y")})
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			t.Log(err)
		})
	}
	// The failed PutMany wrote nothing.
	if _, err := s.Get(store.Apps, "fine"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a record of the failed PutMany was written: %v", err)
	}
}

func TestRecordValuesAreCopied(t *testing.T) {
	s, _ := openTemp(t)
	in := []byte("original")
	if err := s.Put(store.Apps, "a", in); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	got, err := s.Get(store.Apps, "a")
	if err != nil {
		t.Fatal(err)
	}
	got[0] = 'Y'
	all, err := s.List(store.Apps)
	if err != nil {
		t.Fatal(err)
	}
	all["a"][1] = 'Z'
	if again, _ := s.Get(store.Apps, "a"); string(again) != "original" {
		t.Errorf("stored value = %q after the caller's slices changed", again)
	}
}

func TestConcurrentPut(t *testing.T) {
	s, _ := openTemp(t)
	const writers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("w%02d-%02d", w, i)
				if err := s.Put(store.Modes, name, []byte(name)); err != nil {
					errs <- err
				}
				// Readers run alongside the writers.
				if _, err := s.Get(store.Modes, name); err != nil {
					errs <- err
				}
				if _, err := s.List(store.Modes); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, err := s.List(store.Modes)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each {
		t.Errorf("List has %d records, want %d", len(all), writers*each)
	}
	for name, v := range all {
		if string(v) != name {
			t.Errorf("%s = %q", name, v)
		}
	}
}
