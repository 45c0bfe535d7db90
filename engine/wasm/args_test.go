package wasm

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// stdArgs is the reference argBuffer.encode matches: encoding/json's
// encoder without HTML escaping, its newline trimmed.
func stdArgs(args map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(args); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// checkArgs encodes args with a pooled argBuffer and with encoding/json
// and fails unless the bytes (or the failure) are the same.
func checkArgs(t *testing.T, args map[string]any) {
	t.Helper()
	want, wantErr := stdArgs(args)
	ab := argBuffers.Get().(*argBuffer)
	defer ab.release()
	err := ab.encode(args)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%#v: error %v, encoding/json's %v", args, err, wantErr)
	}
	if err == nil && !bytes.Equal(ab.b, want) {
		t.Fatalf("%#v:\n got %s\nwant %s", args, ab.b, want)
	}
}

// encodesWithoutReflection says whether args take appendValue's way.
func encodesWithoutReflection(args map[string]any) bool {
	ab := argBuffers.Get().(*argBuffer)
	defer ab.release()
	_, ok := ab.appendValue(nil, args, 0)
	return ok
}

func TestEncodeArgs(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	deep := map[string]any{}
	for range 1500 {
		deep = map[string]any{"d": []any{deep}}
	}
	type point struct{ X, Y int }
	for _, c := range []struct {
		name string
		args map[string]any
		std  bool // left to encoding/json
	}{
		{"empty", map[string]any{}, false},
		{"small action", map[string]any{"text": "The quick brown fox"}, false},
		{"sorted keys", map[string]any{"b": 1, "a": 2, "B": 3, "": 4, "ab": 5, "é": 6}, false},
		{"escapes", map[string]any{"s": "q\" b\\ \b\f\n\r\t \x00 \x1f \x7f <>& / \u2028 \u2029 é 😀"}, false},
		{"invalid UTF-8", map[string]any{"s": "a\xffb\xc3 \xed\xa0\x80", "k\xfe": "v"}, false},
		{"escaped key", map[string]any{"a\"b\n": true}, false},
		{"floats", map[string]any{"f": []any{0.0, math.Copysign(0, -1), 1.0, -2.5, 1e-6, 1e-7, 9.99e-7, 1e20, 1e21, 1.5e300, -1e-300, 123456789.125, 0.1, math.MaxFloat64, math.SmallestNonzeroFloat64}}, false},
		{"ints", map[string]any{"i": []any{0, -1, math.MaxInt, math.MinInt, int64(math.MaxInt64), int64(math.MinInt64)}}, false},
		{"json numbers", map[string]any{"n": []any{json.Number("1"), json.Number("-0.5e+10"), json.Number("123456789012345678901234567890")}}, false},
		{"empty json number", map[string]any{"n": json.Number("")}, true},
		{"invalid json number", map[string]any{"n": json.Number("01")}, true},
		{"nulls and bools", map[string]any{"n": nil, "t": true, "f": false}, false},
		{"nil slices and maps", map[string]any{"a": []any(nil), "s": []string(nil), "m": map[string]any(nil)}, false},
		{"empty slices and maps", map[string]any{"a": []any{}, "s": []string{}, "m": map[string]any{}}, false},
		{"string slice", map[string]any{"docs": []string{"one", "two <b>", ""}}, false},
		{"nested", map[string]any{"m": map[string]any{"z": []any{map[string]any{"y": "x", "a": []any{1, "2", nil}}}, "a": 1}}, false},
		{"other types", map[string]any{"p": point{1, 2}, "u": uint8(7), "f32": float32(0.1), "b": []byte("raw"), "i32": []int32{1, 2}}, true},
		{"other types nested", map[string]any{"a": []any{1, map[string]any{"p": &point{3, 4}}}}, true},
		{"NaN", map[string]any{"f": math.NaN()}, true},
		{"infinity nested", map[string]any{"a": []any{1.0, math.Inf(-1)}}, true},
		{"cycle", cyclic, true},
		{"deep", deep, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkArgs(t, c.args)
			if fast := encodesWithoutReflection(c.args); fast == c.std {
				t.Errorf("without reflection: %v, want %v", fast, !c.std)
			}
		})
	}
}

// FuzzEncodeArgs: arguments of strings, numbers, bools, slices and maps
// encode to encoding/json's bytes.
func FuzzEncodeArgs(f *testing.F) {
	f.Add("text", "The quick <brown> fox\n", 1.5, int64(3), true)
	f.Add("k\xff", "\x00\u2028\xed\xa0\x80", 1e-7, int64(-1), false)
	f.Add("", "", math.Copysign(0, -1), int64(0), true)
	f.Fuzz(func(t *testing.T, k, s string, x float64, i int64, b bool) {
		checkArgs(t, map[string]any{
			k:      s,
			s:      []any{x, i, b, nil, json.Number(s)},
			"n":    map[string]any{k: []string{s, k}, s: x},
			"i":    int(i),
			k + s:  map[string]any{},
			"list": []any{[]any{s}, map[string]any{"x": x}},
		})
	})
}

// BenchmarkEncodeArgs compares the arguments' encoding with encoding/json
// on the small action's arguments.
func BenchmarkEncodeArgs(b *testing.B) {
	args := map[string]any{"text": "The quick brown fox jumps over the lazy dog while the cat sleeps; jsorc places each module in-process or remote.", "k": 10}
	b.Run("jsorc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ab := argBuffers.Get().(*argBuffer)
			if err := ab.encode(args); err != nil {
				b.Fatal(err)
			}
			ab.release()
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := stdArgs(args); err != nil {
				b.Fatal(err)
			}
		}
	})
}
