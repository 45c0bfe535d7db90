package ui

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/internal/verbs"
)

func TestInterpret(t *testing.T) {
	cases := []struct {
		line    string
		want    command
		wantErr string
	}{
		{line: "actions load textenc -mode remote", want: command{kind: cmdLoad, name: "textenc", mode: "remote"}},
		{line: "actions load textenc --mode=module", want: command{kind: cmdLoad, name: "textenc", mode: "module"}},
		{line: "actions load -mode local textenc -wait", want: command{kind: cmdLoad, name: "textenc", mode: "local"}},
		{line: "jsorc actions load use_enc -mode remote", want: command{kind: cmdLoad, name: "use_enc", mode: "remote"}},
		{line: "  actions   load  textenc  ", want: command{kind: cmdLoad, name: "textenc"}},
		{line: "actions load textenc -mode nowhere", wantErr: `"nowhere" is not one of module, local, remote`},
		{line: "actions load", wantErr: "usage: actions load NAME"},
		{line: "actions load a b -mode remote", wantErr: "usage: actions load NAME"},
		{line: "actions load textenc -mode", wantErr: "flag -mode needs a value"},
		{line: "actions load textenc -bogus 1", wantErr: "unknown flag -bogus"},
		{line: "actions load textenc -server http://x", wantErr: "unknown flag -server"},
		{line: "actions unload textenc", want: command{kind: cmdUnload, name: "textenc", mode: "auto", retire: true}},
		{line: "actions unload textenc -mode remote -retire_svc false", want: command{kind: cmdUnload, name: "textenc", mode: "remote", retire: false}},
		{line: "actions unload textenc -retire_svc", want: command{kind: cmdUnload, name: "textenc", mode: "auto", retire: true}},
		{line: "actions unload textenc -retire_svc=maybe", wantErr: "want true or false"},
		{line: "actions status", want: command{kind: cmdStatus, pane: paneActions}},
		{line: "actions status textenc", want: command{kind: cmdStatus, name: "textenc", pane: paneActions}},
		{line: `actions call echo.echo -ctx '{"value": "a b"}'`, want: command{kind: cmdCall, name: "echo.echo", args: map[string]any{"value": "a b"}}},
		{line: `actions call echo.echo -ctx "{\"value\": 1}"`, want: command{kind: cmdCall, name: "echo.echo", args: map[string]any{"value": json.Number("1")}}},
		{line: `actions call echo.echo -ctx [1]`, wantErr: "-ctx is not a JSON object"},
		{line: "actionpolicy set default", want: command{kind: cmdPolicySet, name: "default"}},
		{line: `actionpolicy set evaluation -params '{"eval_phase": 5}'`, want: command{kind: cmdPolicySet, name: "evaluation", args: map[string]any{"eval_phase": float64(5)}}},
		{line: "actionpolicy get", want: command{kind: cmdGoto, pane: panePolicy}},
		{line: "actionpolicy", want: command{kind: cmdGoto, pane: panePolicy}},
		{line: "graphs", want: command{kind: cmdGoto, pane: paneGraphs}},
		{line: "svc", want: command{kind: cmdGoto, pane: paneServices}},
		{line: "benchmark", want: command{kind: cmdGoto, pane: paneBenchmark}},
		{line: "actions", want: command{kind: cmdGoto, pane: paneActions}},
		{line: "actions bogus", wantErr: `unknown command "actions bogus"`},
		{line: "q", want: command{kind: cmdQuit}},
		{line: "q!", want: command{kind: cmdQuit}},
		{line: "quit", want: command{kind: cmdQuit}},
		{line: "help", want: command{kind: cmdHelp}},
		{line: "?", want: command{kind: cmdHelp}},
		{line: "benchmark start", want: command{kind: cmdMeasure, name: "benchmark", verb: "start"}},
		{line: "benchmark report", want: command{kind: cmdMeasure, name: "benchmark", verb: "report"}},
		{line: "jsorc benchmark stop", want: command{kind: cmdMeasure, name: "benchmark", verb: "stop"}},
		{line: "benchmark restart", wantErr: `unknown command "benchmark restart"`},
		{line: "benchmark start now", wantErr: "usage: benchmark start"},
		{line: "benchmark start -x", wantErr: "unknown flag -x"},
		{line: "trackact start", want: command{kind: cmdMeasure, name: "trackact", verb: "start"}},
		{line: "trackact stop", want: command{kind: cmdMeasure, name: "trackact", verb: "stop"}},
		{line: "trackact report", wantErr: `unknown command "trackact report"`},
		{line: "trackact", wantErr: `unknown command "trackact"`},
		{line: "tracksys start", want: command{kind: cmdMeasure, name: "tracksys", verb: "start"}},
		{line: "tracksys report", want: command{kind: cmdMeasure, name: "tracksys", verb: "report"}},
		{line: "tracksys stop", want: command{kind: cmdMeasure, name: "tracksys", verb: "stop"}},
		{line: "service refresh meta", want: command{kind: cmdRun, path: "service refresh", in: verbs.Input{Args: []string{"meta"}, Flags: verbs.Values{}}}},
		{line: "service info", want: command{kind: cmdGoto, pane: paneServices}},
		{line: "reports benchmark -limit 3", want: command{kind: cmdRun, path: "reports", in: verbs.Input{Args: []string{"benchmark"}, Flags: verbs.Values{"limit": "3"}}}},
		{line: "actions config all testdata/x.yaml", want: command{kind: cmdRun, path: "actions config", in: verbs.Input{Args: []string{"all", "testdata/x.yaml"}, Flags: verbs.Values{}}}},
		{line: "nonsense", wantErr: `unknown command "nonsense"`},
		{line: `actions load "unterminated`, wantErr: "unterminated \" quote"},
		{line: "", wantErr: "empty command"},
		{line: "   ", wantErr: "empty command"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			got, err := interpret(tc.line)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("interpret(%q) = %+v, %v; want an error containing %q", tc.line, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("interpret(%q): %v", tc.line, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("interpret(%q) = %+v; want %+v", tc.line, got, tc.want)
			}
		})
	}
}

func TestTokenize(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{"a b  c", []string{"a", "b", "c"}},
		{`a 'b c' "d e"`, []string{"a", "b c", "d e"}},
		{`x"y z"w`, []string{"xy zw"}},
		{`"a \"q\" \\"`, []string{`a "q" \`}},
		{`'it''s'`, []string{"its"}},
		{`""`, []string{""}},
		{"\ta\t", []string{"a"}},
	}
	for _, tc := range cases {
		got, err := tokenize(tc.line)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("tokenize(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
}

func TestComplete(t *testing.T) {
	n := names{
		modules:  []string{"echo", "synth", "textenc", "tfm_ner"},
		actions:  []string{"echo.echo", "textenc.cos_sim", "textenc.encode"},
		policies: []string{"adaptive", "default", "evaluation", "predictive"},
	}
	cases := []struct {
		line, keep string
		want       []string
	}{
		{"act", "", []string{"actionpolicy", "actions"}},
		{"actions ", "actions ", []string{"call", "config", "delete", "describe", "list", "load", "module", "scale", "status", "unload"}},
		{"actions lo", "actions ", []string{"load"}},
		{"actions load ", "actions load ", []string{"echo", "synth", "textenc", "tfm_ner"}},
		{"actions load t", "actions load ", []string{"textenc", "tfm_ner"}},
		{"actions load textenc ", "actions load textenc ", []string{"-mode", "-wait", "-timeout"}},
		{"actions load textenc -m", "actions load textenc ", []string{"-mode"}},
		{"actions load textenc -mode ", "actions load textenc -mode ", []string{"module", "local", "remote"}},
		{"actions load textenc -mode r", "actions load textenc -mode ", []string{"remote"}},
		{"actions load -mode remote ", "actions load -mode remote ", []string{"echo", "synth", "textenc", "tfm_ner"}},
		{"actions unload textenc -mode ", "actions unload textenc -mode ", []string{"auto", "module", "local", "remote"}},
		{"actions call text", "actions call ", []string{"textenc.cos_sim", "textenc.encode"}},
		{"actionpolicy set ", "actionpolicy set ", []string{"adaptive", "default", "evaluation", "predictive"}},
		{"actionpolicy set e", "actionpolicy set ", []string{"evaluation"}},
		{"benchmark ", "benchmark ", []string{"report", "start", "stop"}},
		{"benchmark st", "benchmark ", []string{"start", "stop"}},
		{"benchmark stop ", "benchmark stop ", nil},
		{"bench", "", []string{"benchmark"}},
		{"trackact ", "trackact ", []string{"start", "stop"}},
		{"trackact sta", "trackact ", []string{"start"}},
		{"tracksys ", "tracksys ", []string{"report", "start", "stop"}},
		{"tracksys r", "tracksys ", []string{"report"}},
		{"track", "", []string{"trackact", "tracksys"}},
		{"jsorc actions st", "jsorc actions ", []string{"status"}},
		{"nosuch ", "nosuch ", nil},
		{"graphs ", "graphs ", nil},
	}
	for _, tc := range cases {
		keep, got := complete(tc.line, n)
		if keep != tc.keep || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("complete(%q) = %q, %q; want %q, %q", tc.line, keep, got, tc.keep, tc.want)
		}
	}
}

func TestCommonPrefix(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""}, {[]string{"abc"}, "abc"}, {[]string{"textenc", "tfm_ner"}, "t"}, {[]string{"load", "list"}, "l"}, {[]string{"a", "b"}, ""},
	} {
		if got := commonPrefix(tc.in); got != tc.want {
			t.Errorf("commonPrefix(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestFilter(t *testing.T) {
	cases := []struct {
		expr, s string
		want    bool
	}{
		{"", "anything", true},
		{"tex", "textenc module", true},
		{"TEX", "textenc module", true},
		{"^tex", "a textenc", false},
		{"remote|module", "echo module", true},
		{"!tex", "textenc", false},
		{"!tex", "echo", true},
		{"!", "echo", true},
		{"a(b", "xa(by", true}, // not a regex: plain text
		{"a(b", "ab", false},
	}
	for _, tc := range cases {
		if got := parseFilter(tc.expr).match(tc.s); got != tc.want {
			t.Errorf("filter %q on %q = %v; want %v", tc.expr, tc.s, got, tc.want)
		}
	}
	if !parseFilter("a(b").literal || parseFilter("a|b").literal {
		t.Error("literal is set for invalid expressions only")
	}
}

// TestCheatSheetFollowsTheTable: every verb and flag the help's short list
// names is a verb and flag of the shared table, and every verb of the
// table is runnable from the command line or says why not.
func TestCheatSheetFollowsTheTable(t *testing.T) {
	for _, line := range cheatSheet() {
		words := strings.Fields(line)
		var path []string
		for _, w := range words {
			if strings.ToUpper(w) == w || strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") {
				break
			}
			path = append(path, w)
		}
		last := path[len(path)-1]
		for _, alt := range strings.Split(last, "|") {
			p := append(append([]string(nil), path[:len(path)-1]...), alt)
			v, _ := verbs.Find(verbs.All(), p)
			if v == nil || v.Path != strings.Join(p, " ") {
				t.Errorf("%q: %q is no verb of the table", line, strings.Join(p, " "))
				continue
			}
			for _, w := range words {
				if strings.HasPrefix(w, "-") && v.Flag(strings.TrimLeft(w, "-")) == nil {
					t.Errorf("%q: %s has no flag %s", line, v.Path, w)
				}
			}
		}
	}
	for _, v := range verbs.All() {
		cmd, err := interpret(v.Path + " -h")
		if err != nil || cmd.kind != cmdSay || cmd.text == "" {
			t.Errorf("%s -h: %+v, %v; want its usage or why it runs in a shell", v.Path, cmd, err)
		}
	}
}

// TestCompleteFromTheTable: the verbs the CLI has beyond the console's own
// complete too, with their fixed arguments; those that run only in a
// shell are not offered.
func TestCompleteFromTheTable(t *testing.T) {
	cases := []struct {
		line, keep string
		want       []string
	}{
		{"reports ", "reports ", []string{"benchmark", "trackact", "tracksys", "loadtest"}},
		{"reports t", "reports ", []string{"trackact", "tracksys"}},
		{"reports benchmark ", "reports benchmark ", []string{"-limit"}},
		{"config ", "config ", []string{"delete", "exists", "get", "list", "set"}},
		{"loadtest -p", "loadtest ", []string{"-policy", "-perf_phase"}},
		{"se", "", []string{"service", "services"}},
		{"doc", "", nil},
	}
	for _, tc := range cases {
		keep, got := complete(tc.line, names{})
		if keep != tc.keep || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("complete(%q) = %q, %q; want %q, %q", tc.line, keep, got, tc.keep, tc.want)
		}
	}
}
