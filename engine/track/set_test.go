package track_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

func TestSetZero(t *testing.T) {
	var s track.Set
	if s.Len() != 0 || s.Names() != nil || len(s.Snapshot()) != 0 {
		t.Errorf("zero Set: Len %d, Names %v, Snapshot %v; want empty", s.Len(), s.Names(), s.Snapshot())
	}
	if r, ok := s.Lookup("x"); ok || r != nil {
		t.Errorf("Lookup on zero Set = %v, %v; want nil, false", r, ok)
	}
	s.Each(func(string, *track.Recorder) { t.Error("Each visited a recorder of an empty Set") })
}

func TestSetGet(t *testing.T) {
	s := track.NewSet()
	a := s.Get("textenc.encode")
	if s.Get("textenc.encode") != a {
		t.Error("Get returned a different Recorder for the same name")
	}
	b := s.Get("use_qa.question_classifier")
	if a == b {
		t.Error("Get returned the same Recorder for different names")
	}
	if r, ok := s.Lookup("textenc.encode"); !ok || r != a {
		t.Errorf("Lookup = %p, %v; want %p, true", r, ok, a)
	}
	if _, ok := s.Lookup("missing"); ok {
		t.Error("Lookup created or found a missing name")
	}
	if s.Len() != 2 {
		t.Errorf("Len = %d, want 2", s.Len())
	}
	a.Record(time.Millisecond, true, 0)
	snaps := s.Snapshot()
	if len(snaps) != 2 || snaps["textenc.encode"].Count != 1 || snaps["use_qa.question_classifier"].Count != 0 {
		t.Errorf("Snapshot = %d entries, counts %d, %d; want 2 entries, 1, 0",
			len(snaps), snaps["textenc.encode"].Count, snaps["use_qa.question_classifier"].Count)
	}
	// Each visits in name order and may call Get.
	s.Get("b")
	var visited []string
	s.Each(func(name string, r *track.Recorder) {
		if got, _ := s.Lookup(name); got != r {
			t.Errorf("Each gave %s a different Recorder from Lookup", name)
		}
		visited = append(visited, name)
		s.Get(name + ".new")
	})
	want := []string{"b", "textenc.encode", "use_qa.question_classifier"}
	if !slices.Equal(visited, want) {
		t.Errorf("Each visited %v, want %v", visited, want)
	}
	if names := s.Names(); !slices.IsSorted(names) || len(names) != 6 {
		t.Errorf("Names = %v, want 6 sorted names", names)
	}
}

// TestSetConcurrent creates and records into the same names from many
// goroutines: each name must get exactly one Recorder and every record must
// land in it.
func TestSetConcurrent(t *testing.T) {
	const (
		goroutines = 16
		names      = 20
		each       = 500
	)
	var s track.Set
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				s.Get(fmt.Sprint("action", (g+i)%names)).Record(time.Microsecond, true, 1)
			}
		})
	}
	wg.Wait()
	if s.Len() != names {
		t.Fatalf("Len = %d, want %d", s.Len(), names)
	}
	var total uint64
	s.Each(func(_ string, r *track.Recorder) { total += r.Count() })
	if total != goroutines*each {
		t.Errorf("recorded %d, want %d", total, goroutines*each)
	}
}
