package wasm

import (
	"reflect"
	"testing"
)

// FuzzDecodeJSON: decodeJSON gives what encoding/json gives (numbers as
// json.Number), value for value, and fails where it fails.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"tokens":["the","quick","brown","fox"],"n":4}`,
		` [1, -2.5e+3, 0, 1E2, true, false, null, {}, [], ""] `,
		`{"a":1,"a":2,"b":{"c":[{"d":"e"}]}}`,
		`"esc\"aped \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 \ud800 x"`,
		"\"raw \xff bytes and é\"",
		`{"msg":"bad","param":"n"}`,
		`12 13`, `{"a":}`, `[1,]`, ``, `nul`, `"open`, `{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gotErr := decodeJSON(b)
		want, wantErr := decodeJSONStd(b)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", b, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v, encoding/json gives %#v", b, got, want)
		}
	})
}

// BenchmarkDecodeJSON compares decodeJSON with encoding/json on an answer
// of the size a small call returns (textrank's tokenize of 300 bytes).
func BenchmarkDecodeJSON(b *testing.B) {
	answer := []byte(`{"tokens":["the","quick","brown","fox","jumps","over","the","lazy","dog","again","and","again","while","the","cat","sleeps","in","the","warm","sun","of","a","long","summer","afternoon","near","the","old","stone","wall","by","the","river","where","children","play","and","birds","sing","their","songs","until","evening","comes","softly","over","hills","fields","and","quiet","towns","of","the","valley","below","the","mountains","that","rise","high","above","clouds"],"count":62}`)
	for _, c := range []struct {
		name string
		fn   func([]byte) (any, error)
	}{{"jsorc", decodeJSON}, {"encoding-json", decodeJSONStd}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.fn(answer); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
