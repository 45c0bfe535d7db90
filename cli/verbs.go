package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
)

func runAppConfig(ctx context.Context, r *runner, pos []string) error {
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("reading apps file: %w", err)
	}
	abs, err := filepath.Abs(pos[0])
	if err != nil {
		abs = pos[0]
	}
	var out struct {
		Apps []string `json:"apps"`
	}
	return r.admin(ctx, "app_config", types.AppConfigParams{Config: string(b), Source: abs}, &out, func() {
		fmt.Fprintf(r.env.Stdout, "defined %s\n", strings.Join(out.Apps, ", "))
	})
}

func runAppList(ctx context.Context, r *runner, _ []string) error {
	var out struct {
		Apps map[string]engine.App `json:"apps"`
	}
	return r.admin(ctx, "app_list", nil, &out, func() {
		t := newTable("APP", "STEPS")
		for _, name := range sortedNames(out.Apps) {
			var steps []string
			for _, s := range out.Apps[name].Steps {
				steps = append(steps, s.Action)
			}
			t.row(name, strings.Join(steps, " → "))
		}
		t.print(r.env.Stdout)
	})
}

func runAppRun(ctx context.Context, r *runner, pos []string) error {
	args, err := r.ctxArgs()
	if err != nil {
		return err
	}
	c, err := r.client()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.AppRun(ctx, pos[0], args, &raw); err != nil {
		return r.explain(err)
	}
	if r.o.output == "json" {
		printJSON(r.env.Stdout, raw)
		return nil
	}
	var out struct {
		Result    json.RawMessage `json:"result"`
		LatencyMS float64         `json:"latency_ms"`
		StepsMS   []float64       `json:"steps_ms"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("decoding the answer of app_run: %w", err)
	}
	printJSON(r.env.Stdout, out.Result)
	fmt.Fprintf(r.env.Stderr, "%s: %.2f ms (%d steps)\n", pos[0], out.LatencyMS, len(out.StepsMS))
	return nil
}

func runPolicySet(ctx context.Context, r *runner, pos []string) error {
	var params map[string]any
	if r.o.params != "" {
		if err := json.Unmarshal([]byte(r.o.params), &params); err != nil {
			return fmt.Errorf("%w: -params is not a JSON object: %v", ErrUsage, err)
		}
	}
	var out struct {
		Message string `json:"message"`
	}
	return r.admin(ctx, "jsorc_actionpolicy_set", types.PolicySetParams{PolicyName: pos[0], PolicyParams: params}, &out, func() {
		fmt.Fprintln(r.env.Stdout, out.Message)
	})
}

func runPolicyGet(ctx context.Context, r *runner, _ []string) error {
	var out struct {
		Policy engine.PolicyState `json:"policy"`
	}
	return r.admin(ctx, "jsorc_actionpolicy_get", nil, &out, func() {
		params, _ := json.Marshal(out.Policy.Params)
		fmt.Fprintf(r.env.Stdout, "policy: %s\nparams: %s\n", out.Policy.Name, params)
	})
}

func runConfigSet(ctx context.Context, r *runner, pos []string) error {
	value, err := json.Marshal(pos[1])
	if err != nil {
		return fmt.Errorf("encoding the value: %w", err)
	}
	return r.admin(ctx, "config_set", types.ConfigParams{Name: pos[0], Value: value}, nil, nil)
}

func runConfigGet(ctx context.Context, r *runner, pos []string) error {
	var out struct {
		Value string `json:"value"`
	}
	return r.admin(ctx, "config_get", types.ConfigParams{Name: pos[0]}, &out, func() {
		printJSON(r.env.Stdout, json.RawMessage(out.Value))
	})
}

func runServiceRefresh(ctx context.Context, r *runner, pos []string) error {
	return r.admin(ctx, "service_refresh", types.NameParams{Name: pos[0]}, nil, nil)
}

// plain returns a verb that calls a parameterless endpoint and prints its
// answer as JSON.
func plain(endpoint string) func(context.Context, *runner, []string) error {
	return func(ctx context.Context, r *runner, _ []string) error {
		var raw json.RawMessage
		return r.admin(ctx, endpoint, nil, &raw, func() { printJSON(r.env.Stdout, raw) })
	}
}

func runVersion(_ context.Context, r *runner, _ []string) error {
	v := r.env.Version
	if v == "" {
		v = "dev"
	}
	fmt.Fprintln(r.env.Stdout, "jsorc", v)
	return nil
}

func runReports(ctx context.Context, r *runner, pos []string) error {
	var raw json.RawMessage
	p := types.ReportsParams{Kind: pos[0], Limit: int(r.o.limit)}
	return r.admin(ctx, "jsorc_reports", p, &raw, func() { printJSON(r.env.Stdout, raw) })
}
