package ui

import (
	"sort"
	"strings"
)

// names are what completion offers for the arguments of commands.
type names struct {
	modules  []string
	actions  []string
	policies []string
}

// complete proposes completions of the last word of a command line. It
// returns the part of the line to keep and the candidates for the rest:
// line = keep + candidate. Like interpret it is pure.
func complete(line string, n names) (keep string, candidates []string) {
	// The word being completed starts after the last blank.
	cut := strings.LastIndexAny(line, " \t") + 1
	keep, partial := line[:cut], line[cut:]
	words := strings.Fields(keep)
	if len(words) > 0 && words[0] == "jsorc" {
		words = words[1:]
	}
	vs := verbs()

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
			if spec := findFlag(v.flags, strings.TrimLeft(last, "-")); spec != nil && !spec.boolean {
				return keep, withPrefix(spec.values, partial)
			}
		}
	}
	flags := make([]string, 0, len(v.flags))
	for _, f := range v.flags {
		flags = append(flags, "-"+f.name)
	}
	if strings.HasPrefix(partial, "-") || (v.max >= 0 && countPositionals(v, rest) >= v.max) {
		return keep, withPrefix(flags, partial)
	}
	switch v.arg {
	case argModule:
		return keep, withPrefix(n.modules, partial)
	case argAction:
		return keep, withPrefix(n.actions, partial)
	case argPolicy:
		return keep, withPrefix(n.policies, partial)
	}
	return keep, nil
}

// nextPathWords returns the words that can follow words in a verb path, or
// nil when words already name a verb that takes arguments.
func nextPathWords(vs []verb, words []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		path := strings.Fields(v.path)
		if len(path) <= len(words) {
			continue
		}
		match := true
		for i, w := range words {
			if path[i] != w {
				match = false
				break
			}
		}
		if match && !seen[path[len(words)]] {
			seen[path[len(words)]] = true
			out = append(out, path[len(words)])
		}
	}
	sort.Strings(out)
	return out
}

// countPositionals counts the positional arguments among args.
func countPositionals(v *verb, args []string) int {
	n := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' || isNumber(a) {
			n++
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if spec := findFlag(v.flags, name); spec != nil && !hasValue && !spec.boolean {
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
