package actions

import "fmt"

// Aliases maps the spec names of an action's variadic parameters ("*rest",
// "**opts") to the parameters themselves: Jaseci clients send surplus
// positionals and extra keywords under the spec names, and both the action
// server and the in-process router must read them the same way.
type Aliases []alias

type alias struct{ key, name string }

// VariadicAliases returns the aliases of an action; nil when it has no
// variadic parameter.
func VariadicAliases(a *Action) Aliases {
	var out Aliases
	for _, p := range a.Params {
		if p.Kind == Rest || p.Kind == Opts {
			out = append(out, alias{key: p.SpecName(), name: p.Name})
		}
	}
	return out
}

// Apply returns args with every argument sent under a spec name moved to
// its parameter's name. args itself is never changed: when something must
// move, the result is a copy; otherwise it is args. Giving one parameter
// under both names is an error.
func (as Aliases) Apply(args map[string]any) (map[string]any, []FieldError) {
	var errs []FieldError
	out, copied := args, false
	for _, a := range as {
		v, ok := args[a.key]
		if !ok {
			continue
		}
		if _, dup := args[a.name]; dup {
			errs = append(errs, FieldError{
				Loc:  []any{"body", a.key},
				Msg:  fmt.Sprintf("given both as %q and %q", a.key, a.name),
				Type: "value_error.duplicate",
			})
			continue
		}
		if !copied {
			out = make(map[string]any, len(args))
			for k, x := range args {
				out[k] = x
			}
			copied = true
		}
		delete(out, a.key)
		out[a.name] = v
	}
	return out, errs
}
