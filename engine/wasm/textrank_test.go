package wasm_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/wasm"
	"github.com/jsorc/jsorc/internal/wasmexamples"
)

// corpus is what the textrank tests rank, in every language.
var corpus = []any{
	"The quick brown fox jumps over the lazy dog",
	"A fox, a dog and a cat walk into a bar",
	"Cats sleep all day; dogs bark at night",
	"Ünïcode wörds stay whole: naïve café",
	"",
	"fox fox fox",
}

func load(t *testing.T, name string, opts wasm.Options) *wasm.Module {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "m"
	}
	if opts.CacheDir == "" {
		opts.CacheDir = cacheDir
	}
	m, err := wasm.Load(context.Background(), wasmexamples.Read(t, name), opts)
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func call(t *testing.T, m *wasm.Module, action string, args map[string]any) (any, error) {
	t.Helper()
	for _, a := range m.Actions() {
		if a.Name == action {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			args, errs := actions.Validate(&a, args)
			if errs != nil {
				return nil, &actions.ArgsError{Action: action, Fields: errs}
			}
			return a.Fn(ctx, args)
		}
	}
	t.Fatalf("no action %s in %v", action, m.Spec())
	return nil, nil
}

func TestTextrankSpec(t *testing.T) {
	for _, name := range wasmexamples.Textranks {
		t.Run(name, func(t *testing.T) {
			m := load(t, name, wasm.Options{})
			got := actions.Spec("textrank", m)
			want := map[string][]string{
				"textrank.tokenize": {"text"},
				"textrank.rank":     {"query", "docs", "k"},
				"textrank.about":    {},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("spec %v, want %v", got, want)
			}
			for _, a := range m.Actions() {
				if a.Name == "rank" && (a.Params[2].Kind != actions.Optional || a.Params[2].Default != json.Number("10")) {
					t.Errorf("rank's k: %+v, want optional with default 10", a.Params[2])
				}
			}
		})
	}
}

// TestTextrankAcrossLanguages runs the same calls on the Go, C and Rust
// modules: tokens equal, rankings equal in order, scores equal to 1e-12
// (each language's log may differ in the last bit).
func TestTextrankAcrossLanguages(t *testing.T) {
	type result struct {
		tokens []any
		ranks  [][]any
	}
	queries := []string{"fox dog", "cat", "café naïve", "nothing matches", "THE fox"}
	results := map[string]result{}
	for _, name := range wasmexamples.Textranks {
		m := load(t, name, wasm.Options{})
		var r result
		for _, text := range corpus {
			v, err := call(t, m, "tokenize", map[string]any{"text": text})
			if err != nil {
				t.Fatalf("%s tokenize: %v", name, err)
			}
			r.tokens = append(r.tokens, v)
		}
		for _, q := range queries {
			v, err := call(t, m, "rank", map[string]any{"query": q, "docs": corpus, "k": 3})
			if err != nil {
				t.Fatalf("%s rank: %v", name, err)
			}
			r.ranks = append(r.ranks, v.([]any))
		}
		results[name] = r
	}
	ref := results[wasmexamples.TextrankGo]
	if got := ref.tokens[3]; !reflect.DeepEqual(got, []any{"Ünïcode", "wörds", "stay", "whole", "naïve", "café"}) {
		t.Errorf("tokens of the UTF-8 text: %v", got)
	}
	if len(ref.ranks[0]) != 3 || len(ref.ranks[3]) != 0 {
		t.Errorf("rankings: %v", ref.ranks)
	}
	for name, r := range results {
		if !reflect.DeepEqual(r.tokens, ref.tokens) {
			t.Errorf("%s tokens %v, want Go's %v", name, r.tokens, ref.tokens)
		}
		for i := range queries {
			if len(r.ranks[i]) != len(ref.ranks[i]) {
				t.Fatalf("%s rank %q: %v, want Go's %v", name, queries[i], r.ranks[i], ref.ranks[i])
			}
			for j := range r.ranks[i] {
				g, w := r.ranks[i][j].(map[string]any), ref.ranks[i][j].(map[string]any)
				if g["doc"] != w["doc"] || math.Abs(num(g["score"])-num(w["score"])) > 1e-12 {
					t.Errorf("%s rank %q #%d: %v, want Go's %v", name, queries[i], j, g, w)
				}
			}
		}
	}
}

func TestTextrankErrors(t *testing.T) {
	for _, name := range wasmexamples.Textranks {
		t.Run(name, func(t *testing.T) {
			m := load(t, name, wasm.Options{Name: "textrank"})
			_, err := call(t, m, "rank", map[string]any{"query": "x", "docs": []any{"x"}, "k": 0})
			var ae *actions.ArgsError
			if !errors.As(err, &ae) || ae.Fields[0].Loc[1] != "k" || ae.Fields[0].Msg != "must be at least 1" {
				t.Errorf("k=0: %v, want an argument error on k", err)
			}
			// The default k applies when left out: the host fills it in.
			v, err := call(t, m, "rank", map[string]any{"query": "x", "docs": []any{"x y", "y"}})
			if err != nil || len(v.([]any)) != 1 {
				t.Errorf("rank without k: %v, %v", v, err)
			}
			v, err = call(t, m, "about", map[string]any{})
			if err != nil || v.(map[string]any)["abi"] != json.Number("1") {
				t.Errorf("about: %v, %v", v, err)
			}
		})
	}
}

// num reads a JSON number as decoded (json.Number).
func num(v any) float64 {
	n, _ := v.(json.Number)
	f, _ := n.Float64()
	return f
}

// TestUninterruptible: without termination checks a module answers the
// same.
func TestUninterruptible(t *testing.T) {
	for _, name := range wasmexamples.Textranks {
		t.Run(name, func(t *testing.T) {
			a := load(t, name, wasm.Options{})
			b := load(t, name, wasm.Options{Uninterruptible: true})
			args := map[string]any{"query": "fox dog", "docs": corpus, "k": 3}
			va, err := call(t, a, "rank", args)
			if err != nil {
				t.Fatal(err)
			}
			vb, err := call(t, b, "rank", args)
			if err != nil || !reflect.DeepEqual(va, vb) {
				t.Errorf("uninterruptible %v (%v), interruptible %v", vb, err, va)
			}
		})
	}
}
