package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The command line (`:`) takes the CLI's own syntax — `actions load textenc
// -mode remote`, `actionpolicy set default` — plus k9s-style pane names
// (`:graphs`) and `:q`. interpret turns one line into a command; it is pure:
// it reads nothing but its argument, so it is tested by tables.

// cmdKind says what a command line asks for.
type cmdKind int

const (
	cmdNone      cmdKind = iota
	cmdGoto              // show a pane
	cmdLoad              // load a module (Mode "" asks for the mode)
	cmdUnload            // unload a module
	cmdStatus            // show the Actions pane, or one module's detail
	cmdCall              // call an action
	cmdPolicySet         // set the policy
	cmdHelp              // show the keys
	cmdQuit              // leave the console
	cmdMeasure           // start, report or stop a measuring tool
	cmdCLIOnly           // a verb the console leaves to the CLI for now
)

// command is one interpreted command line.
type command struct {
	kind cmdKind
	// name is the module, action, policy or measuring tool the command
	// is about.
	name string
	// verb is what to do with a measuring tool: start, report or stop.
	verb string
	// mode of a load or unload.
	mode string
	// retire is unload's -retire_svc.
	retire bool
	// args are a call's -ctx or a policy's -params.
	args map[string]any
	pane paneID
	// text explains cmdCLIOnly.
	text string
}

// paneID names a pane.
type paneID int

const (
	paneActions paneID = iota
	paneServices
	panePolicy
	paneGraphs
	paneBenchmark
	paneCount
)

// String is the pane's title.
func (p paneID) String() string {
	return [...]string{"Actions", "Services", "Policy", "Graphs", "Benchmark"}[p]
}

// flagSpec is one flag of a verb.
type flagSpec struct {
	name    string
	boolean bool
	// values lists the accepted values (for checks and completion); nil
	// accepts any.
	values []string
}

// argKind says what a positional argument names, for completion.
type argKind int

const (
	argNone argKind = iota
	argModule
	argAction
	argPolicy
)

// verb is one command of the command line.
type verb struct {
	path  string
	usage string
	arg   argKind
	// min and max bound the positional arguments.
	min, max int
	flags    []flagSpec
	build    func(pos []string, flags map[string]string) (command, error)
}

// verbs is the command line's table of commands.
func verbs() []verb {
	modes := []string{"module", "local", "remote"}
	cliOnly := func(path string) func([]string, map[string]string) (command, error) {
		return func([]string, map[string]string) (command, error) {
			return command{kind: cmdCLIOnly, text: cliOnlyText(path)}, nil
		}
	}
	gotoPane := func(p paneID) func([]string, map[string]string) (command, error) {
		return func([]string, map[string]string) (command, error) { return command{kind: cmdGoto, pane: p}, nil }
	}
	vs := []verb{
		{path: "actions load", usage: "NAME -mode module|local|remote", arg: argModule, min: 1, max: 1,
			flags: []flagSpec{{name: "mode", values: modes}, {name: "wait", boolean: true}, {name: "timeout"}},
			build: func(pos []string, f map[string]string) (command, error) {
				return command{kind: cmdLoad, name: pos[0], mode: f["mode"]}, nil
			}},
		{path: "actions unload", usage: "NAME [-mode auto|module|remote] [-retire_svc true|false]", arg: argModule, min: 1, max: 1,
			flags: []flagSpec{{name: "mode", values: []string{"auto", "module", "local", "remote"}}, {name: "retire_svc", boolean: true}},
			build: func(pos []string, f map[string]string) (command, error) {
				mode := f["mode"]
				if mode == "" {
					mode = "auto"
				}
				return command{kind: cmdUnload, name: pos[0], mode: mode, retire: f["retire_svc"] != "false"}, nil
			}},
		{path: "actions status", usage: "[NAME]", arg: argModule, max: 1,
			build: func(pos []string, _ map[string]string) (command, error) {
				c := command{kind: cmdStatus, pane: paneActions}
				if len(pos) == 1 {
					c.name = pos[0]
				}
				return c, nil
			}},
		{path: "actions call", usage: "MODULE.ACTION [-ctx JSON]", arg: argAction, min: 1, max: 1,
			flags: []flagSpec{{name: "ctx"}},
			build: func(pos []string, f map[string]string) (command, error) {
				args, err := jsonObject("-ctx", f["ctx"])
				return command{kind: cmdCall, name: pos[0], args: args}, err
			}},
		{path: "actionpolicy set", usage: "NAME [-params JSON]", arg: argPolicy, min: 1, max: 1,
			flags: []flagSpec{{name: "params"}},
			build: func(pos []string, f map[string]string) (command, error) {
				args, err := jsonObject("-params", f["params"])
				return command{kind: cmdPolicySet, name: pos[0], args: args}, err
			}},
		{path: "actionpolicy get", build: gotoPane(panePolicy)},
		{path: "actions config", usage: "NAME SOURCE", min: 2, max: 2, build: cliOnly("actions config")},
		{path: "app config", usage: "FILE", min: 1, max: 1, build: cliOnly("app config")},
		{path: "app list", build: cliOnly("app list")},
		{path: "app run", usage: "NAME [-ctx JSON]", min: 1, max: 1, flags: []flagSpec{{name: "ctx"}}, build: cliOnly("app run")},
		{path: "config set", usage: "NAME VALUE", min: 2, max: 2, build: cliOnly("config set")},
		{path: "config get", usage: "NAME", min: 1, max: 1, build: cliOnly("config get")},
		{path: "service refresh", usage: "NAME", min: 1, max: 1, build: cliOnly("service refresh")},
		{path: "service info", build: gotoPane(paneServices)},
		{path: "service config", usage: "FILE", min: 1, max: 1, build: cliOnly("service config")},
		{path: "loadtest", max: -1, build: cliOnly("loadtest")},
		{path: "reports", usage: "KIND [-limit N]", min: 1, max: 1, flags: []flagSpec{{name: "limit"}}, build: cliOnly("reports")},
		{path: "actions", build: gotoPane(paneActions)},
		{path: "services", build: gotoPane(paneServices)},
		{path: "policy", build: gotoPane(panePolicy)},
		{path: "actionpolicy", build: gotoPane(panePolicy)},
		{path: "graphs", build: gotoPane(paneGraphs)},
		{path: "benchmark", build: gotoPane(paneBenchmark)},
		{path: "help", build: func([]string, map[string]string) (command, error) { return command{kind: cmdHelp}, nil }},
		{path: "quit", build: func([]string, map[string]string) (command, error) { return command{kind: cmdQuit}, nil }},
		{path: "q", build: func([]string, map[string]string) (command, error) { return command{kind: cmdQuit}, nil }},
	}
	measure := func(tool, v string) verb {
		return verb{path: tool + " " + v, build: func([]string, map[string]string) (command, error) {
			return command{kind: cmdMeasure, name: tool, verb: v}, nil
		}}
	}
	for _, v := range []string{"start", "stop"} {
		vs = append(vs, measure(toolTrackAct, v))
	}
	for _, v := range []string{"start", "report", "stop"} {
		vs = append(vs, measure(toolBenchmark, v), measure(toolTrackSys, v))
	}
	return vs
}

// cliOnlyText says that a verb is not in the console yet and how to run it.
func cliOnlyText(path string) string {
	return fmt.Sprintf("`%s` is not in the console yet: run `jsorc %s` in a shell (the console serves the API beside it)", path, path)
}

// aliases maps k9s-style short commands to the verb they stand for.
func aliases() map[string]string {
	return map[string]string{
		"q!": "quit", "exit": "quit", "?": "help",
		"svc": "services", "act": "actions", "pol": "policy", "bench": "benchmark", "graph": "graphs",
	}
}

// errEmpty is the error of an empty command line.
var errEmpty = errors.New("empty command")

// interpret parses one command line.
func interpret(line string) (command, error) {
	words, err := tokenize(line)
	if err != nil {
		return command{}, err
	}
	if len(words) > 0 && words[0] == "jsorc" {
		words = words[1:] // a line pasted from a shell
	}
	if len(words) == 0 {
		return command{}, errEmpty
	}
	if a, ok := aliases()[words[0]]; ok && len(words) == 1 {
		words = []string{a}
	}
	v, rest := findVerb(verbs(), words)
	if v == nil {
		return command{}, fmt.Errorf("unknown command %q (try :help, or a CLI command such as `actions load NAME -mode remote`)", strings.Join(firstN(words, 2), " "))
	}
	pos, flags, err := parseFlags(v, rest)
	if err != nil {
		return command{}, err
	}
	if len(pos) < v.min || (v.max >= 0 && len(pos) > v.max) {
		return command{}, fmt.Errorf("usage: %s", strings.TrimSpace(v.path+" "+v.usage))
	}
	return v.build(pos, flags)
}

// findVerb picks the verb whose path matches the most leading words.
func findVerb(vs []verb, words []string) (*verb, []string) {
	var best *verb
	bestLen := 0
	for i := range vs {
		path := strings.Fields(vs[i].path)
		if len(path) > len(words) || len(path) <= bestLen {
			continue
		}
		match := true
		for j, w := range path {
			if words[j] != w {
				match = false
				break
			}
		}
		if match {
			best, bestLen = &vs[i], len(path)
		}
	}
	if best == nil {
		return nil, nil
	}
	// A pane name takes no arguments: `actions bogus` is an unknown verb,
	// not the Actions pane. (A longer verb says how it is used instead.)
	if bestLen == 1 && best.max == 0 && best.min == 0 && len(best.flags) == 0 && len(words) > bestLen {
		return nil, nil
	}
	return best, words[bestLen:]
}

// parseFlags splits args into positionals and flags as the CLI does: flags
// anywhere, one dash or two, -name value or -name=value, and a boolean flag
// optionally followed by true or false.
func parseFlags(v *verb, args []string) ([]string, map[string]string, error) {
	pos := []string{}
	flags := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || isNumber(a) {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		spec := findFlag(v.flags, name)
		if spec == nil {
			return nil, nil, fmt.Errorf("%s: unknown flag %s (usage: %s)", v.path, a, strings.TrimSpace(v.path+" "+v.usage))
		}
		if !hasValue {
			switch {
			case spec.boolean:
				value = "true"
				if i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false") {
					value = args[i+1]
					i++
				}
			case i+1 < len(args):
				value = args[i+1]
				i++
			default:
				return nil, nil, fmt.Errorf("%s: flag %s needs a value", v.path, a)
			}
		}
		if spec.boolean && value != "true" && value != "false" {
			return nil, nil, fmt.Errorf("%s: flag %s: want true or false, not %q", v.path, a, value)
		}
		if spec.values != nil && !slices.Contains(spec.values, value) {
			return nil, nil, fmt.Errorf("%s: flag %s: %q is not one of %s", v.path, a, value, strings.Join(spec.values, ", "))
		}
		flags[spec.name] = value
	}
	return pos, flags, nil
}

func findFlag(specs []flagSpec, name string) *flagSpec {
	for i := range specs {
		if specs[i].name == name {
			return &specs[i]
		}
	}
	return nil
}

// jsonObject decodes a flag holding a JSON object; "" is no object.
func jsonObject(flag, s string) (map[string]any, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %v", flag, err)
	}
	return m, nil
}

// tokenize splits a line into words as a shell would: blanks separate
// words, single quotes keep everything, double quotes keep everything but
// backslash escapes.
func tokenize(line string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
		quote rune
	)
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\'):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

func firstN(words []string, n int) []string {
	if len(words) < n {
		return words
	}
	return words[:n]
}
