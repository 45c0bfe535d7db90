package engine_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/jsorc/jsorc/engine"
)

// FuzzParseActionConfigs: an action config file (YAML or JSON) parses to
// configs that encode and parse again to the same, or fails as ErrInvalid.
func FuzzParseActionConfigs(f *testing.F) {
	// JSORC's ACTION_CONFIGS, as docs/from-jsorc.md has users export it.
	if b, err := os.ReadFile("../examples/jaseci_action_server/action_configs.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("m:\n  module: pkg.m\n  local: /x.py\n  remote:\n    ConfigMap: {data: {prod_up: \"uvicorn pkg.m:serv_actions --host 0.0.0.0 --port 80\"}}\n"))
	fuzzParser(f, "echo:\n  builtin: echo\n", engine.ParseActionConfigs, nil)
}

// FuzzParseApps: an apps file parses to apps that encode and parse again to
// the same, or fails as ErrInvalid.
func FuzzParseApps(f *testing.F) {
	fuzzParser(f, "a:\n  steps:\n    - action: echo.echo\n", engine.ParseApps, nil)
}

// FuzzParseMeta: a META_CONFIG parses to a valid config that encodes and
// parses again to the same, or fails as ErrInvalid.
func FuzzParseMeta(f *testing.F) {
	fuzzParser(f, `{"automation": true, "backoff_interval": 6}`, engine.ParseMeta, func(t *testing.T, m engine.MetaConfig) {
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed a META_CONFIG that does not validate: %v", err)
		}
	})
}

// fuzzParser fuzzes parse from seed: it fails only as ErrInvalid, and what
// it parses passes check (when set) and survives a round trip through JSON.
func fuzzParser[T any](f *testing.F, seed string, parse func([]byte) (T, error), check func(*testing.T, T)) {
	f.Add([]byte(seed))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parse(data)
		if err != nil {
			if !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if check != nil {
			check(t, v)
		}
		roundTrip(t, v, parse)
	})
}

// roundTrip encodes v as JSON, parses it again and wants the same value.
func roundTrip[T any](t *testing.T, v T, parse func([]byte) (T, error)) {
	t.Helper()
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding a parsed value: %v", err)
	}
	again, err := parse(js)
	if err != nil {
		t.Fatalf("the encoding of a parsed value does not parse: %v\n%s", err, js)
	}
	if !reflect.DeepEqual(jsonValue(t, v), jsonValue(t, again)) {
		t.Fatalf("round trip changed the value:\n%s\n%s", js, mustMarshal(t, again))
	}
}

func jsonValue(t *testing.T, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(mustMarshal(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
