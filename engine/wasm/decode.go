package wasm

import (
	"encoding/json"
	"sync"
	"unicode/utf8"
)

// maxDepth is encoding/json's limit on nesting: deeper documents are
// invalid there, so they go to encoding/json here for its error.
const maxDepth = 10000

// decodeJSON decodes exactly one JSON value, its numbers as json.Number:
// a number keeps its literal through jsorc, as it does when the module
// answers remotely (package protocol decodes the same way). It gives what
// decodeJSONStd (encoding/json) gives, with less work: a module's answer
// is decoded on every in-process call, and encoding/json's decoder copies
// the input, scans it twice and allocates every string apart. Here the
// input is copied once into a string and read in one pass that checks the
// grammar as it builds the value; every string without escapes is a
// slice of that copy. Anything the pass does not accept — invalid input,
// too deep, a string it leaves to encoding/json — goes to encoding/json,
// whose value or error is then the answer.
func decodeJSON(b []byte) (any, error) {
	d := decoders.Get().(*decoder)
	d.s, d.pos, d.depth = string(b), 0, 0
	v, ok := d.document()
	d.s = ""
	d.strs, d.nums = headers{}, headers{} // the answer keeps them, not the pool
	clear(d.stack)
	clear(d.keys)
	d.stack, d.keys = d.stack[:0], d.keys[:0]
	if cap(d.stack) <= 4096 && cap(d.keys) <= 4096 {
		decoders.Put(d)
	}
	if !ok {
		return decodeJSONStd(b)
	}
	return v, nil
}

// decoders pools decodeJSON's state, its stack above all.
var decoders = sync.Pool{New: func() any { return &decoder{stack: make([]any, 0, 64), keys: make([]string, 0, 16)} }}

// decoder reads one document in one pass. Its methods return ok false
// at the first thing they do not accept, and decodeJSON hands the
// document to encoding/json.
type decoder struct {
	s     string
	pos   int
	depth int
	// stack holds the elements of the arrays and the values of the
	// objects being read, keys their keys, so each array and map is
	// allocated once, at its length.
	stack []any
	keys  []string
	// strs and nums hold the headers of the strings and numbers the
	// document's values box (box.go).
	strs, nums headers
}

// room is how many headers to allocate at once: a string or number takes
// at least two bytes of the document, most of them more than eight.
func (d *decoder) room() int {
	return min(max((len(d.s)-d.pos)/8, 4), 1024)
}

func (d *decoder) document() (any, bool) {
	v, ok := d.value()
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.pos == len(d.s) // anything after the value is an error
}

func (d *decoder) space() {
	for d.pos < len(d.s) {
		switch d.s[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value() (any, bool) {
	d.space()
	if d.pos >= len(d.s) {
		return nil, false
	}
	switch c := d.s[d.pos]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		return boxString(&d.strs, s, d.room()), true
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		return d.number()
	}
}

func (d *decoder) literal(lit string) bool {
	if len(d.s)-d.pos < len(lit) || d.s[d.pos:d.pos+len(lit)] != lit {
		return false
	}
	d.pos += len(lit)
	return true
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, JSON's
// number, as its literal.
func (d *decoder) number() (any, bool) {
	n := numberLen(d.s[d.pos:])
	if n == 0 {
		return nil, false
	}
	start := d.pos
	d.pos += n
	return boxNumber(&d.nums, d.s[start:d.pos], d.room()), true
}

// numberLen is the length of the JSON number s starts with, 0 if none.
func numberLen(s string) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return 0
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return 0
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return 0
		}
		i = j
	}
	return i
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// enter counts a level of nesting; past encoding/json's limit the
// document is not accepted.
func (d *decoder) enter() bool {
	d.depth++
	return d.depth <= maxDepth
}

func (d *decoder) object() (any, bool) {
	if !d.enter() {
		return nil, false
	}
	d.pos++ // {
	mark, kmark := len(d.stack), len(d.keys)
	d.space()
	if d.pos < len(d.s) && d.s[d.pos] == '}' {
		d.pos++
		d.depth--
		return map[string]any{}, true
	}
	for {
		d.space()
		if d.pos >= len(d.s) || d.s[d.pos] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.pos >= len(d.s) || d.s[d.pos] != ':' {
			return nil, false
		}
		d.pos++
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.keys = append(d.keys, k)
		d.stack = append(d.stack, v)
		d.space()
		if d.pos >= len(d.s) {
			return nil, false
		}
		switch d.s[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			keys, vals := d.keys[kmark:], d.stack[mark:]
			m := make(map[string]any, len(keys))
			for i, k := range keys {
				m[k] = vals[i] // the last of a repeated key wins, as in encoding/json
			}
			clear(keys)
			clear(vals)
			d.keys, d.stack = d.keys[:kmark], d.stack[:mark]
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *decoder) array() (any, bool) {
	if !d.enter() {
		return nil, false
	}
	d.pos++ // [
	mark := len(d.stack)
	d.space()
	if d.pos < len(d.s) && d.s[d.pos] == ']' {
		d.pos++
		d.depth--
		return []any{}, true
	}
	for {
		var v any
		var ok bool
		if d.pos < len(d.s) && d.s[d.pos] == '"' {
			// An array of strings, the common answer, skips value's
			// dispatch.
			var s string
			if s, ok = d.str(); !ok {
				return nil, false
			}
			v = boxString(&d.strs, s, d.room())
		} else if v, ok = d.value(); !ok {
			return nil, false
		}
		d.stack = append(d.stack, v)
		d.space()
		if d.pos >= len(d.s) {
			return nil, false
		}
		switch d.s[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			a := make([]any, len(d.stack)-mark)
			copy(a, d.stack[mark:])
			clear(d.stack[mark:])
			d.stack = d.stack[:mark]
			return a, true
		default:
			return nil, false
		}
	}
}

// str reads a string: a slice of the document when it has no escapes
// and is valid UTF-8. A string with escapes (checked here) or invalid
// UTF-8 is what encoding/json makes of it (escapes decoded, replacement
// characters); one with a control character is not accepted.
func (d *decoder) str() (string, bool) {
	start := d.pos + 1
	// Most strings are printable ASCII to their end: that run is read
	// with the fewest tests a byte, and the loop below takes over at the
	// first other byte.
	i := start
	for i < len(d.s) {
		if c := d.s[i]; c-0x20 >= 0x60 || c == '"' || c == '\\' {
			break
		}
		i++
	}
	if i < len(d.s) && d.s[i] == '"' {
		d.pos = i + 1
		return d.s[start:i], true
	}
	ascii, escaped := true, false
	for {
		if i >= len(d.s) {
			return "", false
		}
		c := d.s[i]
		if c == '"' {
			break
		}
		switch {
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '\\':
			escaped = true
			n := escapeLen(d.s[i:])
			if n == 0 {
				return "", false
			}
			i += n
			continue
		}
		i++
	}
	d.pos = i + 1
	raw := d.s[start:i]
	if !escaped && (ascii || utf8.ValidString(raw)) {
		return raw, true
	}
	var v string
	if err := json.Unmarshal([]byte(d.s[start-1:i+1]), &v); err != nil {
		return "", false
	}
	return v, true
}

// escapeLen is the length of the JSON escape s starts with (s[0] is a
// backslash), 0 if it is not one.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(s) < 6 {
			return 0
		}
		for _, c := range []byte(s[2:6]) {
			if !isHex(c) {
				return 0
			}
		}
		return 6
	}
	return 0
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
