// Command jsorc is the action orchestrator and its operations console. The
// commands live in package cli; main only wires the process to it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/jsorc/jsorc/cli"
	"github.com/jsorc/jsorc/kube"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "jsorc:", err)
		if errors.Is(err, cli.ErrUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Run(ctx, os.Args[1:], cli.Env{
		Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Version: version,
		// client-go logs process-wide; send it where the engine logs, never
		// across the console.
		RouteLogs: kube.RouteClientGoLogs,
	})
}
