//go:build wasip1

// Package abi is the guest side of jsorc's WebAssembly action ABI, version
// 1 (docs/wasm-abi.md), for Go modules built with GOOS=wasip1 GOARCH=wasm
// -buildmode=c-shared. A module registers its spec and one handler per
// action in an init function; the exports below do the rest.
package abi

import (
	"encoding/json"
	"errors"
	"unsafe"
)

// Param is one parameter of an action, as the spec declares it.
type Param struct {
	Name     string `json:"name"`
	Type     string `json:"type,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Default  any    `json:"default,omitempty"`
	Optional bool   `json:"optional,omitempty"`
}

// Action is one action: its spec and its handler, which gets the
// argument object's JSON and returns a JSON-encodable result.
type Action struct {
	Name    string                                  `json:"name"`
	Doc     string                                  `json:"doc,omitempty"`
	Params  []Param                                 `json:"params"`
	Handler func(args json.RawMessage) (any, error) `json:"-"`
}

// Spec is the module's declaration of itself.
type Spec struct {
	Module  string   `json:"module"`
	Doc     string   `json:"doc,omitempty"`
	Actions []Action `json:"actions"`
}

// ArgError is the error a handler returns for arguments it cannot take:
// the caller's fault (HTTP 422), not the action's.
type ArgError struct {
	Param string `json:"param,omitempty"`
	Msg   string `json:"msg"`
}

func (e *ArgError) Error() string { return e.Param + ": " + e.Msg }

var (
	spec     Spec
	handlers = map[string]func(json.RawMessage) (any, error){}
)

// Register declares the module. Call it from an init function.
func Register(s Spec) {
	spec = s
	for _, a := range s.Actions {
		handlers[a.Name] = a.Handler
	}
}

//go:wasmimport jsorc input
func input(actionPtr, argsPtr uint32)

//go:wasmimport jsorc output
func output(ptr, n uint32)

func addr(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

func emit(b []byte) {
	output(addr(b), uint32(len(b)))
}

//go:wasmexport jsorc_abi_version
func abiVersion() int32 { return 1 }

//go:wasmexport jsorc_spec
func specExport() int32 {
	b, err := json.Marshal(spec)
	if err != nil {
		emit([]byte(err.Error()))
		return 2
	}
	emit(b)
	return 0
}

//go:wasmexport jsorc_call
func call(actionLen, argsLen int32) int32 {
	buf := make([]byte, int(actionLen)+int(argsLen)+1)
	input(addr(buf), addr(buf[actionLen:]))
	name, args := string(buf[:actionLen]), json.RawMessage(buf[actionLen:actionLen+argsLen])
	h := handlers[name]
	if h == nil {
		emitError("", "no action "+name)
		return 2
	}
	res, err := h(args)
	var ae *ArgError
	switch {
	case errors.As(err, &ae):
		emitError(ae.Param, ae.Msg)
		return 1
	case err != nil:
		emitError("", err.Error())
		return 2
	}
	b, err := json.Marshal(res)
	if err != nil {
		emitError("", "encoding the result: "+err.Error())
		return 2
	}
	emit(b)
	return 0
}

func emitError(param, msg string) {
	b, _ := json.Marshal(ArgError{Param: param, Msg: msg})
	emit(b)
}

// Args decodes the argument object into v; a decoding failure is an
// argument error.
func Args(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &ArgError{Param: te.Field, Msg: "wrong type: " + te.Error()}
		}
		return &ArgError{Msg: err.Error()}
	}
	return nil
}
