package ui

import (
	"context"

	"github.com/jsorc/jsorc/api/types"
)

// Backend is what the console needs of an engine: its API's endpoints
// (api/types) and its events. An in-process engine (api.Local) and an
// attached one (api/client) both provide it, so the console shows and
// drives either the same way.
type Backend interface {
	types.Caller
	// Events delivers the engine's events until ctx ends, then closes the
	// channel; it also closes when the engine goes away. An engine that
	// cannot stream gives an error, and the console polls instead.
	Events(ctx context.Context) (<-chan types.Event, error)
}
