package wasm

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// decodeJSON decodes exactly one JSON value, its numbers as json.Number:
// a number keeps its literal through jsorc, as it does when the module
// answers remotely (package protocol decodes the same way). It gives what
// decodeJSONStd (encoding/json) gives, with fewer allocations: a module's
// answer is decoded on every in-process call, and encoding/json's decoder
// copies the input, scans it twice and allocates every string apart. Here
// the input is checked once (json.Valid), copied once into a string, and
// every string without escapes is a slice of that copy. Invalid input
// goes to encoding/json for its error.
func decodeJSON(b []byte) (any, error) {
	if !json.Valid(b) {
		return decodeJSONStd(b)
	}
	d := validJSON{s: string(b), stack: make([]any, 0, 64)}
	return d.value()
}

// validJSON reads a document json.Valid accepted.
type validJSON struct {
	s   string
	pos int
	// stack holds the elements of the arrays being read, so each array
	// is allocated once, at its length.
	stack []any
}

func (d *validJSON) space() {
	for d.pos < len(d.s) {
		switch d.s[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *validJSON) value() (any, error) {
	d.space()
	switch c := d.s[d.pos]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		return d.str()
	case 't':
		d.pos += len("true")
		return true, nil
	case 'f':
		d.pos += len("false")
		return false, nil
	case 'n':
		d.pos += len("null")
		return nil, nil
	default:
		start := d.pos
		for d.pos < len(d.s) && strings.IndexByte("+-0123456789.eE", d.s[d.pos]) >= 0 {
			d.pos++
		}
		return json.Number(d.s[start:d.pos]), nil
	}
}

func (d *validJSON) object() (any, error) {
	m := map[string]any{}
	d.pos++ // {
	for {
		d.space()
		if d.s[d.pos] == '}' {
			d.pos++
			return m, nil
		}
		if d.s[d.pos] == ',' {
			d.pos++
			d.space()
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		d.pos++ // :
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m[k] = v // the last of a repeated key wins, as in encoding/json
	}
}

func (d *validJSON) array() (any, error) {
	mark := len(d.stack)
	d.pos++ // [
	for {
		d.space()
		if d.s[d.pos] == ']' {
			d.pos++
			a := make([]any, len(d.stack)-mark)
			copy(a, d.stack[mark:])
			clear(d.stack[mark:])
			d.stack = d.stack[:mark]
			return a, nil
		}
		if d.s[d.pos] == ',' {
			d.pos++
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		d.stack = append(d.stack, v)
	}
}

// str reads a string: a slice of the document when it has no escapes
// and is valid UTF-8, else what encoding/json makes of it (escapes,
// replacement characters).
func (d *validJSON) str() (string, error) {
	start := d.pos + 1
	end := start
	escaped := false
	for ; d.s[end] != '"'; end++ {
		if d.s[end] == '\\' {
			escaped = true
			end++
		}
	}
	d.pos = end + 1
	raw := d.s[start:end]
	if !escaped && utf8.ValidString(raw) {
		return raw, nil
	}
	var v string
	err := json.Unmarshal([]byte(d.s[start-1:end+1]), &v)
	return v, err
}
