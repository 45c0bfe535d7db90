package client

import (
	"context"

	"github.com/jsorc/jsorc/api/types"
)

// Events will deliver the engine's event stream; until the API serves it,
// it says so and the console polls.
func (c *Client) Events(context.Context) (<-chan types.Event, error) {
	return nil, types.Errorf(types.ErrNotImplemented, "the engine at %s serves no event stream yet", c.base)
}
