package actions_test

// Tests and benchmarks of the textenc module and its Encoder.

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine/actions"
)

const benchSentence = "The quick brown fox jumps over the lazy dog while seven " +
	"curious children watch from the old wooden bridge near the river bank"

func norm(v []float64) float64 {
	var ss float64
	for _, x := range v {
		ss += x * x
	}
	return math.Sqrt(ss)
}

// asAny converts a vector to the []any a JSON decoder would produce.
func asAny(v []float64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

func TestNewEncoderDims(t *testing.T) {
	tests := []struct {
		dim     int
		wantErr bool
	}{
		{dim: 0, wantErr: true},
		{dim: 15, wantErr: true},
		{dim: 16},
		{dim: 100},
		{dim: 256},
		{dim: 4096},
		{dim: 4097, wantErr: true},
		{dim: -1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			enc, err := actions.NewEncoder(tt.dim)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewEncoder(%d) succeeded, want an error", tt.dim)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewEncoder(%d): %v", tt.dim, err)
			}
			if enc.Dim() != tt.dim {
				t.Errorf("Dim() = %d, want %d", enc.Dim(), tt.dim)
			}
			v := enc.Encode("hello world")
			if len(v) != tt.dim {
				t.Errorf("len(Encode) = %d, want %d", len(v), tt.dim)
			}
			if n := norm(v); math.Abs(n-1) > 1e-12 {
				t.Errorf("norm = %v, want 1", n)
			}
		})
	}
}

func TestTextencConfig(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]any
		wantDim int
		wantErr bool
	}{
		{name: "nil", params: nil, wantDim: actions.DefaultEncoderDim},
		{name: "empty", params: map[string]any{}, wantDim: actions.DefaultEncoderDim},
		{name: "json number", params: map[string]any{"dim": 64.0}, wantDim: 64},
		{name: "go int", params: map[string]any{"dim": 1024}, wantDim: 1024},
		{name: "null dim", params: map[string]any{"dim": nil}, wantDim: actions.DefaultEncoderDim},
		{name: "too small", params: map[string]any{"dim": 8}, wantErr: true},
		{name: "too big", params: map[string]any{"dim": 5000}, wantErr: true},
		{name: "fraction", params: map[string]any{"dim": 64.5}, wantErr: true},
		{name: "string", params: map[string]any{"dim": "64"}, wantErr: true},
		{name: "unknown key", params: map[string]any{"dims": 64}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr {
				if err := loadErr(t, "textenc", tt.params); err == nil {
					t.Fatalf("load with %v succeeded, want an error", tt.params)
				}
				return
			}
			inst := load(t, "textenc", tt.params)
			got, err := call(t, inst, "encode", map[string]any{"text": "a b c"})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(got.([]float64)); n != tt.wantDim {
				t.Errorf("vector of %d components, want %d", n, tt.wantDim)
			}
		})
	}
}

func TestEncodeDeterministicAndNormalised(t *testing.T) {
	texts := []struct {
		text     string
		wantNorm float64
	}{
		{"the cat sat on the mat", 1},
		{"Hello, World!", 1},
		{"x", 1},
		{"naïve café — Ünïcödé 東京 2024", 1},
		{strings.Repeat("word ", 500), 1},
		{"", 0},
		{"   \t\n", 0},
		{"!!! ... ???", 0},
	}
	a := load(t, "textenc", nil)
	b := load(t, "textenc", nil)
	for _, tt := range texts {
		t.Run(tt.text, func(t *testing.T) {
			v1, err := call(t, a, "encode", map[string]any{"text": tt.text})
			if err != nil {
				t.Fatal(err)
			}
			v2, err := call(t, b, "encode", map[string]any{"text": tt.text})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v1, v2) {
				t.Errorf("two instances encode %q differently", tt.text)
			}
			vec := v1.([]float64)
			for i, x := range vec {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("component %d is %v", i, x)
				}
			}
			if n := norm(vec); math.Abs(n-tt.wantNorm) > 1e-12 {
				t.Errorf("norm = %v, want %v", n, tt.wantNorm)
			}
		})
	}
}

func TestEncodeCaseAndPunctuation(t *testing.T) {
	enc, err := actions.NewEncoder(actions.DefaultEncoderDim)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		a, b string
		same bool
	}{
		{"The Cat SAT", "the cat sat", true},
		{"the cat, sat!", "the   cat sat", true},
		{"ÉCOLE", "école", true},
		{"the cat sat", "sat cat the", false},
		{"cat", "cats", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"|"+tt.b, func(t *testing.T) {
			same := reflect.DeepEqual(enc.Encode(tt.a), enc.Encode(tt.b))
			if same != tt.same {
				t.Errorf("same vector = %v, want %v", same, tt.same)
			}
		})
	}
}

func TestEncodeInto(t *testing.T) {
	enc, err := actions.NewEncoder(64)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float64, 64)
	for i := range dst {
		dst[i] = 7 // must be overwritten, not added to
	}
	if err := enc.EncodeInto(dst, benchSentence); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dst, enc.Encode(benchSentence)) {
		t.Error("EncodeInto differs from Encode")
	}
	if err := enc.EncodeInto(make([]float64, 63), "x"); err == nil {
		t.Error("EncodeInto a short vector succeeded, want an error")
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := enc.EncodeInto(dst, benchSentence); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("EncodeInto allocates %v times per call, want 0", allocs)
	}
}

func TestEncodeList(t *testing.T) {
	inst := load(t, "textenc", map[string]any{"dim": 32})
	enc, err := actions.NewEncoder(32)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text any
		want [][]float64
	}{
		{name: "json list", text: []any{"one two", "", "three"}, want: [][]float64{enc.Encode("one two"), enc.Encode(""), enc.Encode("three")}},
		{name: "go list", text: []string{"alpha"}, want: [][]float64{enc.Encode("alpha")}},
		{name: "empty", text: []any{}, want: [][]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := call(t, inst, "encode", map[string]any{"text": tt.text})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("encode(%v) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestEncodeBadInput(t *testing.T) {
	inst := load(t, "textenc", nil)
	tests := []struct {
		name      string
		args      map[string]any
		argsError bool
	}{
		{name: "missing", args: map[string]any{}, argsError: true},
		{name: "null", args: map[string]any{"text": nil}, argsError: true},
		{name: "extra key", args: map[string]any{"text": "a", "lang": "en"}, argsError: true},
		{name: "number", args: map[string]any{"text": 3.0}, argsError: true},
		{name: "object", args: map[string]any{"text": map[string]any{"a": "b"}}, argsError: true},
		{name: "list with a number", args: map[string]any{"text": []any{"a", 1.0}}, argsError: true},
		{name: "list of numbers", args: map[string]any{"text": []float64{1, 2}}, argsError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call(t, inst, "encode", tt.args)
			if err == nil {
				t.Fatalf("encode(%v) succeeded, want an error", tt.args)
			}
			var ae *actions.ArgsError
			if got := errors.As(err, &ae); got != tt.argsError {
				t.Errorf("error %q: validation error = %v, want %v", err, got, tt.argsError)
			}
		})
	}
}

func TestCosSim(t *testing.T) {
	inst := load(t, "textenc", nil)
	sim := func(t *testing.T, a, b any) float64 {
		t.Helper()
		got, err := call(t, inst, "cos_sim", map[string]any{"text1": a, "text2": b})
		if err != nil {
			t.Fatal(err)
		}
		return got.(float64)
	}

	t.Run("similar beats unrelated", func(t *testing.T) {
		const base = "the cat sat on the mat"
		similar := sim(t, base, "a cat sat on a mat")
		unrelated := sim(t, base, "stock markets fell sharply")
		if similar <= unrelated+0.3 {
			t.Errorf("similar %v, unrelated %v: want similar well above", similar, unrelated)
		}
		if similar < 0.4 {
			t.Errorf("similar sentences score %v, want ≥ 0.4", similar)
		}
		if math.Abs(unrelated) > 0.25 {
			t.Errorf("unrelated sentences score %v, want near 0", unrelated)
		}
	})
	t.Run("identical", func(t *testing.T) {
		if s := sim(t, "same words here", "Same words, here."); math.Abs(s-1) > 1e-12 {
			t.Errorf("identical texts score %v, want 1", s)
		}
	})
	t.Run("symmetric", func(t *testing.T) {
		a, b := "dogs bark loudly", "the dog barked"
		if x, y := sim(t, a, b), sim(t, b, a); x != y {
			t.Errorf("cos(a,b)=%v cos(b,a)=%v", x, y)
		}
	})
	t.Run("vector and text agree", func(t *testing.T) {
		v, err := call(t, inst, "encode", map[string]any{"text": "the cat sat on the mat"})
		if err != nil {
			t.Fatal(err)
		}
		vec := v.([]float64)
		fromText := sim(t, "the cat sat on the mat", "a cat sat on a mat")
		fromJSONVec := sim(t, asAny(vec), "a cat sat on a mat")
		fromGoVec := sim(t, "a cat sat on a mat", vec)
		if math.Abs(fromText-fromJSONVec) > 1e-12 || math.Abs(fromText-fromGoVec) > 1e-12 {
			t.Errorf("text %v, json vector %v, go vector %v: want equal", fromText, fromJSONVec, fromGoVec)
		}
	})
	t.Run("unnormalised vector", func(t *testing.T) {
		v := make([]any, actions.DefaultEncoderDim)
		w := make([]any, actions.DefaultEncoderDim)
		for i := range v {
			v[i], w[i] = 0.0, 0.0
		}
		v[0], w[0] = 3.0, 5.0
		v[1] = 4.0
		if s := sim(t, v, w); math.Abs(s-0.6) > 1e-12 {
			t.Errorf("cos = %v, want 0.6", s)
		}
	})
	t.Run("empty text", func(t *testing.T) {
		if s := sim(t, "", "some words"); s != 0 {
			t.Errorf("cos with empty text = %v, want 0", s)
		}
	})
}

func TestCosSimBadInput(t *testing.T) {
	inst := load(t, "textenc", map[string]any{"dim": 16})
	good := make([]any, 16)
	for i := range good {
		good[i] = 1.0
	}
	short := good[:15]
	withString := append([]any{"x"}, good[1:]...)
	tests := []struct {
		name      string
		args      map[string]any
		argsError bool
	}{
		{name: "missing text2", args: map[string]any{"text1": "a"}, argsError: true},
		{name: "wrong dimension", args: map[string]any{"text1": short, "text2": "a"}, argsError: true},
		{name: "wrong go dimension", args: map[string]any{"text1": "a", "text2": make([]float64, 17)}, argsError: true},
		{name: "non-number component", args: map[string]any{"text1": withString, "text2": "a"}, argsError: true},
		{name: "number", args: map[string]any{"text1": 1.0, "text2": "a"}, argsError: true},
		{name: "object", args: map[string]any{"text1": "a", "text2": map[string]any{}}, argsError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call(t, inst, "cos_sim", tt.args)
			if err == nil {
				t.Fatal("cos_sim succeeded, want an error")
			}
			var ae *actions.ArgsError
			if got := errors.As(err, &ae); got != tt.argsError {
				t.Errorf("error %q: validation error = %v, want %v", err, got, tt.argsError)
			}
		})
	}
	if _, err := call(t, inst, "cos_sim", map[string]any{"text1": good, "text2": "a"}); err != nil {
		t.Errorf("cos_sim with a good vector: %v", err)
	}
}

func TestCosine(t *testing.T) {
	tests := []struct {
		name    string
		a, b    []float64
		want    float64
		wantErr bool
	}{
		{name: "same", a: []float64{1, 2}, b: []float64{2, 4}, want: 1},
		{name: "opposite", a: []float64{1, 0}, b: []float64{-3, 0}, want: -1},
		{name: "orthogonal", a: []float64{1, 0}, b: []float64{0, 1}, want: 0},
		{name: "zero", a: []float64{0, 0}, b: []float64{1, 1}, want: 0},
		{name: "empty", a: nil, b: nil, want: 0},
		{name: "length mismatch", a: []float64{1}, b: []float64{1, 2}, wantErr: true},
		{name: "infinite", a: []float64{math.Inf(1), 0}, b: []float64{1, 0}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := actions.Cosine(tt.a, tt.b)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Cosine error = %v, want error %v", err, tt.wantErr)
			}
			if math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Cosine = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTopk(t *testing.T) {
	inst := load(t, "textenc", nil)
	cands := []any{
		"stock markets fell sharply",
		"a cat sat on a mat",
		"the weather is sunny today",
		"the cat sat on the mat",
		"a cat sat on a mat",
	}
	type hit struct {
		index int
		text  string
	}
	tests := []struct {
		name string
		args map[string]any
		want []hit
	}{
		{
			name: "default k",
			args: map[string]any{"query": "the cat sat on the mat", "candidates": cands},
			// Candidates 1 and 4 tie; the lower index comes first.
			want: []hit{{3, "the cat sat on the mat"}, {1, "a cat sat on a mat"}, {4, "a cat sat on a mat"}},
		},
		{
			name: "k=1",
			args: map[string]any{"query": "markets fell", "candidates": cands, "k": 1.0},
			want: []hit{{0, "stock markets fell sharply"}},
		},
		{
			name: "k clamped",
			args: map[string]any{"query": "sunny weather", "candidates": []string{"x y", "sunny weather today"}, "k": 10},
			want: []hit{{1, "sunny weather today"}, {0, "x y"}},
		},
		{
			name: "no candidates",
			args: map[string]any{"query": "q", "candidates": []any{}},
			want: []hit{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := call(t, inst, "topk", tt.args)
			if err != nil {
				t.Fatal(err)
			}
			got := res.([]map[string]any)
			if len(got) != len(tt.want) {
				t.Fatalf("topk returned %d hits, want %d: %v", len(got), len(tt.want), got)
			}
			prev := math.Inf(1)
			for i, h := range got {
				if h["index"] != tt.want[i].index || h["text"] != tt.want[i].text {
					t.Errorf("hit %d = %v, want index %d text %q", i, h, tt.want[i].index, tt.want[i].text)
				}
				s := h["score"].(float64)
				if s > prev {
					t.Errorf("hit %d scores %v above the previous %v", i, s, prev)
				}
				prev = s
			}
		})
	}
}

func TestTopkBadInput(t *testing.T) {
	inst := load(t, "textenc", nil)
	tests := []struct {
		name      string
		args      map[string]any
		argsError bool
	}{
		{name: "k zero", args: map[string]any{"query": "q", "candidates": []any{"a"}, "k": 0}, argsError: true},
		{name: "k negative", args: map[string]any{"query": "q", "candidates": []any{"a"}, "k": -2.0}, argsError: true},
		// pydantic's int() truncates 1.5 to 1 and takes "2"; not "1.5".
		{name: "k fraction", args: map[string]any{"query": "q", "candidates": []any{"a"}, "k": "1.5"}, argsError: true},
		{name: "query list", args: map[string]any{"query": []any{"q"}, "candidates": []any{"a"}}, argsError: true},
		{name: "candidates string", args: map[string]any{"query": "q", "candidates": "a"}, argsError: true},
		{name: "candidates numbers", args: map[string]any{"query": "q", "candidates": []any{"a", 2.0}}, argsError: true},
		{name: "missing candidates", args: map[string]any{"query": "q"}, argsError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call(t, inst, "topk", tt.args)
			if err == nil {
				t.Fatal("topk succeeded, want an error")
			}
			var ae *actions.ArgsError
			if got := errors.As(err, &ae); got != tt.argsError {
				t.Errorf("error %q: validation error = %v, want %v", err, got, tt.argsError)
			}
		})
	}
}

func TestTextencSpec(t *testing.T) {
	got := actions.Spec("textenc", load(t, "textenc", nil))
	want := map[string][]string{
		"textenc.encode":  {"text"},
		"textenc.cos_sim": {"text1", "text2"},
		"textenc.topk":    {"query", "candidates", "k"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spec = %v, want %v", got, want)
	}
}

func BenchmarkEncoderEncode(b *testing.B) {
	enc, err := actions.NewEncoder(actions.DefaultEncoderDim)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchSentence)))
	b.ReportAllocs()
	for b.Loop() {
		enc.Encode(benchSentence)
	}
}

func BenchmarkEncoderEncodeInto(b *testing.B) {
	enc, err := actions.NewEncoder(actions.DefaultEncoderDim)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float64, enc.Dim())
	b.SetBytes(int64(len(benchSentence)))
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.EncodeInto(dst, benchSentence); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTextencEncodeAction(b *testing.B) {
	inst := load(b, "textenc", nil)
	a := action(b, inst, "encode")
	args := map[string]any{"text": benchSentence}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Fn(b.Context(), args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTextencTopk10(b *testing.B) {
	inst := load(b, "textenc", nil)
	a := action(b, inst, "topk")
	cands := make([]any, 10)
	for i := range cands {
		cands[i] = strings.Repeat("candidate sentence number ", i%3+1) + benchSentence[:20+i*3]
	}
	args := map[string]any{"query": benchSentence, "candidates": cands, "k": 3}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Fn(b.Context(), args); err != nil {
			b.Fatal(err)
		}
	}
}
