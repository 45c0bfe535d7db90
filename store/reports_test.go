package store_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jsorc/jsorc/store"
)

// at returns the instant of the i-th report of these tests: i seconds
// after a fixed start.
func at(i int) time.Time {
	return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Second)
}

// beyond2262 returns the first whole second a report key cannot hold.
func beyond2262() time.Time {
	return time.Unix(math.MaxInt64/int64(time.Second)+1, 0)
}

// appendSeries appends n reports of kind, one per second from base, valued
// "0", "1", …; it appends them newest first to show the order on disk does
// not depend on the order of appends.
func appendSeries(t testing.TB, s *store.Store, kind string, n int) {
	t.Helper()
	for i := n - 1; i >= 0; i-- {
		if err := s.AppendReport(kind, at(i), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
}

// values returns the values of reps as strings, checking that each TS
// matches the instant at() gives for it.
func values(t *testing.T, reps []store.Report) []string {
	t.Helper()
	var out []string
	for _, r := range reps {
		var i int
		if _, err := fmt.Sscan(string(r.Value), &i); err != nil {
			t.Fatalf("value %q: %v", r.Value, err)
		}
		if !r.TS.Equal(at(i)) || r.TS.Location() != time.UTC {
			t.Errorf("report %d has TS %v, want %v in UTC", i, r.TS, at(i))
		}
		out = append(out, string(r.Value))
	}
	return out
}

func TestReports(t *testing.T) {
	s, _ := openTemp(t)
	appendSeries(t, s, "benchmark", 10)
	appendSeries(t, s, "other", 3)

	tests := []struct {
		name  string
		kind  string
		since time.Time
		limit int
		want  []string
	}{
		{"all", "benchmark", time.Time{}, 0, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"limit", "benchmark", time.Time{}, 3, []string{"0", "1", "2"}},
		{"negative limit is none", "benchmark", time.Time{}, -1, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"since exact", "benchmark", at(7), 0, []string{"7", "8", "9"}},
		{"since between", "benchmark", at(6).Add(time.Nanosecond), 0, []string{"7", "8", "9"}},
		{"since and limit", "benchmark", at(4), 2, []string{"4", "5"}},
		{"since last", "benchmark", at(9), 5, []string{"9"}},
		{"since after last", "benchmark", at(10), 0, nil},
		{"since before epoch", "benchmark", time.Unix(-5, 0), 1, []string{"0"}},
		{"since beyond 2262", "benchmark", beyond2262(), 0, nil},
		{"other kind", "other", time.Time{}, 0, []string{"0", "1", "2"}},
		{"unknown kind", "tracksys", time.Time{}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reps, err := s.Reports(tt.kind, tt.since, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := values(t, reps); !slices.Equal(got, tt.want) {
				t.Errorf("Reports = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAppendReportSameInstant(t *testing.T) {
	s, _ := openTemp(t)
	base := at(0)
	for _, v := range []string{"first", "second", "third"} {
		if err := s.AppendReport("k", base, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	reps, err := s.Reports("k", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 3 {
		t.Fatalf("got %d reports, want 3", len(reps))
	}
	for i, want := range []string{"first", "second", "third"} {
		if string(reps[i].Value) != want || !reps[i].TS.Equal(base.Add(time.Duration(i))) {
			t.Errorf("report %d = %v %q, want %v %q", i, reps[i].TS, reps[i].Value, base.Add(time.Duration(i)), want)
		}
	}
}

func TestAppendReportErrors(t *testing.T) {
	s, _ := openTemp(t)
	tests := []struct {
		name string
		kind string
		ts   time.Time
	}{
		{"empty kind", "", at(0)},
		{"zero time", "k", time.Time{}},
		{"before epoch", "k", time.Unix(-1, 0)},
		{"beyond 2262", "k", beyond2262()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AppendReport(tt.kind, tt.ts, []byte("x")); err == nil {
				t.Error("no error")
			} else {
				t.Log(err)
			}
		})
	}
}

func TestPruneReports(t *testing.T) {
	tests := []struct {
		name      string
		olderThan time.Time
		keep      int
		deleted   int
		left      []string
	}{
		{"nothing to do", time.Time{}, 0, 0, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"older than", at(4), 0, 4, []string{"4", "5", "6", "7", "8", "9"}},
		{"older than between", at(3).Add(time.Nanosecond), 0, 4, []string{"4", "5", "6", "7", "8", "9"}},
		{"older than the first", at(0), 0, 0, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"older than before epoch", time.Unix(-1, 0), 0, 0, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"older than all", at(100), 0, 10, nil},
		{"older than beyond 2262", beyond2262(), 0, 10, nil},
		{"keep", time.Time{}, 3, 7, []string{"7", "8", "9"}},
		{"keep one", time.Time{}, 1, 9, []string{"9"}},
		{"keep more than there are", time.Time{}, 50, 0, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"keep exactly all", time.Time{}, 10, 0, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"age wins", at(8), 5, 8, []string{"8", "9"}},
		{"count wins", at(2), 5, 5, []string{"5", "6", "7", "8", "9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			appendSeries(t, s, "benchmark", 10)
			appendSeries(t, s, "other", 10)

			n, err := s.PruneReports("benchmark", tt.olderThan, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.deleted {
				t.Errorf("PruneReports deleted %d, want %d", n, tt.deleted)
			}
			reps, err := s.Reports("benchmark", time.Time{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := values(t, reps); !slices.Equal(got, tt.left) {
				t.Errorf("left %v, want %v", got, tt.left)
			}
			if other, err := s.Reports("other", time.Time{}, 0); err != nil || len(other) != 10 {
				t.Errorf("the other kind has %d reports, %v; want 10", len(other), err)
			}
		})
	}
}

func TestPruneUnknownKind(t *testing.T) {
	s, _ := openTemp(t)
	if n, err := s.PruneReports("never", at(5), 1); err != nil || n != 0 {
		t.Errorf("PruneReports = %d, %v; want 0, nil", n, err)
	}
}
