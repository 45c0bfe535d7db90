package wasm

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/jsorc/jsorc/engine/actions"
)

// Spec is what a module declares about itself through jsorc_spec.
type Spec struct {
	// Module is the name the module gives itself (informative: the
	// engine serves it under the name it was configured as).
	Module string `json:"module"`
	// Doc is a one-line description.
	Doc     string       `json:"doc,omitempty"`
	Actions []SpecAction `json:"actions"`
}

// SpecAction is one action of a Spec.
type SpecAction struct {
	Name   string      `json:"name"`
	Doc    string      `json:"doc,omitempty"`
	Params []SpecParam `json:"params"`
}

// SpecParam is one parameter of a SpecAction. A parameter with a Default
// is optional: the host fills the default in when the caller leaves it
// out, so the module always sees it. Kind "rest" or "opts" makes it the
// action's *args list or **kwargs object.
type SpecParam struct {
	Name string `json:"name"`
	// Type is str, int, float, bool, list, dict or any (default any).
	Type string `json:"type,omitempty"`
	// Kind is "" (required, or optional with a default), "rest" or "opts".
	Kind    string          `json:"kind,omitempty"`
	Default json.RawMessage `json:"default,omitempty"`
	// Optional makes the parameter optional without a default: the module
	// sees it only when the caller gives it.
	Optional bool `json:"optional,omitempty"`
}

var specTypes = map[string]actions.Type{
	"": actions.TypeAny, "any": actions.TypeAny, "str": actions.TypeString,
	"int": actions.TypeInt, "float": actions.TypeNumber, "bool": actions.TypeBool,
	"list": actions.TypeList, "dict": actions.TypeObject,
}

// parseSpec decodes and checks a module's spec. Unknown fields are errors,
// so a typo in a module's spec is found when it is configured.
func parseSpec(raw []byte) (Spec, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("its spec is not valid JSON of the ABI's shape: %w", err)
	}
	if len(s.Actions) == 0 {
		return Spec{}, fmt.Errorf("its spec declares no action")
	}
	seen := map[string]bool{}
	for _, a := range s.Actions {
		if err := checkName(a.Name); err != nil {
			return Spec{}, fmt.Errorf("its spec: action %q: %w", a.Name, err)
		}
		if seen[a.Name] {
			return Spec{}, fmt.Errorf("its spec: action %q is declared twice", a.Name)
		}
		seen[a.Name] = true
		if _, err := specParams(a); err != nil {
			return Spec{}, fmt.Errorf("its spec: action %q: %w", a.Name, err)
		}
	}
	return s, nil
}

// specParams converts a spec action's parameters to the action model.
func specParams(a SpecAction) ([]actions.Param, error) {
	out := make([]actions.Param, 0, len(a.Params))
	names := map[string]bool{}
	var rest, opts bool
	for _, p := range a.Params {
		if err := checkName(p.Name); err != nil {
			return nil, fmt.Errorf("parameter %q: %w", p.Name, err)
		}
		if names[p.Name] {
			return nil, fmt.Errorf("parameter %q is declared twice", p.Name)
		}
		names[p.Name] = true
		t, ok := specTypes[p.Type]
		if !ok {
			return nil, fmt.Errorf("parameter %q: unknown type %q (str, int, float, bool, list, dict or any)", p.Name, p.Type)
		}
		ap := actions.Param{Name: p.Name, Type: t}
		switch p.Kind {
		case "":
			switch {
			case len(p.Default) > 0:
				ap.Kind = actions.Optional
				d, err := decodeJSON(p.Default)
				if err != nil {
					return nil, fmt.Errorf("parameter %q: default: %w", p.Name, err)
				}
				ap.Default = d
			case p.Optional:
				ap.Kind = actions.Optional
			default:
				ap.Kind = actions.Required
			}
		case "rest":
			if rest {
				return nil, fmt.Errorf("parameter %q: a second rest parameter", p.Name)
			}
			rest, ap.Kind, ap.Type = true, actions.Rest, actions.TypeList
		case "opts":
			if opts {
				return nil, fmt.Errorf("parameter %q: a second opts parameter", p.Name)
			}
			opts, ap.Kind, ap.Type = true, actions.Opts, actions.TypeObject
		default:
			return nil, fmt.Errorf("parameter %q: unknown kind %q (rest, opts, or none)", p.Name, p.Kind)
		}
		out = append(out, ap)
	}
	return out, nil
}

// checkName accepts the names an action or parameter may have on the wire.
func checkName(n string) error {
	if n == "" {
		return fmt.Errorf("empty name")
	}
	for _, r := range n {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return fmt.Errorf("only letters, digits and '_' are allowed")
		}
	}
	return nil
}
