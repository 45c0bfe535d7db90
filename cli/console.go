package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/themes"
	"github.com/jsorc/jsorc/ui"
)

// consoleLogName is the console's log file in the data directory: the
// console draws on the terminal, so it logs nowhere else.
const consoleLogName = "console.log"

// consoleHistoryName keeps the console's command line history.
const consoleHistoryName = "console-history"

func consoleFlags(fs *flag.FlagSet, o *opts) {
	serveFlags(fs, o)
	fs.StringVar(&o.theme, "theme", "", "colour theme: "+strings.Join(themes.Names(), ", ")+", or a theme file (YAML)")
	fs.StringVar(&o.attach, "attach", "", "show the engine at `URL` (an engine that jsorc serve runs) instead of running one")
	fs.BoolVar(&o.readOnly, "readonly", false, "show everything, change nothing: the keys and `:` commands that would change the engine are off")
}

// isTerminal reports whether f is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// runConsole opens the operations console: on an in-process engine whose
// API it also serves, or attached to a running engine with --attach.
func runConsole(ctx context.Context, r *runner, _ []string) error {
	var theme themes.Theme
	if r.o.theme != "" {
		t, err := themes.Load(r.o.theme)
		if err != nil {
			return fmt.Errorf("%w: --theme: %v", ErrUsage, err)
		}
		theme = t
	}
	if !isTerminal(os.Stdin) || !isTerminal(r.env.Stdout) {
		return errors.New("the console needs a terminal; `jsorc serve` runs the engine headless")
	}
	dir, err := DataDir(r.o.data, r.env.Getenv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	logPath := filepath.Join(dir, consoleLogName)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("console log: %w", err)
	}
	defer logFile.Close()
	log, err := newLogger(logFile, r.o.logLevel)
	if err != nil {
		return err
	}
	uo := ui.Options{Theme: theme, Logger: log, ReadOnly: r.o.readOnly, HistoryFile: filepath.Join(dir, consoleHistoryName)}
	if r.o.attach != "" {
		client, err := r.clientOf(r.o.attach)
		if err != nil {
			return err
		}
		uo.Engine = client.Base()
		log.Info("console attached", "engine", client.Base())
		return ui.Run(ctx, client, uo)
	}
	so, err := r.serveOptions(dir, log)
	if err != nil {
		return err
	}
	return consoleInProcess(ctx, so, uo)
}

// consoleInProcess runs an engine and its API (ServeEngine) beside the
// console, and stops both when either ends.
func consoleInProcess(ctx context.Context, so ServeOptions, uo ui.Options) error {
	type started struct {
		e    *engine.Engine
		addr string
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan started, 1)
	so.Ready = func(e *engine.Engine, addr string) { ready <- started{e, addr} }
	served := make(chan error, 1)
	go func() { served <- ServeEngine(ctx, so) }()

	var s started
	select {
	case err := <-served:
		return fmt.Errorf("%w (to watch an engine that already runs: jsorc console --attach URL)", err)
	case s = <-ready:
	}
	uo.Engine = "in-process"
	uo.APIAddr = s.addr

	// The console ends with its engine: if the API server fails, the UI
	// closes and the error is reported.
	uiCtx, uiCancel := context.WithCancel(ctx)
	defer uiCancel()
	var serveErr error
	serveDone := make(chan struct{})
	go func() {
		defer close(serveDone)
		serveErr = <-served
		uiCancel()
	}()
	uiErr := ui.Run(uiCtx, api.Local(s.e, types.CauseConsole), uo)
	cancel() // stops the API server and closes the engine
	<-serveDone
	return errors.Join(uiErr, serveErr)
}
