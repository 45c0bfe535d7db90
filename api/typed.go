package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/services"
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

// Call calls one action. Numbers in the result come back as json.Number,
// keeping their literal.
func (c *Client) Call(ctx context.Context, name string, args map[string]any) (any, error) {
	var out struct {
		Result json.RawMessage `json:"result"`
	}
	if err := c.Admin(ctx, "actions_call", CallParams{Name: name, Ctx: args}, &out); err != nil {
		return nil, err
	}
	return decodeNumbers(out.Result)
}

// decodeNumbers decodes a JSON value with its numbers as json.Number; an
// empty value is null.
func decodeNumbers(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding the result: %w", err)
	}
	return v, nil
}

// ServiceInfo returns the state of every kept-alive service.
func (c *Client) ServiceInfo(ctx context.Context) (map[string]services.Info, error) {
	var out struct {
		Services map[string]services.Info `json:"services"`
	}
	err := c.Admin(ctx, "service_info", nil, &out)
	return out.Services, err
}

// BenchmarkStart starts a benchmark.
func (c *Client) BenchmarkStart(ctx context.Context) error {
	return c.Admin(ctx, "jsorc_benchmark_start", nil, nil)
}

// BenchmarkReport returns the running benchmark's report.
func (c *Client) BenchmarkReport(ctx context.Context) (measure.Report, error) {
	return c.benchReport(ctx, "jsorc_benchmark_report")
}

// BenchmarkStop stops the benchmark and returns its report.
func (c *Client) BenchmarkStop(ctx context.Context) (measure.Report, error) {
	return c.benchReport(ctx, "jsorc_benchmark_stop")
}

// benchReport decodes a benchmark answer: the request types are its
// top-level keys beside "success".
func (c *Client) benchReport(ctx context.Context, endpoint string) (measure.Report, error) {
	var raw map[string]json.RawMessage
	if err := c.Admin(ctx, endpoint, nil, &raw); err != nil {
		return nil, err
	}
	delete(raw, "success")
	out := make(measure.Report, len(raw))
	for k, v := range raw {
		var tr measure.TypeReport
		if err := json.Unmarshal(v, &tr); err != nil {
			return nil, fmt.Errorf("decoding the benchmark report: %w", err)
		}
		out[k] = tr
	}
	return out, nil
}

// TrackActStart starts action tracking.
func (c *Client) TrackActStart(ctx context.Context) error {
	return c.Admin(ctx, "jsorc_trackact_start", nil, nil)
}

// TrackActStop stops action tracking and returns its history.
func (c *Client) TrackActStop(ctx context.Context) ([]measure.Entry, error) {
	var out struct {
		History []measure.Entry `json:"history"`
	}
	err := c.Admin(ctx, "jsorc_trackact_stop", nil, &out)
	return out.History, err
}

// TrackSysStart starts system sampling.
func (c *Client) TrackSysStart(ctx context.Context) error {
	return c.Admin(ctx, "jsorc_tracksys_start", nil, nil)
}

// TrackSysReport returns the system samples so far.
func (c *Client) TrackSysReport(ctx context.Context) (measure.SysReport, error) {
	var out measure.SysReport
	err := c.Admin(ctx, "jsorc_tracksys_report", nil, &out)
	return out, err
}

// TrackSysStop stops system sampling and returns the samples.
func (c *Client) TrackSysStop(ctx context.Context) (measure.SysReport, error) {
	var out measure.SysReport
	err := c.Admin(ctx, "jsorc_tracksys_stop", nil, &out)
	return out, err
}

// LoadTestProgress reports the running load test.
func (c *Client) LoadTestProgress(ctx context.Context) (engine.LoadTestStatus, error) {
	var out engine.LoadTestStatus
	err := c.Admin(ctx, "jsorc_loadtest_status", nil, &out)
	return out, err
}
