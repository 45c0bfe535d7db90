package actions_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/internal/pytool"
)

// pydanticTypes maps the names the reference script knows to jsorc's types.
var pydanticTypes = map[string]actions.Type{
	"int": actions.TypeInt, "float": actions.TypeNumber, "str": actions.TypeString,
	"bool": actions.TypeBool, "list": actions.TypeList, "dict": actions.TypeObject, "any": actions.TypeAny,
}

// pydanticLiterals are the values every type is tried with: JSON literals a
// Jaseci client may send.
var pydanticLiterals = []string{
	`0`, `1`, `-1`, `2`, `-0`, `7`, `9007199254740993`, `123456789012345678901234567890`,
	`1.0`, `1.5`, `-1.5`, `0.5`, `-0.0`, `2.50`, `1e16`, `1e15`, `1E-7`, `0.0001`, `1e20`, `123456789012345678.0`, `1E400`,
	`true`, `false`,
	`"5"`, `" 5 "`, `"+007"`, `"-3"`, `"5.0"`, `"1_000"`, `"1__0"`, `"_1"`, `""`, `" "`, `"five"`, `"0x10"`,
	`"1e3"`, `" 1e3 "`, `".5"`, `"5."`, `"1_0.5"`, `"1e16"`, `"0.00001"`, `"nan"`, `"inf"`, `"-Infinity"`, `" INF "`,
	`"yes"`, `"No"`, `"ON"`, `"off"`, `"t"`, `"F"`, `"y"`, `"n"`, `" yes"`, `"ab"`, `"é"`,
	`[]`, `[1]`, `[1, "a"]`, `[["a", 1], ["b", 2.0]]`, `[[1, true], [null, 0]]`, `["ab"]`, `[[1]]`, `[[[1], 2]]`, `[1.5, "x"]`,
	`{}`, `{"a": 1}`, `{"a": {"b": [1.0]}}`,
}

// knownDifferences are the cases where jsorc deliberately answers otherwise
// than pydantic: a float literal beyond float64's range keeps its literal
// through jsorc instead of becoming an infinity Jaseci's server could not
// answer (HTTP 500).
var knownDifferences = map[string]bool{"float 1E400": true, "any 1E400": true}

// TestCoercionMatchesPydanticV1 runs every type × literal through jsorc's
// Validate and through pydantic 1.x itself (Debian's python3-pydantic, the
// major version Jaseci pinned) and wants the same value or the same refusal,
// in the same words.
func TestCoercionMatchesPydanticV1(t *testing.T) {
	py := pytool.Find(t, "python3 python3-pydantic", "pydantic")
	type refCase struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	var cases []refCase
	var input bytes.Buffer
	enc := json.NewEncoder(&input)
	for name := range pydanticTypes {
		for _, lit := range pydanticLiterals {
			c := refCase{Type: name, Value: lit}
			cases = append(cases, c)
			if err := enc.Encode(c); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command(py, "testdata/pydantic_v1.py")
	cmd.Stdin = &input
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference script: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		if i >= len(cases) {
			t.Fatalf("reference answered more lines than cases: %s", sc.Text())
		}
		c := cases[i]
		var ref struct {
			OK      *string `json:"ok"`
			NonJSON bool    `json:"nonjson"`
			Msg     string  `json:"msg"`
			Type    string  `json:"type"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ref); err != nil {
			t.Fatalf("reference line %q: %v", sc.Text(), err)
		}
		name := c.Type + " " + c.Value
		if knownDifferences[name] {
			continue
		}
		got := jsorcCoercion(t, pydanticTypes[c.Type], c.Value)
		want := ""
		switch {
		case ref.NonJSON:
			want = "no JSON form"
		case ref.OK != nil:
			want = "ok " + *ref.OK
		default:
			want = "refused " + ref.Msg + " / " + ref.Type
		}
		if got != want && !sameNumbers(got, want) {
			t.Errorf("%s: jsorc %s, pydantic %s", name, got, want)
		}
	}
	if i != len(cases) {
		t.Fatalf("reference answered %d of %d cases", i, len(cases))
	}
}

// jsorcCoercion describes what Validate makes of a literal for type typ,
// in the words of the reference's answer.
func jsorcCoercion(t *testing.T, typ actions.Type, lit string) string {
	t.Helper()
	got, errs := actions.Validate(typed(typ), map[string]any{"v": decodeValue(t, lit)})
	if errs != nil {
		return "refused " + errs[0].Msg + " / " + errs[0].Type
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(got["v"]); err != nil {
		return "no JSON form"
	}
	return "ok " + strings.TrimSuffix(b.String(), "\n")
}

// sameNumbers reports whether two "ok <JSON>" answers hold the same values,
// numbers compared by kind (int or float, as Python decodes the literal)
// and value rather than by spelling: jsorc passes a literal it does not
// need to convert as it came (2.50, 1e16), where Python prints it anew
// (2.5, 1e+16).
func sameNumbers(a, b string) bool {
	ja, oka := strings.CutPrefix(a, "ok ")
	jb, okb := strings.CutPrefix(b, "ok ")
	if !oka || !okb {
		return false
	}
	va, erra := decodeJSON(ja)
	vb, errb := decodeJSON(jb)
	return erra == nil && errb == nil && equalNumbers(va, vb)
}

func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func equalNumbers(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		xi, yi := !strings.ContainsAny(string(x), ".eE"), !strings.ContainsAny(string(y), ".eE")
		if xi != yi {
			return false
		}
		if xi {
			bx, okx := new(big.Int).SetString(string(x), 10)
			by, oky := new(big.Int).SetString(string(y), 10)
			return okx && oky && bx.Cmp(by) == 0
		}
		fx, errx := strconv.ParseFloat(string(x), 64)
		fy, erry := strconv.ParseFloat(string(y), 64)
		return errx == nil && erry == nil && fx == fy && math.Signbit(fx) == math.Signbit(fy)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalNumbers(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !equalNumbers(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}
