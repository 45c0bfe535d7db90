package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jsorc/jsorc/store"
)

// plain lists the values of rs.
func plain(rs []store.Report) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r.Value)
	}
	return out
}

func TestDecisions(t *testing.T) {
	s, dir := openTemp(t)
	at := func(i int) time.Time { return time.Unix(1_700_000_000+int64(i), 0) }
	var moves []store.Report
	for i := range 5 {
		moves = append(moves, store.Report{TS: at(i), Value: []byte(fmt.Sprint("move-", i))})
	}
	if err := s.AppendDecisions(moves, 3); err != nil {
		t.Fatal(err)
	}
	// Two moves of one tick share an instant: neither is lost.
	if err := s.AppendDecisions([]store.Report{{TS: at(9), Value: []byte("a")}, {TS: at(9), Value: []byte("b")}}, 3); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, dir)
	tests := []struct {
		limit int
		want  string
	}{
		{0, "[move-4 a b]"},
		{2, "[a b]"},
		{10, "[move-4 a b]"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("limit ", tt.limit), func(t *testing.T) {
			got, err := s.Decisions(tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(plain(got)) != tt.want {
				t.Errorf("Decisions(%d) = %v, want %s", tt.limit, plain(got), tt.want)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	s, dir := openTemp(t)
	if _, ok, err := s.LoadProgress("benchmark"); ok || err != nil {
		t.Fatalf("progress before any save: %v, %v", ok, err)
	}
	at := func(i int) time.Time { return time.Unix(1_700_000_000+int64(i), 0) }
	for i := range 4 {
		entries := []store.Report{{TS: at(i), Value: []byte(fmt.Sprint("e", i))}}
		if err := s.SaveProgress("trackact", []byte(fmt.Sprint("state-", i)), entries, 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveProgress("benchmark", []byte("bench"), nil, 0); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, dir)
	p, ok, err := s.LoadProgress("trackact")
	if err != nil || !ok {
		t.Fatalf("LoadProgress: %v, %v", ok, err)
	}
	if string(p.State) != "state-3" || fmt.Sprint(plain(p.Entries)) != "[e1 e2 e3]" {
		t.Errorf("trackact progress: state %q, entries %v", p.State, plain(p.Entries))
	}
	if err := s.ClearProgress("trackact"); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearProgress("never-saved"); err != nil {
		t.Errorf("clearing what was never saved: %v", err)
	}
	if _, ok, _ := s.LoadProgress("trackact"); ok {
		t.Error("trackact progress survived ClearProgress")
	}
	if p, ok, _ := s.LoadProgress("benchmark"); !ok || string(p.State) != "bench" || len(p.Entries) != 0 {
		t.Errorf("benchmark progress: %v %+v", ok, p)
	}
	if err := s.SaveProgress("", nil, nil, 0); err == nil {
		t.Error("an empty kind was accepted")
	}
}
