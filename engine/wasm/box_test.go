package wasm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// TestBoxLayout: a boxed string or number is, to every reader of an any,
// the value the conversion gives: equal under ==, its dynamic type, the
// same under a type switch, reflect and fmt.
func TestBoxLayout(t *testing.T) {
	var h headers
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"string", boxString(&h, "fox", 2), "fox"},
		{"empty string", boxString(&h, "", 2), ""},
		{"number", boxNumber(&h, "-1.5e3", 2), json.Number("-1.5e3")},
		{"long string", boxString(&h, strings.Repeat("é", 1000), 2), strings.Repeat("é", 1000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("%#v != %#v", tc.got, tc.want)
			}
			if g, w := reflect.TypeOf(tc.got), reflect.TypeOf(tc.want); g != w {
				t.Errorf("dynamic type %v, want %v", g, w)
			}
			if g, w := fmt.Sprintf("%#v", tc.got), fmt.Sprintf("%#v", tc.want); g != w {
				t.Errorf("formats as %s, want %s", g, w)
			}
			switch v := tc.got.(type) {
			case string:
				if v != tc.want {
					t.Errorf("as a string: %q", v)
				}
			case json.Number:
				if v != tc.want {
					t.Errorf("as a json.Number: %q", v)
				}
			default:
				t.Errorf("type switch: %T", v)
			}
		})
	}
}

// TestBoxSurvivesCollection: decoded answers keep their strings and
// numbers through garbage collections while other answers, whose headers
// shared nothing with them, are dropped and their memory reused.
func TestBoxSurvivesCollection(t *testing.T) {
	doc := func(i int) []byte {
		return fmt.Appendf(nil, `{"tokens":["a%d","b%d","c%d"],"n":%d,"deep":[[%d,"x%d"]]}`, i, i, i, i, i, i)
	}
	kept := map[int]any{}
	for i := range 2000 {
		v, err := decodeJSON(doc(i))
		if err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			kept[i] = v
		}
		if i%500 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	for i, v := range kept {
		want, err := decodeJSONStd(doc(i))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("answer %d after collections: %#v, want %#v", i, v, want)
		}
	}
}
