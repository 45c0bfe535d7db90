package cli

import (
	"flag"
	"testing"
)

// TestCommandsTable checks the verbs table itself: unique paths, bounds
// that make sense, a summary and a runner for every verb.
func TestCommandsTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range commands() {
		if seen[c.path] {
			t.Errorf("command %q defined twice", c.path)
		}
		seen[c.path] = true
		if c.summary == "" || c.run == nil {
			t.Errorf("command %q lacks a summary or a runner", c.path)
		}
		if c.max >= 0 && c.max < c.min {
			t.Errorf("command %q: max %d < min %d", c.path, c.max, c.min)
		}
		// Its flags must not clash with the common ones.
		fs := flag.NewFlagSet(c.path, flag.ContinueOnError)
		o := &opts{}
		fs.StringVar(&o.server, "server", "", "")
		fs.StringVar(&o.output, "o", "table", "")
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("command %q: flags clash: %v", c.path, p)
				}
			}()
			if c.flags != nil {
				c.flags(fs, o)
			}
		}()
	}
}
