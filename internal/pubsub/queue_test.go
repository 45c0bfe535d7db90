package pubsub

import (
	"slices"
	"testing"
)

type change struct {
	key string
	n   int
}

// The queue of one subscriber, without its goroutine: what it keeps of a
// burst of values published while the reader is away.
func TestQueue(t *testing.T) {
	byKey := func(c change) string { return c.key }
	tests := []struct {
		name  string
		key   func(change) string
		limit int // 0: Publish; else TryPublish with this buffer
		in    []change
		want  []change
	}{
		{"publish keeps everything in order", nil, 0,
			[]change{{"a", 1}, {"b", 2}, {"a", 3}, {"c", 4}},
			[]change{{"a", 1}, {"b", 2}, {"a", 3}, {"c", 4}}},
		{"try publish drops beyond the buffer", nil, 2,
			[]change{{"a", 1}, {"b", 2}, {"a", 3}, {"c", 4}},
			[]change{{"a", 1}, {"b", 2}}},
		{"coalescing keeps the latest of each key in first-change order", byKey, 0,
			[]change{{"a", 1}, {"b", 2}, {"a", 3}, {"c", 4}, {"b", 5}},
			[]change{{"a", 3}, {"b", 5}, {"c", 4}}},
		{"coalescing try publish still updates a pending key when full", byKey, 2,
			[]change{{"a", 1}, {"b", 2}, {"c", 3}, {"a", 4}},
			[]change{{"a", 4}, {"b", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &subscriber[change]{key: tt.key, pending: map[string]int{}, wake: make(chan struct{}, 1)}
			for _, v := range tt.in {
				s.push(v, tt.limit)
			}
			var got []change
			for v, ok := s.pop(); ok; v, ok = s.pop() {
				got = append(got, v)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// Popping part of a coalescing queue and pushing again keeps each key's
// index right: the latest value replaces the pending one, wherever the head
// has moved.
func TestQueueInterleaved(t *testing.T) {
	s := &subscriber[change]{key: func(c change) string { return c.key }, pending: map[string]int{}, wake: make(chan struct{}, 1)}
	s.push(change{"a", 1}, 0)
	s.push(change{"b", 1}, 0)
	s.push(change{"c", 1}, 0)
	if v, _ := s.pop(); v != (change{"a", 1}) {
		t.Fatalf("first pop %v", v)
	}
	s.push(change{"c", 2}, 0)
	s.push(change{"a", 2}, 0)
	var got []change
	for v, ok := s.pop(); ok; v, ok = s.pop() {
		got = append(got, v)
	}
	want := []change{{"b", 1}, {"c", 2}, {"a", 2}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
