package local

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/engine/services"
)

// Name is the local backend's name (`jsorc serve --backend local`).
const Name = "local"

// Options configure the local backend. Options is a backend.Opener.
type Options struct {
	// Executable is the jsorc binary run as `{jsorc} serve-action`; default:
	// this process's executable.
	Executable string
	// Host is the loopback address action servers and services bind to
	// (default 127.0.0.1).
	Host string
}

// Open opens the local backend in env's data directory.
func (o Options) Open(_ context.Context, env backend.Env) (backend.Backend[services.Definition, services.Info], error) {
	return New(o, env)
}

// Backend is the local backend.
type Backend struct {
	opts    Options
	dataDir string
	log     *slog.Logger
	// client reads the action servers' spec endpoints (readiness).
	client *protocol.Client
	svc    *services.Manager
	// sockets maps the TCP address of each of this backend's action
	// servers to the *socketClaim of the Unix domain socket it also
	// listens on.
	sockets sync.Map
	// socketSeq numbers the sockets of this backend's server starts.
	socketSeq atomic.Uint64
}

// New returns the local backend of env's data directory. It starts nothing.
func New(o Options, env backend.Env) (*Backend, error) {
	if o.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("local backend: finding the jsorc binary: %w", err)
		}
		o.Executable = exe
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mgr, err := services.NewManager(services.Options{DataDir: env.DataDir, Host: o.Host, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("local backend: keep-alive: %w", err)
	}
	b := &Backend{
		opts:    o,
		dataDir: env.DataDir,
		log:     log,
		svc:     mgr,
	}
	if err := b.prepareSockets(); err != nil {
		return nil, err
	}
	b.client = protocol.NewClient(protocol.ClientOptions{FrameSocket: b.FrameSocket})
	return b, nil
}

// Name returns "local".
func (b *Backend) Name() string { return Name }

// Runnables is the keep-alive loop.
func (b *Backend) Runnables() []backend.Task {
	return []backend.Task{{Name: "keep-alive", Runnable: backend.RunnableFunc(b.svc.Run)}}
}

// Close releases the probe client's idle connections; the processes ended
// with the runnables.
func (b *Backend) Close() error {
	b.client.CloseIdleConnections()
	return nil
}
