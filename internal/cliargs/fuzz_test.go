package cliargs

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParse: the argument parser takes any argument list without
// panicking, and the positionals it returns are, in order, arguments it
// was given.
func FuzzParse(f *testing.F) {
	f.Add("actions\x00load\x00echo\x00-mode\x00module\x00--wait")
	f.Add("-retire_svc\x00false\x00--\x00-x")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		p, err := parseArgs(args)
		if err != nil {
			return
		}
		if !subsequence(p.pos, args) {
			t.Fatalf("parse(%q) gave positionals %q that are not a subsequence of the arguments", args, p.pos)
		}
	})
}

// subsequence reports whether sub's elements appear in all, in order.
func subsequence(sub, all []string) bool {
	i := 0
	for _, s := range sub {
		j := slices.Index(all[i:], s)
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return true
}
