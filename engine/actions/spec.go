package actions

import (
	"context"
	"fmt"
	"strings"
)

// Kind says how a parameter binds, after Python's calling convention that the
// Jaseci protocol mirrors.
type Kind uint8

// Parameter kinds.
const (
	// Required parameters must be present and non-null.
	Required Kind = iota
	// Optional parameters may be left out; Default then applies.
	Optional
	// Rest collects surplus positional arguments as a list (Python *args).
	Rest
	// Opts collects unknown keyword arguments as an object (Python **kwargs).
	Opts
)

// Type is the JSON type a parameter accepts. TypeAny accepts everything.
type Type uint8

// Parameter types, checked by Validate.
const (
	TypeAny Type = iota
	TypeString
	TypeNumber
	TypeInt
	TypeBool
	TypeList
	TypeObject
)

// String names the type as it appears in validation errors.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "str"
	case TypeNumber:
		return "float"
	case TypeInt:
		return "int"
	case TypeBool:
		return "bool"
	case TypeList:
		return "list"
	case TypeObject:
		return "dict"
	default:
		return "any"
	}
}

// Param is one parameter of an action.
type Param struct {
	// Name is the parameter's name on the wire. Rest and Opts parameters are
	// listed in the spec with a "*" or "**" prefix added to it.
	Name string
	Kind Kind
	Type Type
	// Default is the value an Optional parameter takes when left out.
	Default any
}

// SpecName is the parameter's name as the Jaseci spec endpoint lists it.
func (p Param) SpecName() string {
	switch p.Kind {
	case Rest:
		return "*" + p.Name
	case Opts:
		return "**" + p.Name
	default:
		return p.Name
	}
}

// Func is the Go implementation of one action. args holds the named
// parameters after validation (defaults are not filled in: use Arg helpers).
// The result must be JSON-encodable.
type Func func(ctx context.Context, args map[string]any) (any, error)

// Action is one callable of a module.
type Action struct {
	// Name is the short name ("encode"); the full name is "module.encode".
	Name   string
	Params []Param
	Fn     Func
	// Doc is a one-line description shown by status and the console.
	Doc string
	// Quick says Fn returns at once: it waits on nothing, never reads its
	// context, and does a small amount of work, about the same at every
	// call. The router gives a quick action no deadline (it could not
	// heed one) and times one call in track.SampleEvery, counting every
	// call: its clock reads would cost more than the call.
	Quick bool
}

// Instance is a loaded module: its actions are ready to call. Close releases
// whatever loading took (memory, files); it is called once, after the last
// call on the instance has returned.
type Instance interface {
	Actions() []Action
	Close() error
}

// FullName joins a module and an action name as callers spell it.
func FullName(module, action string) string { return module + "." + action }

// SplitName splits "module.action" at its first dot.
func SplitName(full string) (module, action string, err error) {
	m, a, ok := strings.Cut(full, ".")
	if !ok || m == "" || a == "" {
		return "", "", fmt.Errorf("action name %q: want MODULE.ACTION", full)
	}
	return m, a, nil
}

// SpecNames lists the action's parameters by their spec names, in order.
func (a *Action) SpecNames() []string {
	names := make([]string, len(a.Params))
	for i, p := range a.Params {
		names[i] = p.SpecName()
	}
	return names
}

// Spec returns the Jaseci action spec of an instance served as module name:
// full action name to the ordered list of its parameters' spec names.
func Spec(module string, inst Instance) map[string][]string {
	out := make(map[string][]string)
	for _, a := range inst.Actions() {
		out[FullName(module, a.Name)] = a.SpecNames()
	}
	return out
}
