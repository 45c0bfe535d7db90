package ui

import (
	"strings"

	"github.com/jsorc/jsorc/internal/cliargs"
	"github.com/jsorc/jsorc/internal/verbs"
)

// names are what completion offers for the arguments of commands.
type names struct {
	modules  []string
	actions  []string
	policies []string
}

// complete proposes completions of the last word of a command line. It
// returns the part of the line to keep and the candidates for the rest:
// line = keep + candidate. Like interpret it is pure. It offers what the
// console runs: the verbs that only run in a shell are left out.
func complete(line string, n names) (keep string, candidates []string) {
	// The word being completed starts after the last blank.
	cut := strings.LastIndexAny(line, " \t") + 1
	keep, partial := line[:cut], line[cut:]
	words := strings.Fields(keep)
	if len(words) > 0 && words[0] == "jsorc" {
		words = words[1:]
	}
	vs := completable()

	// Still choosing the verb: offer the next word of every verb path that
	// starts with the words so far.
	if offer := nextPathWords(vs, words); offer != nil {
		return keep, withPrefix(offer, partial)
	}
	v, rest := findVerb(vs, words)
	if v == nil {
		return keep, nil
	}
	// The value of a flag? (A boolean flag's value is optional: offer what
	// may follow it instead.)
	if len(rest) > 0 {
		last := rest[len(rest)-1]
		if strings.HasPrefix(last, "-") && !strings.Contains(last, "=") {
			if f := v.Flag(strings.TrimLeft(last, "-")); f != nil && f.Kind != verbs.Bool {
				return keep, withPrefix(f.Values, partial)
			}
		}
	}
	var flags []string
	for _, f := range v.Flags {
		if !f.CLI {
			flags = append(flags, "-"+f.Name)
		}
	}
	if strings.HasPrefix(partial, "-") || (v.Max >= 0 && countPositionals(v, rest) >= v.Max) {
		return keep, withPrefix(flags, partial)
	}
	switch v.Args {
	case verbs.ArgModule:
		return keep, withPrefix(n.modules, partial)
	case verbs.ArgAction:
		return keep, withPrefix(n.actions, partial)
	case verbs.ArgPolicy:
		return keep, withPrefix(n.policies, partial)
	}
	return keep, withPrefix(v.Args.Values(), partial)
}

// completable are the verbs completion offers: those the console runs.
func completable() []verbs.Verb {
	var out []verbs.Verb
	for _, v := range lineVerbs() {
		if v.Here == "" && v.Path != "q" {
			out = append(out, v)
		}
	}
	return out
}

// nextPathWords returns the words that can follow words in a verb path, or
// nil when words already name a verb that takes arguments.
func nextPathWords(vs []verbs.Verb, words []string) []string {
	return verbs.NextWords(vs, words)
}

// countPositionals counts the positional arguments among args.
func countPositionals(v *verbs.Verb, args []string) int {
	n := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' || cliargs.IsNumber(a) {
			n++
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := v.Flag(name); f != nil && !hasValue && f.Kind != verbs.Bool {
			i++ // its value
		}
	}
	return n
}

// withPrefix keeps the candidates that start with prefix.
func withPrefix(cands []string, prefix string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// commonPrefix is the longest prefix all of ss share.
func commonPrefix(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}
