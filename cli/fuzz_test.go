package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/internal/cliargs"
)

// FuzzCommandLine parses an argument list as Run does before it runs a
// verb: the leading global flags moved, the verb found in the command
// table, its flags and the client's parsed. Nothing may panic.
func FuzzCommandLine(f *testing.F) {
	f.Add("--server\x00http://x\x00actions\x00status\x00-o\x00json")
	f.Add("loadtest\x00-experiment\x00a\x00-policy\x00all_local,costmodel\x00-clients\x002")
	f.Add("serve\x00--allow-origin\x00https://a,https://b\x00--allow-origin=http://c")
	cmds := commands()
	f.Fuzz(func(t *testing.T, joined string) {
		args := moveLeadingFlags(strings.Split(joined, "\x00"))
		cmd, rest := find(cmds, args)
		if cmd == nil {
			return
		}
		pos, err := cliargs.Parse(cmd.flagSet(&opts{}), rest)
		for _, p := range pos {
			if err == nil && !slices.Contains(rest, p) {
				t.Fatalf("%q: positional %q not among the arguments", rest, p)
			}
		}
	})
}
