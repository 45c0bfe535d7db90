package local_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/jsorc/jsorc/cli"
)

// asJsorc is set in the environment of the processes the engine under test
// starts: the test binary then behaves as the jsorc binary (serve-action).
const asJsorc = "JSORC_ENGINE_TEST_AS_JSORC"

func TestMain(m *testing.M) {
	// A fuzzing worker is this binary too, started with the same
	// environment but test flags: it runs the tests.
	worker := len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "-test.")
	if os.Getenv(asJsorc) == "1" && !worker {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		err := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "jsorc (test child):", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	// Race-enabled children would sleep a second at exit.
	if err := os.Setenv("GORACE", "atexit_sleep_ms=0"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.Setenv(asJsorc, "1"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
