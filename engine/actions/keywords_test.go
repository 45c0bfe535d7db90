package actions_test

import (
	"reflect"
	"testing"

	"github.com/jsorc/jsorc/engine/actions"
)

// TestPlaceKeywordsLikeJaseciClient: keys land where Jaseci's client put
// them before posting: declared ones by name, others folded into **kwargs
// or dropped, top-level nulls left out.
func TestPlaceKeywordsLikeJaseciClient(t *testing.T) {
	withOpts := []string{"first", "second", "*rest", "**opts"}
	plain := []string{"text", "times"}
	tests := []struct {
		name        string
		spec        []string
		kw          map[string]any
		want        map[string]any
		wantDropped []string
	}{
		{"declared only", plain, map[string]any{"text": "x"}, map[string]any{"text": "x"}, nil},
		{"extra dropped without **kwargs", plain, map[string]any{"text": "x", "bogus": 1.0, "also": "y"},
			map[string]any{"text": "x"}, []string{"also", "bogus"}},
		{"null left out", plain, map[string]any{"text": "x", "times": nil}, map[string]any{"text": "x"}, nil},
		{"extra folded into **kwargs", withOpts, map[string]any{"first": 1.0, "k": "v", "z": nil},
			map[string]any{"first": 1.0, "**opts": map[string]any{"k": "v", "z": nil}}, nil},
		{"merged with the caller's object, direct keys win", withOpts,
			map[string]any{"first": 1.0, "opts": map[string]any{"k": "old", "m": 2.0}, "k": "new"},
			map[string]any{"first": 1.0, "opts": map[string]any{"k": "new", "m": 2.0}}, nil},
		{"variadics by either name", withOpts, map[string]any{"first": 1.0, "rest": []any{2.0}, "**opts": map[string]any{}},
			map[string]any{"first": 1.0, "rest": []any{2.0}, "**opts": map[string]any{}}, nil},
		{"nested nulls kept", plain, map[string]any{"text": map[string]any{"a": nil}},
			map[string]any{"text": map[string]any{"a": nil}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, dropped := actions.PlaceKeywords(tc.spec, tc.kw)
			if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(dropped, tc.wantDropped) {
				t.Errorf("got %v dropped %v, want %v dropped %v", got, dropped, tc.want, tc.wantDropped)
			}
		})
	}
	t.Run("nothing moves, nothing allocated", func(t *testing.T) {
		kw := map[string]any{"text": "x", "times": 2.0}
		if testing.CoverMode() == "" {
			if n := testing.AllocsPerRun(100, func() { actions.PlaceKeywords(plain, kw) }); n != 0 {
				t.Errorf("%v allocations", n)
			}
		}
	})
}
