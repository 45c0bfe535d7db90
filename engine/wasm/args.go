package wasm

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// maxArgsDepth is how deep appendArgs follows nested maps and slices;
// deeper arguments (a cycle, say) go to encoding/json, which finds cycles.
const maxArgsDepth = 1000

// argBuffers pools the buffers arguments are encoded into.
var argBuffers = sync.Pool{New: func() any { return &argBuffer{} }}

// argBuffer is the encoding of one call's arguments.
type argBuffer struct {
	b []byte
	// keys holds the sorted keys of the maps being written.
	keys []string
	// std is encoding/json's encoder, for the arguments appendArgs
	// leaves to it.
	std    bytes.Buffer
	stdEnc *json.Encoder
}

// encode writes args as JSON into ab.b: the bytes encoding/json gives
// (without HTML escaping, as an action server receives them), written
// without reflection for strings, numbers, bools, nulls, slices and maps
// of them — what arguments are — and by encoding/json otherwise.
func (ab *argBuffer) encode(args map[string]any) error {
	ab.b = ab.b[:0]
	if b, ok := ab.appendValue(ab.b, args, 0); ok {
		ab.b = b
		return nil
	}
	if ab.stdEnc == nil {
		ab.stdEnc = json.NewEncoder(&ab.std)
		ab.stdEnc.SetEscapeHTML(false)
	}
	ab.std.Reset()
	defer ab.std.Reset()
	if err := ab.stdEnc.Encode(args); err != nil {
		return err
	}
	ab.b = append(ab.b[:0], bytes.TrimSuffix(ab.std.Bytes(), []byte{'\n'})...)
	return nil
}

// release returns ab to the pool unless one call's huge arguments made it
// big.
func (ab *argBuffer) release() {
	if cap(ab.b) > 1<<20 || cap(ab.keys) > 1<<12 || ab.std.Cap() > 1<<20 {
		return
	}
	clear(ab.keys[:cap(ab.keys)])
	ab.keys = ab.keys[:0]
	argBuffers.Put(ab)
}

// appendValue appends v as encoding/json writes it; ok false: a value it
// leaves to encoding/json (another type, a float it rejects, too deep).
func (ab *argBuffer) appendValue(b []byte, v any, depth int) ([]byte, bool) {
	if depth > maxArgsDepth {
		return b, false
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendString(b, v), true
	case bool:
		return strconv.AppendBool(b, v), true
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case float64:
		return appendFloat(b, v)
	case json.Number:
		if v == "" || numberLen(string(v)) != len(v) {
			return b, false
		}
		return append(b, v...), true
	case []string:
		if v == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']'), true
	case []any:
		if v == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = ab.appendValue(b, e, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		return ab.appendMap(b, v, depth)
	}
	return b, false
}

// appendMap appends m with its keys sorted, as encoding/json does.
func (ab *argBuffer) appendMap(b []byte, m map[string]any, depth int) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	mark := len(ab.keys)
	for k := range m {
		ab.keys = append(ab.keys, k)
	}
	end := len(ab.keys)
	slices.Sort(ab.keys[mark:end])
	b = append(b, '{')
	ok := true
	// ab.keys is read afresh each time: a nested map appends to it (and
	// may move it) beyond end, then truncates it back to end.
	for i := mark; i < end && ok; i++ {
		if i > mark {
			b = append(b, ',')
		}
		k := ab.keys[i]
		b = appendString(b, k)
		b = append(b, ':')
		b, ok = ab.appendValue(b, m[k], depth+1)
	}
	clear(ab.keys[mark:end])
	ab.keys = ab.keys[:mark]
	return append(b, '}'), ok
}

// appendFloat writes f as encoding/json does: the shortest form that
// reads back, exponent form outside [1e-6, 1e21), the exponent without a
// leading zero. NaN and infinities are left to encoding/json (an error).
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 → e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendString writes s quoted as encoding/json does without HTML
// escaping: \" \\ \b \f \n \r \t, other control characters as \u00XX,
// each invalid UTF-8 byte as \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
