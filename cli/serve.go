package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/engine"
)

const defaultAddrHelp = "$JSORC_ADDR or " + api.DefaultAddr

// DataDir returns the engine's data directory: flag, then $JSORC_DATA, then
// $XDG_DATA_HOME/jsorc, then ~/.local/share/jsorc.
func DataDir(flagValue string, getenv func(string) string) (string, error) {
	for _, d := range []string{flagValue, getenv("JSORC_DATA")} {
		if d != "" {
			return d, nil
		}
	}
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jsorc"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the data directory (set --data or JSORC_DATA): %w", err)
	}
	return filepath.Join(home, ".local", "share", "jsorc"), nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", ErrUsage, level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// ServeOptions configure ServeEngine.
type ServeOptions struct {
	Addr    string
	DataDir string
	Logger  *slog.Logger
	// Ready is called with the engine and the API's bound address.
	Ready func(e *engine.Engine, addr string)
}

// ServeEngine opens an engine and serves its API until ctx is done, then
// shuts both down cleanly.
func ServeEngine(ctx context.Context, o ServeOptions) error {
	e, err := engine.New(engine.Options{DataDir: o.DataDir, Logger: o.Logger})
	if err != nil {
		return err
	}
	defer func() {
		o.Logger.Info("stopping engine")
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.Close(cctx); err != nil {
			o.Logger.Error("engine stopped with errors", "err", err)
			return
		}
		o.Logger.Info("engine stopped")
	}()
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("API address %s: %w", o.Addr, err)
	}
	srv := &http.Server{Handler: api.NewServer(e, o.Logger), ReadHeaderTimeout: 10 * time.Second}
	o.Logger.Info("engine API listening", "addr", ln.Addr().String(), "data", o.DataDir)
	if o.Ready != nil {
		o.Ready(e, ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("API server: %w", err)
	case <-ctx.Done():
	}
	o.Logger.Info("stopping API server")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("stopping the API server: %w", err)
	}
	o.Logger.Info("API server stopped")
	return nil
}

func runServe(ctx context.Context, r *runner, _ []string) error {
	log, err := newLogger(r.env.Stderr, r.o.logLevel)
	if err != nil {
		return err
	}
	dir, err := DataDir(r.o.data, r.env.Getenv)
	if err != nil {
		return err
	}
	addr := r.o.addr
	if addr == "" {
		addr = r.env.Getenv("JSORC_ADDR")
	}
	if addr == "" {
		addr = api.DefaultAddr
	}
	return ServeEngine(ctx, ServeOptions{Addr: addr, DataDir: dir, Logger: log, Ready: func(_ *engine.Engine, a string) {
		fmt.Fprintf(r.env.Stdout, "jsorc engine serving on http://%s (data %s); Ctrl+C stops it\n", a, dir)
	}})
}

func runServeAction(ctx context.Context, r *runner, pos []string) error {
	log, err := newLogger(r.env.Stderr, r.o.logLevel)
	if err != nil {
		return err
	}
	return engine.ServeAction(ctx, engine.ServeActionOptions{
		Builtin: pos[0],
		Name:    r.o.name,
		Addr:    r.o.addr,
		Params:  r.o.params,
		Logger:  log,
		Ready: func(addr string) {
			fmt.Fprintf(r.env.Stdout, "serving %s on http://%s\n", strings.TrimSpace(pos[0]), addr)
		},
	})
}
