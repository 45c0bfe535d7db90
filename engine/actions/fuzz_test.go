package actions_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
)

// FuzzActionArgs calls every built-in action (echo, textenc, synth with its
// defaults) as the engine does in module mode, with arguments decoded from
// arbitrary JSON: wire-form aliases applied, then validated, then the
// action run under a short deadline. Nothing may panic; a call whose
// arguments passed validation fails only as an argument error, echo.fail's
// own failure, or the deadline.
func FuzzActionArgs(f *testing.F) {
	var all []actions.Action
	var names []string
	for _, m := range []string{"echo", "textenc", "synth"} {
		inst := load(f, m, nil)
		for _, a := range inst.Actions() {
			all = append(all, a)
			names = append(names, m+"."+a.Name)
		}
	}
	f.Add(uint8(0), []byte(`{"value": 1}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		i := int(which) % len(all)
		a := &all[i]
		var args map[string]any
		if json.Unmarshal(body, &args) != nil {
			return
		}
		args, errs := actions.VariadicAliases(a).Apply(args)
		if errs == nil {
			args, errs = actions.Validate(a, args)
		}
		if errs != nil {
			for _, fe := range errs {
				if fe.Msg == "" || len(fe.Loc) == 0 {
					t.Fatalf("%s: a field error without a message or a place: %+v", names[i], fe)
				}
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := a.Fn(ctx, args)
		var ae *actions.ArgsError
		switch {
		case err == nil, errors.As(err, &ae), errors.Is(err, context.DeadlineExceeded):
		case names[i] == "echo.fail":
		default:
			t.Fatalf("%s(%s): valid arguments, yet an error that is not an argument error: %v", names[i], body, err)
		}
	})
}

// FuzzSynthParams: a synth config either parses to parameters that
// validate, or fails with a message naming synth's config.
func FuzzSynthParams(f *testing.F) {
	f.Add([]byte(`{"mem_mb": 10, "cpu_ms": 1.5, "actions": ["a", "b"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var params map[string]any
		if json.Unmarshal(body, &params) != nil {
			return
		}
		p, err := actions.ParseSynthParams(params)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed %s to %+v, which does not validate: %v", body, p, err)
		}
	})
}
