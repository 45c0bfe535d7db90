package wasm

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// decodeEdges are the edges of the one-pass decoder: each is a seed of
// FuzzDecodeJSON, so `go test` checks them against encoding/json.
var decodeEdges = []string{
	// escapes, checked and decoded
	`"\u0041\u00e9\uD83D\uDE00"`, `"\ud800\u0041"`, `"\udc00"`, `"\u12G4"`, `"\u12"`, `"\x"`, `"\`, `"a\"`,
	`["\/","\b","\f","\n","\r","\t","\"","\\"]`,
	// control characters and UTF-8
	"\"tab\there\"", "\"nl\nhere\"", "\"\x7f del\"", "\"\xed\xa0\x80 surrogate in UTF-8\"",
	"\"\xc3\"", "\"\xe2\x80\xa8 line separator\"", "{\"k\xff\":\"v\"}",
	// literals
	`tru`, `true`, `truex`, `nulls`, `[null,false,true]`, `fals`,
	// numbers
	`-0`, `0`, `01`, `-01`, `1.`, `.5`, `1e`, `1e+`, `1E-0`, `-`, `1.5e300`, `-1.0E+2`, `1e999`,
	`123456789012345678901234567890`, `[0,1,-1]`, `+1`, `0x10`, `1_0`,
	// objects: duplicate keys, empty, missing parts
	`{"a":1,"a":{"b":2},"a":[3]}`, `{}`, `{ }`, `{"a" : 1 , "b" : [ ] }`, `{"a"}`, `{"a":1,}`, `{,}`, `{1:2}`, `{"a":1 "b":2}`,
	// arrays
	`[]`, `[ ]`, `[,1]`, `[1 2]`, `[[[]]]`, `[`, `]`,
	// trailing data and white space
	" \t\r\n{\"a\":[1]} \n", `{} {}`, `[] x`, `"a""b"`, ` `, "\x00",
	// nesting at encoding/json's limit and past it
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
}

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
	for _, s := range decodeEdges {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gotErr := decodeJSON(b)
		want, wantErr := decodeJSONStd(b)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", b, gotErr, wantErr)
		}
		if gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("%q: error %q, encoding/json's %q", b, gotErr, wantErr)
		}
		// The one pass accepts exactly what encoding/json accepts: it
		// leaves nothing valid to encoding/json.
		d := decoder{s: string(b)}
		if _, ok := d.document(); ok != json.Valid(b) {
			t.Fatalf("%q: the one pass accepts it: %v, json.Valid: %v", b, ok, json.Valid(b))
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
