package verbs_test

import (
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/internal/cliargs"
	"github.com/jsorc/jsorc/internal/verbs"
)

// apiOnly are the endpoints no verb calls: the console reads them.
var apiOnly = []string{types.EngineStats.Name(), types.LoadTestProgress.Name(), types.History.Name(), types.RecentEvents.Name()}

// TestTable: unique paths, sensible bounds, a summary; a verb of the API
// calls an endpoint of api/types and builds that endpoint's parameters; a
// verb of this machine says why it runs here; and every endpoint but the
// console's reads has a verb.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	called := map[string]bool{}
	for _, v := range verbs.All() {
		t.Run(v.Path, func(t *testing.T) {
			if seen[v.Path] || v.Summary == "" || (v.Max >= 0 && v.Max < v.Min) {
				t.Fatalf("twice, no summary, or bounds %d..%d", v.Min, v.Max)
			}
			seen[v.Path] = true
			if (v.Endpoint == "") == (v.Here == "") || (v.Endpoint == "") != (v.Params == nil) {
				t.Fatalf("endpoint %q, params %v, here %q: want an endpoint and params, or a reason to run here", v.Endpoint, v.Params != nil, v.Here)
			}
			names := map[string]bool{}
			for _, f := range v.Flags {
				if names[f.Name] || f.Usage == "" {
					t.Errorf("flag %q twice or without usage", f.Name)
				}
				names[f.Name] = true
			}
			if v.Endpoint == "" {
				return
			}
			called[v.Endpoint] = true
			info, ok := types.Lookup(v.Endpoint)
			if !ok {
				t.Fatalf("endpoint %q is not in api/types", v.Endpoint)
			}
			in := sampleInput(t, &v)
			p, err := v.Params(in)
			if err != nil {
				t.Fatalf("Params(%+v): %v", in, err)
			}
			if reflect.TypeOf(p) != info.Params {
				t.Errorf("Params gives %T, %s takes %v", p, v.Endpoint, info.Params)
			}
		})
	}
	for _, e := range types.Endpoints() {
		if !called[e.Name] && !slices.Contains(apiOnly, e.Name) {
			t.Errorf("no verb calls %s", e.Name)
		}
	}
}

// sampleInput is a parse of the fewest arguments a verb takes, with the
// flags it needs, and files that read as a small config.
func sampleInput(t *testing.T, v *verbs.Verb) verbs.Input {
	t.Helper()
	args := []string{}
	for i := 0; i < v.Min; i++ {
		args = append(args, "x")
	}
	switch v.Path {
	case "actions load":
		args = append(args, "-mode", "module")
	case "actions scale":
		args[1] = "2"
	}
	in, err := v.Parse(args)
	if err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	in.ReadFile = func(string) ([]byte, error) { return []byte("x: {builtin: echo}\n"), nil }
	return in
}

// TestParse: flags anywhere, their kinds and values checked with messages
// that name what is wrong, the positionals counted.
func TestParse(t *testing.T) {
	find := func(path string) *verbs.Verb {
		v, rest := verbs.Find(verbs.All(), strings.Fields(path))
		if v == nil || len(rest) != 0 {
			t.Fatalf("no verb %q", path)
		}
		return v
	}
	cases := []struct {
		path    string
		args    []string
		want    verbs.Values
		wantPos []string
		wantErr string
	}{
		{path: "actions load", args: []string{"echo", "--mode=remote", "-wait"}, want: verbs.Values{"mode": "remote", "wait": "true", "timeout": "60"}, wantPos: []string{"echo"}},
		{path: "actions load", args: []string{"-timeout", "5", "echo"}, want: verbs.Values{"mode": "", "wait": "false", "timeout": "5"}, wantPos: []string{"echo"}},
		{path: "actions load", args: []string{"echo", "-mode", "sideways"}, wantErr: `"sideways" is not one of module, local, remote`},
		{path: "actions load", args: []string{"echo", "-timeout", "soon"}, wantErr: `"soon" is not a number`},
		{path: "actions load", args: []string{"echo", "-mode"}, wantErr: "flag -mode needs a value"},
		{path: "actions load", args: []string{"echo", "-server", "x"}, wantErr: "unknown flag -server"},
		{path: "actions load", args: nil, wantErr: "usage: actions load NAME"},
		{path: "actions unload", args: []string{"echo", "-retire_svc", "false"}, want: verbs.Values{"mode": "auto", "retire_svc": "false"}, wantPos: []string{"echo"}},
		{path: "actions unload", args: []string{"echo", "-retire_svc=maybe"}, wantErr: `want true or false, not "maybe"`},
		{path: "reports", args: []string{"benchmark", "-limit", "-5"}, want: verbs.Values{"limit": "-5"}, wantPos: []string{"benchmark"}},
		{path: "benchmark start", args: []string{"now"}, wantErr: "usage: benchmark start"},
	}
	for _, tc := range cases {
		t.Run(tc.path+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			in, err := find(tc.path).Parse(tc.args)
			if tc.wantErr != "" {
				if !errors.Is(err, verbs.ErrUsage) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(in.Flags, tc.want) || !slices.Equal(in.Args, tc.wantPos) {
				t.Errorf("Parse = %q %v, %v; want %q %v", in.Args, in.Flags, err, tc.wantPos, tc.want)
			}
		})
	}
	if _, err := find("actions load").Parse([]string{"-h"}); !errors.Is(err, cliargs.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

// TestParams: what a verb sends, from its words and files.
func TestParams(t *testing.T) {
	files := map[string]string{"acts.yaml": "enc: {builtin: textenc}\n", "mod.wasm": "\x00asm\x01\x00\x00\x00", "wasms.yaml": "w: {wasm: mod.wasm}\n"}
	read := func(path string) ([]byte, error) {
		if s, ok := files[filepath.Base(path)]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	params := func(line string) (any, error) {
		v, rest := verbs.Find(verbs.All(), strings.Fields(line))
		in, err := v.Parse(rest)
		if err != nil {
			return nil, err
		}
		in.ReadFile = read
		return v.Params(in)
	}
	retire := false
	cases := []struct {
		line    string
		want    any
		wantErr string
	}{
		{line: "actions config echo builtin", want: types.ActionsConfigParams{Name: "echo", Config: "builtin"}},
		{line: "actions config all conf/missing.yaml", wantErr: "reading config source: open conf/missing.yaml: file does not exist"},
		// JSORC's form, a Python import path: the engine explains.
		{line: "actions config use_enc jaseci_ai_kit.config", want: types.ActionsConfigParams{Name: "use_enc", Config: "jaseci_ai_kit.config", Source: "jaseci_ai_kit.config"}},
		{line: "actions config all mod.wasm", wantErr: "a .wasm source configures one module"},
		{line: "actions load echo", wantErr: "-mode"},
		{line: "actions unload echo -retire_svc false", want: types.ActionsUnloadParams{Name: "echo", Mode: "auto", RetireSvc: &retire}},
		{line: "actions scale echo 3", want: types.ActionsScaleParams{Name: "echo", Replicas: 3}},
		{line: "actions scale echo many", wantErr: `replicas "many": give a whole number, at least 1`},
		{line: "actions scale echo auto", want: types.ActionsScaleParams{Name: "echo", Auto: true}},
		{line: "actions scale echo 0", wantErr: `replicas "0": give a whole number, at least 1`},
		{line: `actions call echo.echo -ctx {"value":1.0}`, want: types.CallParams{Name: "echo.echo", Ctx: map[string]any{"value": json.Number("1.0")}}},
		{line: `actions call echo.echo -ctx {value:1}`, wantErr: "double quotes"},
		{line: `actions call echo.echo -ctx {"a":1}{"b":2}`, wantErr: "more than one JSON value"},
		{line: "actionpolicy set costmodel -params {\"node_mem_mb\":4096}", want: types.PolicySetParams{PolicyName: "costmodel", PolicyParams: map[string]any{"node_mem_mb": 4096.0}}},
		{line: "config set META_CONFIG {\"backoff_interval\":6}", want: types.ConfigParams{Name: "META_CONFIG", Value: json.RawMessage(`"{\"backoff_interval\":6}"`)}},
		{line: "reports loadtest -limit 3", want: types.ReportsParams{Kind: "loadtest", Limit: 3}},
		{line: "loadtest -experiment flow -policy all_local,costmodel -mem 4 -clients 2", want: types.LoadTestParams{Experiment: "flow", Policy: "all_local,costmodel", Mem: 4, Clients: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			got, err := params(tc.line)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("= %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
	got, err := params("actions config m mod.wasm")
	if p, ok := got.(types.ActionsConfigParams); err != nil || !ok || !strings.Contains(p.Config, `"wasm":`) || !strings.HasSuffix(p.Source, "mod.wasm") ||
		len(p.Files) != 1 || string(p.Files[p.Source]) != files["mod.wasm"] {
		t.Errorf("a .wasm source: %#v, %v", got, err)
	}
	// The modules a config file names travel with it, keyed as it names them.
	got, err = params("actions config all wasms.yaml")
	if p, ok := got.(types.ActionsConfigParams); err != nil || !ok || string(p.Files["mod.wasm"]) != files["mod.wasm"] {
		t.Errorf("a config naming a module: %#v, %v", got, err)
	}
}

// TestDefineForTheCLI: the CLI defines a verb's flags into its own flag
// set, beside its own, and reads them the same way.
func TestDefineForTheCLI(t *testing.T) {
	v, _ := verbs.Find(verbs.All(), []string{"actions", "load"})
	fs := flag.NewFlagSet("actions load", flag.ContinueOnError)
	server := fs.String("server", "", "")
	vals := v.Define(fs)
	pos, err := cliargs.Parse(fs, []string{"echo", "--server", "http://x", "-mode", "local"})
	if err != nil || *server != "http://x" || vals["mode"] != "local" || !slices.Equal(pos, []string{"echo"}) {
		t.Errorf("parsed %q, server %q, vals %v, %v", pos, *server, vals, err)
	}
}
