package store_test

import (
	"testing"
)

func TestMeta(t *testing.T) {
	s, _ := openTemp(t)
	if got, err := s.Meta(); err != nil || got != nil {
		t.Fatalf("Meta() before SetMeta = %q, %v; want nil, nil", got, err)
	}
	tests := []struct {
		name string
		set  []byte
		want []byte
	}{
		{"set", []byte(`{"automation":false,"backoff_interval":10}`), []byte(`{"automation":false,"backoff_interval":10}`)},
		{"replace", []byte(`{"automation":true}`), []byte(`{"automation":true}`)},
		{"clear with empty", []byte{}, nil},
		{"set again", []byte(`{}`), []byte(`{}`)},
		{"clear with nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SetMeta(tt.set); err != nil {
				t.Fatalf("SetMeta: %v", err)
			}
			got, err := s.Meta()
			if err != nil {
				t.Fatalf("Meta: %v", err)
			}
			if (got == nil) != (tt.want == nil) || string(got) != string(tt.want) {
				t.Errorf("Meta() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMetaIsCopied(t *testing.T) {
	s, _ := openTemp(t)
	in := []byte(`{"a":1}`)
	if err := s.SetMeta(in); err != nil {
		t.Fatal(err)
	}
	in[2] = 'X'
	out, err := s.Meta()
	if err != nil {
		t.Fatal(err)
	}
	out[2] = 'Y'
	again, err := s.Meta()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != `{"a":1}` {
		t.Errorf("Meta() = %q after the caller's slices changed", again)
	}
}

// TestSeeded: a new database is not seeded; MarkSeeded sticks, across a
// reopen, and is idempotent.
func TestSeeded(t *testing.T) {
	s, dir := openTemp(t)
	if seeded, err := s.Seeded(); err != nil || seeded {
		t.Fatalf("new database: Seeded() = %v, %v; want false", seeded, err)
	}
	for range 2 {
		if err := s.MarkSeeded(); err != nil {
			t.Fatal(err)
		}
	}
	s = reopen(t, s, dir)
	if seeded, err := s.Seeded(); err != nil || !seeded {
		t.Fatalf("after MarkSeeded and a reopen: Seeded() = %v, %v; want true", seeded, err)
	}
}
