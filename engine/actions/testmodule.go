package actions

// This file holds test_module, the module of JSORC's own API tests
// (jaseci_ai_kit's test_module), so that their scenarios replay on jsorc
// unchanged: one action, call(a: str), answering "test module received
// <a>.".

import "context"

// testModule is a loaded test_module; it holds nothing.
type testModule struct{}

func testModuleBuiltin() Builtin {
	return Builtin{
		Name: "test_module",
		Doc:  "JSORC's test module: call(a) answers \"test module received <a>.\"; takes no config",
		New: func(params map[string]any) (Instance, error) {
			if err := checkConfigKeys("test_module", params); err != nil {
				return nil, err
			}
			return testModule{}, nil
		},
	}
}

// Actions lists call.
func (testModule) Actions() []Action {
	return []Action{{
		Name:   "call",
		Doc:    `answers "test module received <a>."`,
		Params: []Param{{Name: "a", Kind: Required, Type: TypeString}},
		Fn: func(_ context.Context, args map[string]any) (any, error) {
			a, err := String(args, "a", "")
			if err != nil {
				return nil, err
			}
			return "test module received " + a + ".", nil
		},
	}}
}

// Close has nothing to release.
func (testModule) Close() error { return nil }
