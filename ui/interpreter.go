package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/internal/cliargs"
	"github.com/jsorc/jsorc/internal/verbs"
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
	cmdRun               // any other verb of the API: call it, say what it did
	cmdSay               // say something: a verb's usage, or why it runs in a shell
	cmdLogs              // show a module's or a service's log (mode: the log's kind)
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
	// path and in are the verb and the parsed arguments of cmdRun.
	path string
	in   verbs.Input
	// text is what cmdSay says.
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
	paneEvents
	paneCount
)

// String is the pane's title.
func (p paneID) String() string {
	return [...]string{"Actions", "Services", "Policy", "Graphs", "Benchmark", "Events"}[p]
}

// consoleVerbs are the `:` line's own commands beside the CLI's verbs: the
// panes by name (k9s-style), help and quit.
func consoleVerbs() []verbs.Verb {
	pane := func(path string) verbs.Verb { return verbs.Verb{Path: path, Summary: "show a pane"} }
	return []verbs.Verb{
		pane("actions"), pane("services"), pane("policy"), pane("actionpolicy"), pane("graphs"), pane("benchmark"), pane("events"),
		{Path: "help", Usage: "[VERB]", Max: -1, Summary: "the keys, or how to use a verb"},
		{Path: "quit", Summary: "leave the console"},
		{Path: "q", Summary: "leave the console"},
	}
}

// lineVerbs are every verb the `:` line takes: the CLI's, in its words
// (internal/verbs), and the console's own.
func lineVerbs() []verbs.Verb { return append(verbs.All(), consoleVerbs()...) }

// panes maps the console's pane names to their panes.
var panes = map[string]paneID{
	"actions": paneActions, "services": paneServices, "policy": panePolicy, "actionpolicy": panePolicy,
	"graphs": paneGraphs, "benchmark": paneBenchmark, "events": paneEvents,
}

// native are the CLI verbs the console runs its own way: a load it follows
// to READY, a pane it opens, a tool whose state it shows.
func native() map[string]func(in verbs.Input, v *verbs.Verb) (command, error) {
	measure := func(in verbs.Input, v *verbs.Verb) (command, error) {
		tool, verb, _ := strings.Cut(v.Path, " ")
		return command{kind: cmdMeasure, name: tool, verb: verb}, nil
	}
	gotoPane := func(p paneID) func(verbs.Input, *verbs.Verb) (command, error) {
		return func(verbs.Input, *verbs.Verb) (command, error) { return command{kind: cmdGoto, pane: p}, nil }
	}
	m := map[string]func(verbs.Input, *verbs.Verb) (command, error){
		"actions load": func(in verbs.Input, _ *verbs.Verb) (command, error) {
			return command{kind: cmdLoad, name: in.Args[0], mode: in.Flags["mode"]}, nil
		},
		"actions unload": func(in verbs.Input, _ *verbs.Verb) (command, error) {
			return command{kind: cmdUnload, name: in.Args[0], mode: in.Flags["mode"], retire: in.Flags.Bool("retire_svc")}, nil
		},
		"actions status": func(in verbs.Input, _ *verbs.Verb) (command, error) {
			c := command{kind: cmdStatus, pane: paneActions}
			if len(in.Args) == 1 {
				c.name = in.Args[0]
			}
			return c, nil
		},
		"actions call": func(in verbs.Input, v *verbs.Verb) (command, error) {
			p, err := v.Params(in)
			if err != nil {
				return command{}, err
			}
			return command{kind: cmdCall, name: in.Args[0], args: p.(types.CallParams).Ctx}, nil
		},
		"actionpolicy set": func(in verbs.Input, v *verbs.Verb) (command, error) {
			p, err := v.Params(in)
			if err != nil {
				return command{}, err
			}
			return command{kind: cmdPolicySet, name: in.Args[0], args: p.(types.PolicySetParams).PolicyParams}, nil
		},
		"logs": func(in verbs.Input, _ *verbs.Verb) (command, error) {
			kind := types.LogModule
			if in.Flags.Bool("service") {
				kind = types.LogService
			}
			return command{kind: cmdLogs, name: in.Args[0], mode: kind}, nil
		},
		"actionpolicy get": gotoPane(panePolicy),
		"service info":     gotoPane(paneServices),
	}
	for _, tool := range []string{toolBenchmark, toolTrackAct, toolTrackSys} {
		for _, verb := range []string{"start", "report", "stop"} {
			m[tool+" "+verb] = measure
		}
	}
	return m
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
	v, rest := findVerb(lineVerbs(), words)
	if v == nil {
		return command{}, fmt.Errorf("unknown command %q (try :help, or a CLI command such as `actions load NAME -mode remote`)", strings.Join(firstN(words, 2), " "))
	}
	switch v.Path {
	case "help":
		return helpCommand(rest), nil
	case "quit", "q":
		return command{kind: cmdQuit}, nil
	}
	if p, ok := panes[v.Path]; ok {
		return command{kind: cmdGoto, pane: p}, nil
	}
	if v.Here != "" {
		return command{kind: cmdSay, text: fmt.Sprintf("`%s` %s", v.Path, v.Here)}, nil
	}
	in, err := v.Parse(rest)
	if errors.Is(err, cliargs.ErrHelp) {
		return command{kind: cmdSay, text: usageText(v)}, nil
	}
	if err != nil {
		return command{}, err
	}
	for _, f := range v.Flags {
		if v.Path == "logs" && f.Name == "f" {
			continue // the console's logs view always follows
		}
		if f.CLI && in.Flags[f.Name] != f.Default {
			return command{}, fmt.Errorf("%s: -%s is the CLI's: run `jsorc %s` in a shell for it", v.Path, f.Name, v.Text())
		}
	}
	if build, ok := native()[v.Path]; ok {
		return build(in, v)
	}
	return command{kind: cmdRun, path: v.Path, in: in}, nil
}

// findVerb picks the verb whose path matches the most leading words. A
// pane name takes no arguments: `actions bogus` is an unknown verb, not
// the Actions pane.
func findVerb(vs []verbs.Verb, words []string) (*verbs.Verb, []string) {
	v, rest := verbs.Find(vs, words)
	if v == nil {
		return nil, nil
	}
	if _, pane := panes[v.Path]; pane && len(rest) > 0 {
		return nil, nil
	}
	return v, rest
}

// helpCommand is `:help` (the keys) or `:help VERB` (its usage).
func helpCommand(words []string) command {
	if len(words) == 0 {
		return command{kind: cmdHelp}
	}
	v, _ := findVerb(lineVerbs(), words)
	if v == nil {
		return command{kind: cmdSay, text: fmt.Sprintf("no command %q (:help lists the keys and the commands)", strings.Join(words, " "))}
	}
	return command{kind: cmdSay, text: usageText(v)}
}

// usageText is a verb's usage, what it does, and its flags, in one line.
func usageText(v *verbs.Verb) string {
	text := v.Text() + " — " + v.Summary
	var flags []string
	for _, f := range v.Flags {
		if !f.CLI {
			flags = append(flags, "-"+f.Name+" "+f.Usage)
		}
	}
	if len(flags) > 0 {
		text += " · " + strings.Join(flags, " · ")
	}
	return text
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

func firstN(words []string, n int) []string {
	if len(words) < n {
		return words
	}
	return words[:n]
}
