package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
)

func runActionsConfig(ctx context.Context, r *runner, pos []string) error {
	name, source := pos[0], pos[1]
	p := types.ActionsConfigParams{Name: name, Config: engine.BuiltinSourceName}
	if source != engine.BuiltinSourceName {
		b, err := os.ReadFile(source)
		if err != nil {
			if hint, ok := engine.PythonModuleHint(source); ok && errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("%w: no file %s: %s", ErrUsage, source, hint)
			}
			return fmt.Errorf("reading config source: %w", err)
		}
		abs, err := filepath.Abs(source)
		if err != nil {
			abs = source
		}
		p.Config, p.Source = string(b), abs
		if isWasm(b) {
			// A module compiled to WebAssembly is configured directly: the
			// config is `NAME: {wasm: FILE}`, the engine reads the file.
			cfg, err := json.Marshal(map[string]engine.ActionConfig{name: {WasmModule: engine.WasmModule{Wasm: abs}}})
			if err != nil {
				return err
			}
			if name == "all" || name == "*" {
				return fmt.Errorf("%w: a .wasm source configures one module: jsorc actions config NAME %s", ErrUsage, source)
			}
			p.Config = string(cfg)
		}
	}
	var out struct {
		Configured []string `json:"configured"`
	}
	return r.admin(ctx, "jsorc_actions_config", p, &out, func() {
		fmt.Fprintf(r.env.Stdout, "configured %s from %s\n", strings.Join(out.Configured, ", "), source)
	})
}

// isWasm tells a WebAssembly module by its magic number.
func isWasm(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "\x00asm" }

func runActionsLoad(ctx context.Context, r *runner, pos []string) error {
	if r.o.mode == "" {
		return fmt.Errorf("%w: jsorc actions load NAME -mode module|local|remote", ErrUsage)
	}
	var out struct {
		Status engine.ActionStatus `json:"action_status"`
	}
	p := types.ActionsLoadParams{Name: pos[0], Mode: r.o.mode, Wait: r.o.wait, Timeout: r.o.timeout}
	return r.admin(ctx, "jsorc_actions_load", p, &out, func() {
		printStatus(r.env.Stdout, pos[0], out.Status)
	})
}

func runActionsStatus(ctx context.Context, r *runner, pos []string) error {
	if len(pos) == 1 {
		var out struct {
			Status engine.ActionStatus `json:"action_status"`
		}
		return r.admin(ctx, "jsorc_actions_status", types.ActionsStatusParams{Name: pos[0]}, &out, func() {
			printStatus(r.env.Stdout, pos[0], out.Status)
		})
	}
	var out struct {
		Status map[string]engine.ActionStatus `json:"action_status"`
	}
	return r.admin(ctx, "jsorc_actions_status", types.ActionsStatusParams{}, &out, func() {
		printStatusTable(r.env.Stdout, out.Status)
	})
}

func runActionsUnload(ctx context.Context, r *runner, pos []string) error {
	retire := r.o.retire
	var out struct {
		Message string `json:"message"`
	}
	p := types.ActionsUnloadParams{Name: pos[0], Mode: r.o.mode, RetireSvc: &retire}
	return r.admin(ctx, "jsorc_actions_unload", p, &out, func() {
		fmt.Fprintln(r.env.Stdout, out.Message)
	})
}

func runActionsDelete(ctx context.Context, r *runner, pos []string) error {
	var out struct {
		Message string `json:"message"`
	}
	p := types.ActionsDeleteParams{Name: pos[0], Force: r.o.force}
	return r.admin(ctx, "jsorc_actions_delete", p, &out, func() {
		fmt.Fprintln(r.env.Stdout, out.Message)
	})
}

func runActionsCall(ctx context.Context, r *runner, pos []string) error {
	args, err := r.ctxArgs()
	if err != nil {
		return err
	}
	var out struct {
		Result      json.RawMessage `json:"result"`
		IgnoredKeys []string        `json:"ignored_keys"`
	}
	return r.admin(ctx, "actions_call", types.CallParams{Name: pos[0], Ctx: args}, &out, func() {
		printJSON(r.env.Stdout, out.Result)
		if len(out.IgnoredKeys) > 0 {
			fmt.Fprintf(r.env.Stderr, "ignored (the action takes no such parameter): %s\n", strings.Join(out.IgnoredKeys, ", "))
		}
	})
}

// ctxArgs decodes -ctx.
func (r *runner) ctxArgs() (map[string]any, error) {
	if r.o.ctxJSON == "" {
		return nil, nil
	}
	var args map[string]any
	dec := json.NewDecoder(strings.NewReader(r.o.ctxJSON))
	dec.UseNumber() // numbers keep their literal: 1.0 stays 1.0
	if err := dec.Decode(&args); err != nil {
		return nil, fmt.Errorf("%w: -ctx is not a JSON object: %v", ErrUsage, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: -ctx holds more than one JSON value", ErrUsage)
	}
	return args, nil
}

// admin calls an admin endpoint and prints the answer: raw JSON with -o
// json, otherwise through table (which may be nil: then "ok").
func (r *runner) admin(ctx context.Context, name string, params, out any, table func()) error {
	c, err := r.client()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.Admin(ctx, name, params, &raw); err != nil {
		err = r.explain(err)
		var apiErr *client.Error
		if r.o.output == "json" && errors.As(err, &apiErr) {
			printJSON(r.env.Stdout, map[string]any{"success": false, "errors": apiErr.Errors})
		}
		return err
	}
	if r.o.output == "json" {
		printJSON(r.env.Stdout, raw)
		return nil
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("decoding the answer of %s: %w", name, err)
		}
	}
	if table == nil {
		fmt.Fprintln(r.env.Stdout, "ok")
		return nil
	}
	table()
	return nil
}
