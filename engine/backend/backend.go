package backend

import (
	"context"
	"log/slog"
)

// Backend is one engine's backend: where its remote action servers and its
// kept-alive services run. Def and Info are the keep-alive's types (see
// Keeper).
type Backend[Def, Info any] interface {
	// Name is the backend's name, as `jsorc serve --backend` takes it.
	Name() string
	Launcher
	Keeper[Def, Info]
	// Runnables are the loops the backend needs running as long as the
	// engine runs (keep-alive, informers, ...). The engine runs them first
	// and stops them last; a Runnable that is also a run Readier
	// (Ready(ctx) error) holds the modules back until it is ready.
	Runnables() []Task
	// Close releases what is left once the runnables have stopped.
	Close() error
}

// Task is a named runnable of a backend.
type Task struct {
	Name     string
	Runnable Runnable
}

// Runnable is a long-lived loop: Start blocks until ctx ends.
type Runnable interface {
	Start(ctx context.Context) error
}

// Env is what a backend is opened with.
type Env struct {
	// DataDir is the engine's data directory (logs, services' data).
	DataDir string
	// Logger receives the backend's logs.
	Logger *slog.Logger
	// Meta is the META_CONFIG stored when the engine starts.
	Meta Meta
}

// Opener opens a backend: each backend package's Options is one, so that a
// caller chooses a backend and its settings before the engine reads the
// configuration the backend also needs.
type Opener[Def, Info any] interface {
	Open(ctx context.Context, env Env) (Backend[Def, Info], error)
}

// RunnableFunc makes a function a Runnable.
type RunnableFunc func(ctx context.Context) error

// Start calls f.
func (f RunnableFunc) Start(ctx context.Context) error { return f(ctx) }
