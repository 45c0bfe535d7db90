package wasm

import (
	"encoding/json"
	"unsafe"
)

// Boxing without an allocation per value.
//
// Storing a string in an interface (any) makes the runtime allocate a
// 16-byte copy of its header for the interface to point at. A module's
// answer of fifty tokens is fifty such allocations, which cost as much as
// the rest of the decode together and feed the garbage collector on every
// in-process call. decodeJSON instead keeps the headers of one document's
// strings (and json.Numbers) side by side in a few arrays it allocates as
// it goes, and makes each interface point into one of them: the interface
// value is what converting the string would give, a type word and a
// pointer to a header, only the header is not alone in its allocation.
//
// That relies on the layout of an interface without methods, which Go
// has kept since its first release and which reflect and the runtime
// depend on: two words, the dynamic type and the value's address.
// TestBoxLayout checks it, so a Go release that changed it fails the tests
// rather than the engine.

// eface is the layout of a value of type any.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// typeWord is the dynamic-type word of v.
func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// Type words of string and json.Number. The interface values they are
// read from hold empty strings, which the runtime boxes without
// allocating.
var (
	stringType = typeWord("")
	numberType = typeWord(json.Number(""))
)

// headers hands out places for string headers: slices of arrays it
// allocates and never reuses, so a header once handed out stays as it was
// for as long as an interface points at it. The garbage collector sees
// an interface's pointer into the array and keeps the array alive.
type headers struct {
	free []string
}

// next stores s in the next free place and returns its address; want is
// how many places to allocate when none is free (at least one).
func (h *headers) next(s string, want int) unsafe.Pointer {
	if len(h.free) == 0 {
		h.free = make([]string, max(want, 1))
	}
	p := &h.free[0]
	*p = s
	h.free = h.free[1:]
	return unsafe.Pointer(p)
}

// boxString returns s as an any, its header in one of h's arrays.
func boxString(h *headers, s string, want int) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = stringType, h.next(s, want)
	return v
}

// boxNumber returns n as an any holding a json.Number, its header in one
// of h's arrays (json.Number's underlying type is string, so its header
// is a string's).
func boxNumber(h *headers, n string, want int) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = numberType, h.next(n, want)
	return v
}
