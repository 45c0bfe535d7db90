package actions

// This file converts argument values the way Jaseci's action server did:
// its body model was pydantic v1, whose validators coerce rather than
// refuse ("5" is a fine int, 5 a fine str) and word their refusals in a
// fixed way. A client written against Jaseci relies on both.

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// refusal is what pydantic v1 answers for a value its validator refuses.
type refusal struct{ msg, typ string }

// refusals by parameter type, in pydantic v1's words.
var refusals = [...]refusal{
	TypeString: {"str type expected", "type_error.str"},
	TypeNumber: {"value is not a valid float", "type_error.float"},
	TypeInt:    {"value is not a valid integer", "type_error.integer"},
	TypeBool:   {"value could not be parsed to a boolean", "type_error.bool"},
	TypeList:   {"value is not a valid list", "type_error.list"},
	TypeObject: {"value is not a valid dict", "type_error.dict"},
}

// coerce returns what pydantic v1 makes of v for a parameter of type t.
// changed reports that the result is not v itself (the arguments must then
// be copied); ok false means the value is refused. Numbers come out as
// json.Number literals, so that they encode as Python would print them.
func coerce(t Type, v any) (out any, changed, ok bool) {
	switch t {
	case TypeAny:
		return v, false, true
	case TypeString:
		return coerceStr(v)
	case TypeNumber:
		return coerceFloat(v)
	case TypeInt:
		return coerceInt(v)
	case TypeBool:
		return coerceBool(v)
	case TypeList:
		switch v.(type) {
		case []any, []string, []float64:
			return v, false, true
		}
		return nil, false, false
	case TypeObject:
		return coerceDict(v)
	}
	return nil, false, false
}

// coerceInt is pydantic v1's int_validator: ints as they are; bools as 1
// and 0; floats truncated; strings through int().
func coerceInt(v any) (any, bool, bool) {
	switch n := v.(type) {
	case json.Number:
		if isIntLiteral(n) {
			if n == "-0" {
				return json.Number("0"), true, true
			}
			return v, false, true
		}
		f, ok := numberFloat(n)
		if !ok {
			return nil, false, false
		}
		i, ok := pyTrunc(f)
		return i, true, ok
	case int, int64, int32:
		return v, false, true
	case float64:
		return truncFloat(n)
	case float32:
		return truncFloat(float64(n))
	case bool:
		if n {
			return json.Number("1"), true, true
		}
		return json.Number("0"), true, true
	case string:
		i, ok := pyParseInt(n)
		return i, true, ok
	}
	return nil, false, false
}

// truncFloat truncates a Go float toward zero, keeping it a float (it
// encodes as the integer it now holds).
func truncFloat(f float64) (any, bool, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false, false
	}
	if t := math.Trunc(f); t != f {
		return t + 0, true, true // + 0 turns -0 into 0, as int() does
	}
	return f, false, true
}

// coerceFloat is pydantic v1's float_validator: float() of anything that
// takes it. An int becomes a float (5 → 5.0, as Python prints it).
func coerceFloat(v any) (any, bool, bool) {
	switch n := v.(type) {
	case json.Number:
		if !isIntLiteral(n) {
			return v, false, true
		}
		f, ok := numberFloat(n)
		if !ok || math.IsInf(f, 0) { // float() of a huge int overflows
			return nil, false, false
		}
		return json.Number(pyFloatRepr(f + 0)), true, true // + 0: the int -0 is 0
	case float64, float32:
		return v, false, true
	case int:
		return float64(n), true, true
	case int64:
		return float64(n), true, true
	case int32:
		return float64(n), true, true
	case bool:
		if n {
			return json.Number("1.0"), true, true
		}
		return json.Number("0.0"), true, true
	case string:
		f, ok := pyParseFloat(n)
		if !ok {
			return nil, false, false
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return f, true, true // not a JSON literal; a result holding it fails to encode, as in Python
		}
		return json.Number(pyFloatRepr(f)), true, true
	}
	return nil, false, false
}

// coerceStr is pydantic v1's str_validator: strings as they are, numbers
// (and bools, which are ints in Python) through str().
func coerceStr(v any) (any, bool, bool) {
	switch n := v.(type) {
	case string:
		return v, false, true
	case json.Number:
		s, ok := numberStr(n)
		return s, true, ok
	case bool:
		if n {
			return "True", true, true
		}
		return "False", true, true
	case int:
		return strconv.Itoa(n), true, true
	case int64:
		return strconv.FormatInt(n, 10), true, true
	case int32:
		return strconv.FormatInt(int64(n), 10), true, true
	case float64:
		return goFloatStr(n), true, true
	case float32:
		return goFloatStr(float64(n)), true, true
	}
	return nil, false, false
}

// goFloatStr is str() of a number decoded into a Go float64: integral values
// are taken for the ints they almost always were on the wire.
func goFloatStr(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return pyFloatRepr(f)
}

// coerceBool is pydantic v1's bool_validator: true and false; the numbers 1
// and 0; the strings 1 on t true y yes and 0 off f false n no in any case.
func coerceBool(v any) (any, bool, bool) {
	switch n := v.(type) {
	case bool:
		return v, false, true
	case string:
		switch strings.ToLower(n) {
		case "1", "on", "t", "true", "y", "yes":
			return true, true, true
		case "0", "off", "f", "false", "n", "no":
			return false, true, true
		}
		return nil, false, false
	}
	f, ok := toFloat(v)
	switch {
	case !ok:
		return nil, false, false
	case f == 1:
		return true, true, true
	case f == 0:
		return false, true, true
	}
	return nil, false, false
}

// coerceDict is pydantic v1's dict_validator: objects as they are, and
// whatever Python's dict() takes: a list of key-value pairs (two-item lists
// or two-character strings), or the empty string.
func coerceDict(v any) (any, bool, bool) {
	switch n := v.(type) {
	case map[string]any:
		return v, false, true
	case string:
		if n == "" {
			return map[string]any{}, true, true
		}
		return nil, false, false
	case []any:
		return pairsDict(n)
	case []string:
		return pairsDict(n)
	}
	return nil, false, false
}

// pairsDict is dict() of a list of pairs.
func pairsDict[T any](items []T) (any, bool, bool) {
	out := make(map[string]any, len(items))
	for _, item := range items {
		k, val, ok := dictPair(item)
		if !ok {
			return nil, false, false
		}
		out[k] = val
	}
	return out, true, true
}

// dictPair reads one item of a list given to dict(): a pair whose key is
// hashable, with the key as json.dumps would write it.
func dictPair(item any) (string, any, bool) {
	switch p := item.(type) {
	case []any:
		if len(p) != 2 {
			return "", nil, false
		}
		k, ok := jsonKey(p[0])
		return k, p[1], ok
	case string:
		if utf8.RuneCountInString(p) != 2 {
			return "", nil, false
		}
		_, size := utf8.DecodeRuneInString(p)
		return p[:size], p[size:], true
	}
	return "", nil, false
}

// jsonKey is the object key json.dumps writes for a hashable Python key.
func jsonKey(k any) (string, bool) {
	switch x := k.(type) {
	case string:
		return x, true
	case nil:
		return "null", true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return numberStr(x)
	}
	if f, ok := toFloat(k); ok {
		return goFloatStr(f), true
	}
	return "", false
}
