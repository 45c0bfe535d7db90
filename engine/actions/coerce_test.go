package actions_test

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/actions"
)

// typed is an action with one parameter v of type t, as Jaseci's server
// would build its body model from an annotated Python function.
func typed(t actions.Type) *actions.Action {
	return &actions.Action{Name: "f", Params: []actions.Param{{Name: "v", Kind: actions.Required, Type: t}}}
}

// decodeValue decodes a JSON literal as the action server does: numbers
// keep their literal.
func decodeValue(t *testing.T, lit string) any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"v":` + lit + `}`))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decoding %s: %v", lit, err)
	}
	return m["v"]
}

// TestCoercionLikePydanticV1: each argument comes out as Jaseci's server
// (pydantic v1 validators) made of it, or is refused with pydantic's words.
func TestCoercionLikePydanticV1(t *testing.T) {
	tests := []struct {
		typ  actions.Type
		in   string // JSON literal as sent
		want string // JSON of what the action receives; "" when refused
		msg  string // the refusal's msg
		kind string // the refusal's type
	}{
		// int: Python int() of whatever takes it.
		{actions.TypeInt, `5`, `5`, "", ""},
		{actions.TypeInt, `9007199254740993`, `9007199254740993`, "", ""},
		{actions.TypeInt, `-0`, `0`, "", ""},
		{actions.TypeInt, `"5"`, `5`, "", ""},
		{actions.TypeInt, `" 5 "`, `5`, "", ""},
		{actions.TypeInt, `"+007"`, `7`, "", ""},
		{actions.TypeInt, `"1_000"`, `1000`, "", ""},
		{actions.TypeInt, `"123456789012345678901234567890"`, `123456789012345678901234567890`, "", ""},
		{actions.TypeInt, `1.5`, `1`, "", ""},
		{actions.TypeInt, `-1.5`, `-1`, "", ""},
		{actions.TypeInt, `1e20`, `100000000000000000000`, "", ""},
		{actions.TypeInt, `true`, `1`, "", ""},
		{actions.TypeInt, `false`, `0`, "", ""},
		{actions.TypeInt, `"5.0"`, "", "value is not a valid integer", "type_error.integer"},
		{actions.TypeInt, `"1__0"`, "", "value is not a valid integer", "type_error.integer"},
		{actions.TypeInt, `""`, "", "value is not a valid integer", "type_error.integer"},
		{actions.TypeInt, `"five"`, "", "value is not a valid integer", "type_error.integer"},
		{actions.TypeInt, `[1]`, "", "value is not a valid integer", "type_error.integer"},
		{actions.TypeInt, `{}`, "", "value is not a valid integer", "type_error.integer"},
		// float: Python float(); ints become floats.
		{actions.TypeNumber, `1.0`, `1.0`, "", ""},
		{actions.TypeNumber, `2.50`, `2.50`, "", ""},
		{actions.TypeNumber, `5`, `5.0`, "", ""},
		{actions.TypeNumber, `"5"`, `5.0`, "", ""},
		{actions.TypeNumber, `" 1e3 "`, `1000.0`, "", ""},
		{actions.TypeNumber, `"1_0.5"`, `10.5`, "", ""},
		{actions.TypeNumber, `".5"`, `0.5`, "", ""},
		{actions.TypeNumber, `"5."`, `5.0`, "", ""},
		{actions.TypeNumber, `"1e16"`, `1e+16`, "", ""},
		{actions.TypeNumber, `"0.00001"`, `1e-05`, "", ""},
		{actions.TypeNumber, `true`, `1.0`, "", ""},
		{actions.TypeNumber, `"0x10"`, "", "value is not a valid float", "type_error.float"},
		{actions.TypeNumber, `"five"`, "", "value is not a valid float", "type_error.float"},
		{actions.TypeNumber, `[]`, "", "value is not a valid float", "type_error.float"},
		// str: numbers through Python str().
		{actions.TypeString, `"x"`, `"x"`, "", ""},
		{actions.TypeString, `5`, `"5"`, "", ""},
		{actions.TypeString, `1.5`, `"1.5"`, "", ""},
		{actions.TypeString, `1.0`, `"1.0"`, "", ""},
		{actions.TypeString, `1e16`, `"1e+16"`, "", ""},
		{actions.TypeString, `123456789012345678901234567890`, `"123456789012345678901234567890"`, "", ""},
		{actions.TypeString, `1e15`, `"1000000000000000.0"`, "", ""},
		{actions.TypeString, `123456789012345678.0`, `"1.2345678901234568e+17"`, "", ""},
		{actions.TypeString, `0.0001`, `"0.0001"`, "", ""},
		{actions.TypeString, `-0.0`, `"-0.0"`, "", ""},
		{actions.TypeString, `1.5e-7`, `"1.5e-07"`, "", ""},
		{actions.TypeString, `1E400`, `"inf"`, "", ""},
		{actions.TypeString, `true`, `"True"`, "", ""},
		{actions.TypeString, `[]`, "", "str type expected", "type_error.str"},
		{actions.TypeString, `{"a":1}`, "", "str type expected", "type_error.str"},
		// bool: the fixed sets, any case, no trimming.
		{actions.TypeBool, `true`, `true`, "", ""},
		{actions.TypeBool, `"yes"`, `true`, "", ""},
		{actions.TypeBool, `"On"`, `true`, "", ""},
		{actions.TypeBool, `"NO"`, `false`, "", ""},
		{actions.TypeBool, `1`, `true`, "", ""},
		{actions.TypeBool, `0.0`, `false`, "", ""},
		{actions.TypeBool, `2`, "", "value could not be parsed to a boolean", "type_error.bool"},
		{actions.TypeBool, `" yes"`, "", "value could not be parsed to a boolean", "type_error.bool"},
		{actions.TypeBool, `[]`, "", "value could not be parsed to a boolean", "type_error.bool"},
		// list: arrays only.
		{actions.TypeList, `[1, "a"]`, `[1,"a"]`, "", ""},
		{actions.TypeList, `"ab"`, "", "value is not a valid list", "type_error.list"},
		{actions.TypeList, `{}`, "", "value is not a valid list", "type_error.list"},
		// dict: what Python's dict() takes.
		{actions.TypeObject, `{"a":1}`, `{"a":1}`, "", ""},
		{actions.TypeObject, `[["a", 1], ["b", 2.0]]`, `{"a":1,"b":2.0}`, "", ""},
		{actions.TypeObject, `[[1, true], [null, 0]]`, `{"1":true,"null":0}`, "", ""},
		{actions.TypeObject, `["ab"]`, `{"a":"b"}`, "", ""},
		{actions.TypeObject, `""`, `{}`, "", ""},
		{actions.TypeObject, `[]`, `{}`, "", ""},
		{actions.TypeObject, `"ab"`, "", "value is not a valid dict", "type_error.dict"},
		{actions.TypeObject, `[[1]]`, "", "value is not a valid dict", "type_error.dict"},
		{actions.TypeObject, `[[[1], 2]]`, "", "value is not a valid dict", "type_error.dict"},
		{actions.TypeObject, `5`, "", "value is not a valid dict", "type_error.dict"},
		// no annotation: anything, as it came.
		{actions.TypeAny, `1.0`, `1.0`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String()+" "+tc.in, func(t *testing.T) {
			args := map[string]any{"v": decodeValue(t, tc.in)}
			orig := args["v"]
			got, errs := actions.Validate(typed(tc.typ), args)
			if tc.want == "" {
				if len(errs) != 1 || errs[0].Msg != tc.msg || errs[0].Type != tc.kind ||
					!reflect.DeepEqual(errs[0].Loc, []any{"body", "v"}) {
					t.Fatalf("errors %+v, want one at body.v: %q %q", errs, tc.msg, tc.kind)
				}
				return
			}
			if errs != nil {
				t.Fatalf("refused: %+v", errs)
			}
			b, err := json.Marshal(got["v"])
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("the action gets %s, want %s", b, tc.want)
			}
			if !reflect.DeepEqual(args["v"], orig) {
				t.Errorf("the caller's arguments changed to %v", args["v"])
			}
		})
	}
}

// TestCoercionNaN: "nan" and "inf" are floats to Python; they reach the
// action as Go floats (they have no JSON literal).
func TestCoercionNaN(t *testing.T) {
	for in, check := range map[string]func(float64) bool{
		"nan": math.IsNaN, "-Infinity": func(f float64) bool { return math.IsInf(f, -1) }, " INF ": func(f float64) bool { return math.IsInf(f, 1) },
	} {
		got, errs := actions.Validate(typed(actions.TypeNumber), map[string]any{"v": in})
		if errs != nil {
			t.Fatalf("%q refused: %v", in, errs)
		}
		if f, ok := got["v"].(float64); !ok || !check(f) {
			t.Errorf("%q became %#v", in, got["v"])
		}
	}
}

// TestValidateNoCopyWhenNothingChanges: arguments of the declared types are
// passed through as the very same map, without allocating.
func TestValidateNoCopyWhenNothingChanges(t *testing.T) {
	a := &actions.Action{Name: "f", Params: []actions.Param{
		{Name: "s", Kind: actions.Required, Type: actions.TypeString},
		{Name: "i", Kind: actions.Required, Type: actions.TypeInt},
		{Name: "f", Kind: actions.Optional, Type: actions.TypeNumber},
		{Name: "b", Kind: actions.Optional, Type: actions.TypeBool},
	}}
	args := map[string]any{"s": "x", "i": json.Number("3"), "f": json.Number("1.0"), "b": true}
	if testing.CoverMode() == "" {
		if n := testing.AllocsPerRun(100, func() { _, _ = actions.Validate(a, args) }); n != 0 {
			t.Errorf("Validate allocates %v times per call, want 0", n)
		}
	}
	got, errs := actions.Validate(a, args)
	if errs != nil || reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(args).UnsafePointer() {
		t.Errorf("got a different map (%v)", errs)
	}
}
