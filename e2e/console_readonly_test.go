package e2e

import (
	"strings"
	"testing"
)

// TestReadOnlyConsoleInTmux attaches `jsorc console --readonly` to a
// running engine in a real terminal, as an operator watching production
// would, and tries every key and `:` command that would change it: each is
// refused on the screen, and the engine, asked through the CLI, is as it
// was (echo still loaded in module mode, the default policy).
func TestReadOnlyConsoleInTmux(t *testing.T) {
	slow(t)
	t.Parallel()
	e := startEngine(t, t.TempDir())
	e.load(t, "echo", "module")
	s := startTmux(t, e.DataDir, "%s console --attach %s --readonly --data %s", jsorcBin, e.URL, e.DataDir)
	s.waitScreen("echo loaded, attached", func(sc string) bool {
		return strings.Contains(moduleRow(sc, "echo"), "READY")
	})

	// echo is the first module by name: g selects it.
	for _, k := range []string{"m", "u", "L", "c", "p"} {
		s.keys("g", k)
		s.waitScreen("the refusal of "+k, func(sc string) bool {
			return strings.Contains(sc, "read-only console: "+k)
		})
		if sc := s.screen(); strings.Contains(sc, "Load echo") || strings.Contains(sc, "Unload echo") || strings.Contains(sc, "Switch echo") {
			t.Fatalf("%s opened a dialog in a read-only console:\n%s", k, sc)
		}
	}
	for _, line := range []string{"actions unload echo", "actionpolicy set costmodel"} {
		s.keys(":")
		s.keys(line, "Enter")
		s.waitScreen("the refusal of :"+line, func(sc string) bool {
			return strings.Contains(sc, "read-only console")
		})
	}
	// A read still works from the `:` line; its answer is in the output
	// pane.
	s.keys(":")
	s.keys("actions describe echo", "Enter")
	s.waitScreen("the describe done", func(sc string) bool { return strings.Contains(sc, "actions describe: done") })
	s.keys("o")
	s.waitScreen("the description of echo in the output pane", func(sc string) bool {
		return strings.Contains(sc, "Output") && strings.Contains(sc, `"history"`)
	})

	st := e.status(t, "echo")
	if st.mode() != `"module"` || st.requested() != `"module"` {
		t.Errorf("echo after the read-only console: mode %s, requested %s; want \"module\" both", st.mode(), st.requested())
	}
	var pol struct {
		Policy string `json:"policy"`
	}
	e.cliJSON(t, &pol, "actionpolicy", "get")
	if pol.Policy != "default" {
		t.Errorf("policy after the read-only console: %q, want default", pol.Policy)
	}
}
