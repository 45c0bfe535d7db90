package ui_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestConsoleLinksNoEngine: the console knows the engine through api/types
// only: it links no package of the engine and nothing of Kubernetes
// (issue 10), so an attached console is a small client.
func TestConsoleLinksNoEngine(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the console's dependencies")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "k8s.io") || strings.HasPrefix(pkg, "github.com/jsorc/jsorc/engine") {
			t.Errorf("the console links %s", pkg)
		}
	}
}
