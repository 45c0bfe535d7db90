package cliargs

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

// parsed is what one parse call produced: the positionals and every flag.
type parsed struct {
	pos     []string
	mode    string
	ctx     string
	wait    bool
	retire  bool
	timeout float64
}

func parseArgs(args []string) (parsed, error) {
	fs := flag.NewFlagSet("actions test", flag.ContinueOnError)
	var p parsed
	fs.StringVar(&p.mode, "mode", "auto", "")
	fs.StringVar(&p.ctx, "ctx", "", "")
	fs.BoolVar(&p.wait, "wait", false, "")
	fs.BoolVar(&p.retire, "retire_svc", true, "")
	fs.Float64Var(&p.timeout, "timeout", 60, "")
	pos, err := Parse(fs, args)
	p.pos = pos
	return p, err
}

func TestParse(t *testing.T) {
	t.Parallel()
	def := parsed{mode: "auto", retire: true, timeout: 60}
	with := func(f func(p *parsed)) parsed {
		p := def
		f(&p)
		return p
	}
	cases := []struct {
		name string
		args []string
		want parsed
	}{
		{"nothing", nil, def},
		{"positionals only", []string{"a", "b"}, with(func(p *parsed) { p.pos = []string{"a", "b"} })},
		{"flag before", []string{"-mode", "remote", "use_enc"}, with(func(p *parsed) { p.mode, p.pos = "remote", []string{"use_enc"} })},
		{"flag after", []string{"use_enc", "-mode", "remote"}, with(func(p *parsed) { p.mode, p.pos = "remote", []string{"use_enc"} })},
		{"flag between", []string{"a", "--mode", "module", "b"}, with(func(p *parsed) { p.mode, p.pos = "module", []string{"a", "b"} })},
		{"two dashes", []string{"--mode", "remote"}, with(func(p *parsed) { p.mode = "remote" })},
		{"one dash equals", []string{"-mode=remote", "x"}, with(func(p *parsed) { p.mode, p.pos = "remote", []string{"x"} })},
		{"two dashes equals", []string{"x", "--mode=remote"}, with(func(p *parsed) { p.mode, p.pos = "remote", []string{"x"} })},
		{"equals keeps later equals", []string{`-ctx={"a":"b=c"}`}, with(func(p *parsed) { p.ctx = `{"a":"b=c"}` })},
		{"empty value with equals", []string{"-mode="}, with(func(p *parsed) { p.mode = "" })},
		{"value that looks like a flag", []string{"-mode", "-x"}, with(func(p *parsed) { p.mode = "-x" })},
		{"negative value of a number flag", []string{"-timeout", "-5"}, with(func(p *parsed) { p.timeout = -5 })},
		{"bool alone", []string{"-wait", "x"}, with(func(p *parsed) { p.wait, p.pos = true, []string{"x"} })},
		{"bool at the end", []string{"x", "--wait"}, with(func(p *parsed) { p.wait, p.pos = true, []string{"x"} })},
		{"bool then false", []string{"use_enc", "-retire_svc", "false"}, with(func(p *parsed) { p.retire, p.pos = false, []string{"use_enc"} })},
		{"bool then true", []string{"-wait", "true", "x"}, with(func(p *parsed) { p.wait, p.pos = true, []string{"x"} })},
		{"bool equals false", []string{"--retire_svc=false"}, with(func(p *parsed) { p.retire = false })},
		{"bool then other word", []string{"-retire_svc", "no", "x"}, with(func(p *parsed) { p.pos = []string{"no", "x"} })},
		{"double dash ends flags", []string{"a", "--", "-mode", "b"}, with(func(p *parsed) { p.pos = []string{"a", "-mode", "b"} })},
		{"double dash after a flag", []string{"-wait", "--", "--"}, with(func(p *parsed) { p.wait, p.pos = true, []string{"--"} })},
		{"double dash at the end", []string{"a", "--"}, with(func(p *parsed) { p.pos = []string{"a"} })},
		{"negative integer positional", []string{"-5", "x"}, with(func(p *parsed) { p.pos = []string{"-5", "x"} })},
		{"negative decimal positional", []string{"x", "-3.25"}, with(func(p *parsed) { p.pos = []string{"x", "-3.25"} })},
		{"lone dash positional", []string{"-"}, with(func(p *parsed) { p.pos = []string{"-"} })},
		{"last flag wins", []string{"-mode", "a", "--mode", "b"}, with(func(p *parsed) { p.mode = "b" })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseArgs(tc.args)
			if err != nil {
				t.Fatalf("parse(%q): %v", tc.args, err)
			}
			if !slices.Equal(got.pos, tc.want.pos) || got.mode != tc.want.mode || got.ctx != tc.want.ctx ||
				got.wait != tc.want.wait || got.retire != tc.want.retire || got.timeout != tc.want.timeout {
				t.Errorf("parse(%q) = %+v, want %+v", tc.args, got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		help bool
		want []string
	}{
		{name: "unknown flag", args: []string{"x", "-bogus"}, want: []string{"unknown flag -bogus", "actions test -h"}},
		{name: "unknown flag two dashes with value", args: []string{"--bogus=1"}, want: []string{"--bogus=1"}},
		{name: "missing value", args: []string{"x", "-mode"}, want: []string{"-mode needs a value"}},
		{name: "missing value two dashes", args: []string{"--ctx"}, want: []string{"--ctx needs a value"}},
		{name: "bad number", args: []string{"-timeout", "soon"}, want: []string{"-timeout"}},
		{name: "bad bool", args: []string{"-wait=maybe"}, want: []string{"-wait=maybe"}},
		{name: "h", args: []string{"-h"}, help: true},
		{name: "help", args: []string{"x", "--help"}, help: true},
		{name: "h after a flag", args: []string{"-mode", "remote", "-h"}, help: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseArgs(tc.args)
			if err == nil {
				t.Fatalf("parse(%q) gave no error", tc.args)
			}
			if errors.Is(err, ErrHelp) != tc.help {
				t.Errorf("parse(%q) = %v; ErrHelp %v, want %v", tc.args, err, errors.Is(err, ErrHelp), tc.help)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestIsNumber(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"-5": true, "-0.5": true, "12": true, "-": false, "": false, "-x": false, "-5x": false, "--5": false,
	} {
		if got := IsNumber(s); got != want {
			t.Errorf("IsNumber(%q) = %v, want %v", s, got, want)
		}
	}
}
