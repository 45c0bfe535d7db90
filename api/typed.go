package api

import (
	"context"

	"github.com/jsorc/jsorc/engine"
)

// The typed methods below give a remote engine the same shape as the
// in-process one, so the console can attach to either.

// StatusAll returns the status of every configured module.
func (c *Client) StatusAll(ctx context.Context) (map[string]engine.ActionStatus, error) {
	var out struct {
		Status map[string]engine.ActionStatus `json:"action_status"`
	}
	err := c.Admin(ctx, "jsorc_actions_status", ActionsStatusParams{}, &out)
	return out.Status, err
}

// Load loads a module in a mode; wait blocks a remote load until READY.
func (c *Client) Load(ctx context.Context, name, mode string, wait bool) (engine.ActionStatus, error) {
	var out struct {
		Status engine.ActionStatus `json:"action_status"`
	}
	err := c.Admin(ctx, "jsorc_actions_load", ActionsLoadParams{Name: name, Mode: mode, Wait: wait}, &out)
	return out.Status, err
}

// Unload unloads a module.
func (c *Client) Unload(ctx context.Context, name, mode string, retire bool) (string, error) {
	var out struct {
		Message string `json:"message"`
	}
	err := c.Admin(ctx, "jsorc_actions_unload", ActionsUnloadParams{Name: name, Mode: mode, RetireSvc: &retire}, &out)
	return out.Message, err
}

// PolicyGet returns the active policy.
func (c *Client) PolicyGet(ctx context.Context) (engine.PolicyState, error) {
	var out struct {
		Policy engine.PolicyState `json:"policy"`
	}
	err := c.Admin(ctx, "jsorc_actionpolicy_get", nil, &out)
	return out.Policy, err
}

// PolicySet sets the active policy.
func (c *Client) PolicySet(ctx context.Context, name string, params map[string]any) (string, error) {
	var out struct {
		Message string `json:"message"`
	}
	err := c.Admin(ctx, "jsorc_actionpolicy_set", PolicySetParams{PolicyName: name, PolicyParams: params}, &out)
	return out.Message, err
}

// Stats returns the engine's measurements with the last n samples.
func (c *Client) Stats(ctx context.Context, n int) (engine.Stats, error) {
	var out struct {
		Stats engine.Stats `json:"stats"`
	}
	err := c.Admin(ctx, "jsorc_stats", StatsParams{Samples: n}, &out)
	return out.Stats, err
}

// Call calls one action.
func (c *Client) Call(ctx context.Context, name string, args map[string]any) (any, error) {
	var out struct {
		Result any `json:"result"`
	}
	err := c.Admin(ctx, "actions_call", CallParams{Name: name, Ctx: args}, &out)
	return out.Result, err
}
