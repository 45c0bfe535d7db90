package actions

import (
	"encoding/json"
	"fmt"
	"maps"
)

// FieldError is one problem with an action's arguments, in the shape the
// Jaseci action server reports it: Loc is ["body", "<param>"].
type FieldError struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// Error formats the problem for logs and CLI output.
func (e FieldError) Error() string {
	if len(e.Loc) > 1 {
		return fmt.Sprintf("%v: %s", e.Loc[len(e.Loc)-1], e.Msg)
	}
	return e.Msg
}

// ArgsError lists every problem found with one call's arguments.
type ArgsError struct {
	Action string
	Fields []FieldError
}

// Error names the action and its first problem.
func (e *ArgsError) Error() string {
	if len(e.Fields) == 0 {
		return "invalid arguments for " + e.Action
	}
	msg := fmt.Sprintf("invalid arguments for %s: %s", e.Action, e.Fields[0].Error())
	if n := len(e.Fields) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return msg
}

// RangeError is the argument error an action returns for a value of the
// right type that it cannot take (a negative count, a sleep too long): the
// same *ArgsError a missing or mistyped parameter gives, so the caller is
// told it was their input (HTTP 422 from an action server, 400 from the
// engine's API) in module and remote mode alike.
func RangeError(action, param, msg string) *ArgsError {
	return &ArgsError{Action: action, Fields: []FieldError{{
		Loc:  []any{"body", param},
		Msg:  msg,
		Type: "value_error",
	}}}
}

// Validate checks args against an action's parameters as Jaseci's action
// server (pydantic v1) did, and returns the arguments the action gets:
// every required parameter present and non-null, no unknown key unless the
// action takes **opts, and each value converted to its declared type where
// pydantic would convert it ("5" for an int is 5, 5 for a str is "5"). A
// top-level null is taken as absent, as Jaseci's client never sends one
// (it drops them so that defaults apply): pydantic's "none is not an
// allowed value" is never the answer.
// When nothing needed converting, the result is args itself and Validate
// allocates nothing; otherwise it is a copy, and args is left unchanged.
func Validate(a *Action, args map[string]any) (map[string]any, []FieldError) {
	var errs []FieldError
	hasOpts := false
	out, copied := args, false
	// present counts the arguments that matched a parameter: when it equals
	// len(args) there is no unknown key, and the map need not be walked.
	present := 0
	for i := range a.Params {
		p := &a.Params[i]
		if p.Kind == Opts {
			hasOpts = true
		}
		v, ok := args[p.Name]
		if ok {
			present++
		}
		switch {
		case p.Kind == Required && (!ok || v == nil):
			errs = append(errs, FieldError{Loc: []any{"body", p.Name}, Msg: "field required", Type: "value_error.missing"})
			continue
		case !ok || v == nil:
			continue
		}
		want := p.Type
		if p.Kind == Rest {
			want = TypeList
		} else if p.Kind == Opts {
			want = TypeObject
		}
		cv, changed, good := coerce(want, v)
		switch {
		case !good:
			r := refusals[want]
			errs = append(errs, FieldError{Loc: []any{"body", p.Name}, Msg: r.msg, Type: r.typ})
		case changed:
			if !copied {
				out, copied = maps.Clone(args), true
			}
			out[p.Name] = cv
		}
	}
	if !hasOpts && present != len(args) {
		for k := range args {
			if !a.hasParam(k) {
				errs = append(errs, FieldError{Loc: []any{"body", k}, Msg: "extra fields not permitted", Type: "value_error.extra"})
			}
		}
	}
	if errs != nil {
		return args, errs
	}
	return out, nil
}

func (a *Action) hasParam(name string) bool {
	for i := range a.Params {
		if a.Params[i].Name == name {
			return true
		}
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case json.Number:
		return numberFloat(n)
	}
	return 0, false
}
