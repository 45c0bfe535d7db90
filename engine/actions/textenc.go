package actions

// This file holds the textenc module: a deterministic sentence encoder built
// on signed feature hashing, with the actions encode, cos_sim and topk.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Dimensions accepted by the textenc encoder.
const (
	// DefaultEncoderDim is the vector size textenc uses when its config sets
	// no "dim".
	DefaultEncoderDim = 256
	// MinEncoderDim is the smallest vector size textenc accepts.
	MinEncoderDim = 16
	// MaxEncoderDim is the largest vector size textenc accepts.
	MaxEncoderDim = 4096
)

// Feature weights. Word features carry the meaning of a sentence, so they
// weigh more than the character 3-grams, which only add robustness to
// inflection and typos; a 5-letter word yields five 3-grams, whose combined
// squared weight (5 × 0.09) is still below the unigram's.
const (
	weightUnigram = 1.0
	weightBigram  = 0.7
	weightTrigram = 0.3
)

// Tags put in front of each feature's bytes so that, say, the word "cat" and
// the 3-gram "cat" hash apart.
const (
	tagUnigram = 'w'
	tagBigram  = 'b'
	tagTrigram = 'c'
)

// Boundary markers padding a word for its character 3-grams. Neither can be
// part of a word, so "<ca" only ever comes from a word starting with "ca".
const (
	wordStart = '<'
	wordEnd   = '>'
)

// FNV-1a, 64-bit.
const (
	fnvOffset64 uint64 = 14695981039346656037
	fnvPrime64  uint64 = 1099511628211
)

// Encoder turns text into fixed-size, L2-normalised vectors by signed
// feature hashing. Text is split into words (maximal runs of letters, digits
// and combining marks) and lower-cased; the features are every word
// (weight 1.0), every pair of adjacent words (0.7) and every character
// 3-gram of each word padded with start and end markers (0.3 each, so "cat"
// gives "<ca", "cat", "at>"). Each feature is hashed with FNV-1a 64 into an
// index in [0, Dim) and a sign, and its weight added there with that sign;
// the sum is scaled to unit length. The same text always gives the same
// vector, and text without words gives the zero vector.
//
// An Encoder holds no mutable state and is safe for concurrent use.
type Encoder struct {
	dim int
}

// NewEncoder returns an encoder of vectors of dim components, which must lie
// in [MinEncoderDim, MaxEncoderDim].
func NewEncoder(dim int) (*Encoder, error) {
	if dim < MinEncoderDim || dim > MaxEncoderDim {
		return nil, fmt.Errorf("encoder dimension %d out of range [%d, %d]", dim, MinEncoderDim, MaxEncoderDim)
	}
	return &Encoder{dim: dim}, nil
}

// Dim is the number of components of the encoder's vectors.
func (e *Encoder) Dim() int { return e.dim }

// Encode returns the unit vector of text (the zero vector when text has no
// words).
func (e *Encoder) Encode(text string) []float64 {
	v := make([]float64, e.dim)
	e.encodeInto(v, text)
	return v
}

// EncodeInto writes the vector of text into dst, which must have exactly Dim
// components; it allocates nothing.
func (e *Encoder) EncodeInto(dst []float64, text string) error {
	if len(dst) != e.dim {
		return fmt.Errorf("encode into a vector of %d components: encoder dimension is %d", len(dst), e.dim)
	}
	e.encodeInto(dst, text)
	return nil
}

func (e *Encoder) encodeInto(dst []float64, text string) {
	clear(dst)
	prev := ""
	for rest := text; ; {
		var w string
		w, rest = nextWord(rest)
		if w == "" {
			break
		}
		e.add(dst, hashWord(hashByte(fnvOffset64, tagUnigram), w), weightUnigram)
		if prev != "" {
			h := hashWord(hashByte(fnvOffset64, tagBigram), prev)
			h = hashWord(hashByte(h, ' '), w)
			e.add(dst, h, weightBigram)
		}
		e.addTrigrams(dst, w)
		prev = w
	}
	normalize(dst)
}

// addTrigrams adds the character 3-grams of the word padded as "<word>".
func (e *Encoder) addTrigrams(dst []float64, w string) {
	a, b := rune(wordStart), rune(-1)
	emit := func(c rune) {
		h := hashByte(fnvOffset64, tagTrigram)
		h = hashRune(h, a)
		h = hashRune(h, b)
		h = hashRune(h, c)
		e.add(dst, h, weightTrigram)
	}
	for _, r := range w {
		r = lowerRune(r)
		if b < 0 {
			b = r
			continue
		}
		emit(r)
		a, b = b, r
	}
	if b >= 0 {
		emit(wordEnd)
	}
}

// add puts weight, signed by the hash, at the component the hash selects:
// the index scales the low 32 bits of the mixed hash to [0, Dim) (a multiply
// and a shift instead of a division), and the top bit gives the sign.
func (e *Encoder) add(dst []float64, h uint64, weight float64) {
	h = finalize(h)
	if h>>63 != 0 {
		weight = -weight
	}
	dst[(h&0xffffffff)*uint64(e.dim)>>32] += weight
}

// nextWord returns the first word of s and what follows it; w is "" when s
// holds no more words.
func nextWord(s string) (w, rest string) {
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			return s[start:i], s[i:]
		}
	}
	if start < 0 {
		return "", ""
	}
	return s[start:], ""
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func hashByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime64 }

// hashRune feeds the UTF-8 bytes of r to the hash.
func hashRune(h uint64, r rune) uint64 {
	if r < utf8.RuneSelf {
		return hashByte(h, byte(r))
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, c := range buf[:n] {
		h = hashByte(h, c)
	}
	return h
}

// hashWord feeds the lower-cased runes of w to the hash.
func hashWord(h uint64, w string) uint64 {
	for _, r := range w {
		h = hashRune(h, lowerRune(r))
	}
	return h
}

// lowerRune is unicode.ToLower with a fast path for ASCII.
func lowerRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// finalize mixes the hash so that its low bits, which pick the index, and
// its top bit, which picks the sign, depend on every input byte: FNV's low
// bits are poorly mixed on their own (the lowest is a mere parity).
func finalize(h uint64) uint64 {
	h ^= h >> 31
	h *= 0x9e3779b97f4a7c15
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return h
}

// normalize scales v to unit length; the zero vector stays zero.
func normalize(v []float64) {
	var ss float64
	for _, x := range v {
		ss += x * x
	}
	if ss == 0 {
		return
	}
	inv := 1 / math.Sqrt(ss)
	for i := range v {
		v[i] *= inv
	}
}

// Cosine returns the cosine similarity of two vectors of the same length, in
// [-1, 1]. It is 0 when either vector is zero.
func Cosine(a, b []float64) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("cosine of vectors of %d and %d components", len(a), len(b))
	}
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	if na == 0 || nb == 0 {
		return 0, nil
	}
	s := dot / (math.Sqrt(na) * math.Sqrt(nb))
	if math.IsNaN(s) {
		return 0, fmt.Errorf("cosine is not a number (vectors with infinite components?)")
	}
	return clampUnit(s), nil
}

func clampUnit(x float64) float64 { return max(-1, min(1, x)) }

// textenc is a loaded textenc module.
type textenc struct {
	enc     *Encoder
	actions []Action
}

func textencBuiltin() Builtin {
	return Builtin{
		Name: "textenc",
		Doc:  "deterministic sentence encoder (hashed word and character n-grams); config: dim",
		New:  newTextenc,
	}
}

func newTextenc(params map[string]any) (Instance, error) {
	if err := checkConfigKeys("textenc", params, "dim"); err != nil {
		return nil, err
	}
	dim, err := Int(params, "dim", DefaultEncoderDim)
	if err != nil {
		return nil, fmt.Errorf("textenc config: %w", err)
	}
	enc, err := NewEncoder(dim)
	if err != nil {
		return nil, fmt.Errorf("textenc config: %w", err)
	}
	t := &textenc{enc: enc}
	t.actions = []Action{
		{
			Name: "encode",
			Doc:  "vector of a text, or list of vectors of a list of texts",
			Params: []Param{
				{Name: "text", Kind: Required, Type: TypeAny},
			},
			Fn: t.encode,
		},
		{
			Name: "cos_sim",
			Doc:  "cosine similarity of two texts or vectors",
			Params: []Param{
				{Name: "text1", Kind: Required, Type: TypeAny},
				{Name: "text2", Kind: Required, Type: TypeAny},
			},
			Fn: t.cosSim,
		},
		{
			Name: "topk",
			Doc:  "the k candidates most similar to the query, best first",
			Params: []Param{
				{Name: "query", Kind: Required, Type: TypeString},
				{Name: "candidates", Kind: Required, Type: TypeList},
				{Name: "k", Kind: Optional, Type: TypeInt, Default: 3},
			},
			Fn: t.topk,
		},
	}
	return t, nil
}

// Actions lists encode, cos_sim and topk.
func (t *textenc) Actions() []Action { return slices.Clone(t.actions) }

// Close has nothing to release.
func (t *textenc) Close() error { return nil }

func (t *textenc) encode(_ context.Context, args map[string]any) (any, error) {
	switch v := args["text"].(type) {
	case string:
		return t.enc.Encode(v), nil
	case []any, []string:
		texts, err := stringList(v)
		if err != nil {
			return nil, RangeError("textenc.encode", "text", err.Error())
		}
		out := make([][]float64, len(texts))
		for i, s := range texts {
			out[i] = t.enc.Encode(s)
		}
		return out, nil
	case nil:
		return nil, fmt.Errorf("textenc.encode: text is required")
	default:
		return nil, RangeError("textenc.encode", "text", fmt.Sprintf("want a string or a list of strings, got %T", v))
	}
}

func (t *textenc) cosSim(_ context.Context, args map[string]any) (any, error) {
	a, err := t.vectorArg(args, "text1")
	if err != nil {
		return nil, RangeError("textenc.cos_sim", "text1", err.Error())
	}
	b, err := t.vectorArg(args, "text2")
	if err != nil {
		return nil, RangeError("textenc.cos_sim", "text2", err.Error())
	}
	s, err := Cosine(a, b)
	if err != nil {
		return nil, fmt.Errorf("textenc.cos_sim: %w", err)
	}
	return s, nil
}

// vectorArg reads args[name] as a text to encode or as a vector of the
// encoder's dimension.
func (t *textenc) vectorArg(args map[string]any, name string) ([]float64, error) {
	switch v := args[name].(type) {
	case string:
		return t.enc.Encode(v), nil
	case []float64:
		if len(v) != t.enc.dim {
			return nil, fmt.Errorf("vector of %d components, want %d", len(v), t.enc.dim)
		}
		return v, nil
	case []any:
		if len(v) != t.enc.dim {
			return nil, fmt.Errorf("vector of %d components, want %d", len(v), t.enc.dim)
		}
		out := make([]float64, len(v))
		for i, x := range v {
			f, ok := toFloat(x)
			if !ok {
				return nil, fmt.Errorf("item %d: want a number, got %T", i, x)
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("item %d: want a finite number, got %v", i, f)
			}
			out[i] = f
		}
		return out, nil
	case nil:
		return nil, errors.New("field required")
	default:
		return nil, fmt.Errorf("want a string or a list of numbers, got %T", v)
	}
}

func (t *textenc) topk(_ context.Context, args map[string]any) (any, error) {
	query, ok := args["query"].(string)
	if !ok {
		return nil, RangeError("textenc.topk", "query", fmt.Sprintf("want a string, got %T", args["query"]))
	}
	cands, err := stringList(args["candidates"])
	if err != nil {
		return nil, RangeError("textenc.topk", "candidates", err.Error())
	}
	k, err := Int(args, "k", 3)
	if err != nil {
		return nil, RangeError("textenc.topk", "k", fmt.Sprintf("want an integer, got %v", args["k"]))
	}
	if k < 1 {
		return nil, RangeError("textenc.topk", "k", fmt.Sprintf("%d is out of range: want at least 1", k))
	}
	k = min(k, len(cands))

	q := t.enc.Encode(query)
	scratch := make([]float64, t.enc.dim)
	type scored struct {
		index int
		score float64
	}
	all := make([]scored, len(cands))
	for i, c := range cands {
		t.enc.encodeInto(scratch, c)
		var dot float64
		for j := range q {
			dot += q[j] * scratch[j]
		}
		all[i] = scored{index: i, score: clampUnit(dot)}
	}
	slices.SortFunc(all, func(x, y scored) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		return cmp.Compare(x.index, y.index)
	})
	out := make([]map[string]any, k)
	for i, s := range all[:k] {
		out[i] = map[string]any{"index": s.index, "text": cands[s.index], "score": s.score}
	}
	return out, nil
}
