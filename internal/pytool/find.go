package pytool

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// debianPython is Debian's interpreter, the one its python3-* packages
// install into (a python3 earlier on PATH, such as a pyenv shim, may lack
// them).
const debianPython = "/usr/bin/python3"

// Find returns a python3 that imports every module of modules. Without
// one it skips the test, loudly, or fails it under CI (CI=true), where
// .ci/run installs the Debian packages named in hint.
func Find(tb testing.TB, hint string, modules ...string) string {
	tb.Helper()
	candidates := []string{debianPython}
	if p, err := exec.LookPath("python3"); err == nil && p != debianPython {
		candidates = append(candidates, p)
	}
	check := "import " + strings.Join(append([]string{"sys"}, modules...), ", ")
	for _, py := range candidates {
		if err := exec.Command(py, "-c", check).Run(); err == nil {
			return py
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("no python3 importing %v; CI must install it (.ci/run: %s)", modules, hint)
	}
	tb.Skipf("*** SKIPPED: no python3 importing %v (apt-get install %s) ***", modules, hint)
	return ""
}
