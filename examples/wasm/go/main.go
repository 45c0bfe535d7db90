//go:build wasip1

// Command textrank is jsorc's example WebAssembly action module in Go: a
// tokenizer and a BM25 ranker, the same module as the Rust and C examples
// beside it (the tests compare their answers). Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o textrank-go.wasm .
package main

import (
	"encoding/json"
	"math"
	"sort"
	"strings"

	"jsorc.example/textrank/abi"
)

// The BM25 constants, the same in every language's example.
const (
	k1 = 1.2
	b  = 0.75
)

func main() {}

// extra holds the actions of optional files (big.go), set before init.
var extra []abi.Action

func init() {
	abi.Register(abi.Spec{
		Module: "textrank",
		Doc:    "tokenizer and BM25 ranker (Go)",
		Actions: append([]abi.Action{
			{Name: "tokenize", Doc: "split text into lower-case word tokens",
				Params: []abi.Param{{Name: "text", Type: "str"}}, Handler: tokenizeAction},
			{Name: "rank", Doc: "rank docs against a query with BM25; the k best with a positive score",
				Params:  []abi.Param{{Name: "query", Type: "str"}, {Name: "docs", Type: "list"}, {Name: "k", Type: "int", Default: 10}},
				Handler: rankAction},
			{Name: "about", Doc: "which implementation this is",
				Params: []abi.Param{}, Handler: func(json.RawMessage) (any, error) {
					return map[string]any{"language": "go", "abi": 1}, nil
				}},
		}, extra...),
	})
}

func tokenizeAction(raw json.RawMessage) (any, error) {
	var a struct {
		Text string `json:"text"`
	}
	if err := abi.Args(raw, &a); err != nil {
		return nil, err
	}
	return tokenize(a.Text), nil
}

type hit struct {
	Doc   int     `json:"doc"`
	Score float64 `json:"score"`
}

func rankAction(raw json.RawMessage) (any, error) {
	var a struct {
		Query string   `json:"query"`
		Docs  []string `json:"docs"`
		K     int      `json:"k"`
	}
	if err := abi.Args(raw, &a); err != nil {
		return nil, err
	}
	if a.K < 1 {
		return nil, &abi.ArgError{Param: "k", Msg: "must be at least 1"}
	}
	return rank(a.Query, a.Docs, a.K), nil
}

// isWord says whether a byte belongs to a token: ASCII letters and digits,
// and every byte of a multi-byte UTF-8 character.
func isWord(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// tokenize splits text into runs of word bytes, ASCII lower-cased: the
// text is lower-cased once and every token is a slice of it.
func tokenize(text string) []string {
	text = lower(text)
	out := []string{}
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && isWord(text[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, text[start:i])
			start = -1
		}
	}
	return out
}

// lower is s with ASCII letters lower-cased, s itself when it has none
// in upper case.
func lower(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// rank scores each doc with BM25 over the query's distinct terms (in the
// order they first appear), keeps positive scores, and returns the k best
// (ties: lower index first).
func rank(query string, docs []string, k int) []hit {
	var terms []string
	seen := map[string]bool{}
	for _, t := range tokenize(query) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	n := len(docs)
	if n == 0 || len(terms) == 0 {
		return []hit{}
	}
	tfs := make([]map[string]int, n)
	lens := make([]int, n)
	total := 0
	df := map[string]int{}
	for i, d := range docs {
		toks := tokenize(d)
		lens[i] = len(toks)
		total += len(toks)
		tf := map[string]int{}
		for _, t := range toks {
			if seen[t] {
				tf[t]++
			}
		}
		for t := range tf {
			df[t]++
		}
		tfs[i] = tf
	}
	avgdl := float64(total) / float64(n)
	hits := []hit{}
	for i := range docs {
		score := 0.0
		for _, t := range terms {
			f := tfs[i][t]
			if f == 0 {
				continue
			}
			idf := math.Log(1 + (float64(n)-float64(df[t])+0.5)/(float64(df[t])+0.5))
			tf := float64(f)
			score += idf * (tf * (k1 + 1)) / (tf + k1*(1-b+b*float64(lens[i])/avgdl))
		}
		if score > 0 {
			hits = append(hits, hit{Doc: i, Score: score})
		}
	}
	sort.SliceStable(hits, func(x, y int) bool { return hits[x].Score > hits[y].Score })
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits
}
