package testbed

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as the testbed's remote action
// servers (ChildMain) before running the tests.
func TestMain(m *testing.M) {
	ChildMain()
	os.Exit(m.Run())
}
