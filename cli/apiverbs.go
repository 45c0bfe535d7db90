package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/internal/verbs"
)

// runAPI runs a verb that calls one endpoint: its parameters from the
// shared table, the call, and the answer printed as a table (or "ok", or
// its JSON), or as the API's JSON with -o json.
func runAPI(ctx context.Context, r *runner, pos []string) error {
	v := r.verb()
	params, err := r.params(v, pos)
	if err != nil {
		return err
	}
	raw, err := r.call(ctx, v.Endpoint, params)
	if err != nil || r.o.output == "json" {
		return err
	}
	info, ok := types.Lookup(v.Endpoint)
	if !ok {
		return fmt.Errorf("%s calls %s, which this jsorc does not know", v.Path, v.Endpoint)
	}
	answer := info.NewAnswer()
	if err := json.Unmarshal(raw, answer); err != nil {
		return fmt.Errorf("decoding the answer of %s: %w", v.Endpoint, err)
	}
	if st, ok := answer.(*types.ActionsStatusAnswer); ok && len(pos) == 1 && st.One == nil {
		// JSORC's null status of a module it does not know: a person
		// asking by name is told so (-o json prints the answer as it is).
		return types.Errorf(types.ErrNotFound, "module %q has no status: it is not configured (configure it with `jsorc actions config %s SOURCE`)", pos[0], pos[0])
	}
	show := shows()[v.Path]
	switch {
	case show != nil:
		show(r, pos, answer)
	case info.Answer == reflectEmpty:
		fmt.Fprintln(r.env.Stdout, "ok")
	default:
		printJSON(r.env.Stdout, raw)
	}
	return nil
}

// verb is the shared table's verb the runner runs.
func (r *runner) verb() *verbs.Verb {
	for _, c := range commands() {
		if c.path == r.path {
			return c.verb
		}
	}
	return &verbs.Verb{Path: r.path}
}

// params builds a verb's parameters from its arguments and flags.
func (r *runner) params(v *verbs.Verb, pos []string) (any, error) {
	return v.Params(verbs.Input{Args: pos, Flags: r.o.vals, ReadFile: os.ReadFile})
}

// call calls an endpoint and returns its raw answer, printed as it came
// with -o json; a refused call is explained (which token was sent) and,
// with -o json, printed as the API's failed answer.
func (r *runner) call(ctx context.Context, endpoint string, params any) (json.RawMessage, error) {
	c, err := r.client()
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := c.Call(ctx, endpoint, params, &raw); err != nil {
		err = r.explain(err)
		var apiErr *client.Error
		if r.o.output == "json" && errors.As(err, &apiErr) {
			printJSON(r.env.Stdout, types.ErrorAnswer{Success: false, Errors: apiErr.Errors, Code: apiErr.Code})
		}
		return nil, err
	}
	if r.o.output == "json" {
		printJSON(r.env.Stdout, raw)
	}
	return raw, nil
}

// shows print the answers of the verbs that have a table or a sentence of
// their own; the others print "ok" (no answer) or their JSON.
func shows() map[string]func(r *runner, pos []string, answer any) {
	return map[string]func(r *runner, pos []string, answer any){
		"actions config": func(r *runner, pos []string, a any) {
			fmt.Fprintf(r.env.Stdout, "configured %s from %s\n", strings.Join(a.(*types.ConfiguredAnswer).Configured, ", "), pos[1])
		},
		"actions load": func(r *runner, pos []string, a any) {
			printStatus(r.env.Stdout, pos[0], a.(*types.StatusAnswer).Status)
		},
		"actions status": func(r *runner, pos []string, a any) {
			if st := a.(*types.ActionsStatusAnswer); st.One != nil {
				printStatus(r.env.Stdout, pos[0], *st.One)
			} else {
				printStatusTable(r.env.Stdout, st.All)
			}
		},
		"actions unload":   printMessage,
		"actions delete":   printMessage,
		"actions scale":    printMessage,
		"actionpolicy set": printMessage,
		"service refresh": func(r *runner, _ []string, a any) {
			// A move of the backend says what moved; otherwise, "ok".
			fmt.Fprintln(r.env.Stdout, cmp.Or(a.(*types.MessageAnswer).Message, "ok"))
		},
		"actions call": func(r *runner, _ []string, a any) {
			ans := a.(*types.CallAnswer)
			printJSON(r.env.Stdout, ans.Result)
			if len(ans.IgnoredKeys) > 0 {
				fmt.Fprintf(r.env.Stderr, "ignored (the action takes no such parameter): %s\n", strings.Join(ans.IgnoredKeys, ", "))
			}
		},
		"app config": func(r *runner, _ []string, a any) {
			fmt.Fprintf(r.env.Stdout, "defined %s\n", strings.Join(a.(*types.AppNamesAnswer).Apps, ", "))
		},
		"app list": func(r *runner, _ []string, a any) { printApps(r.env.Stdout, a.(*types.AppsAnswer).Apps) },
		"actionpolicy get": func(r *runner, _ []string, a any) {
			p := a.(*types.PolicyAnswer).Policy
			params, _ := json.Marshal(p.Params)
			fmt.Fprintf(r.env.Stdout, "policy: %s\nparams: %s\n", p.Name, params)
			printDecisions(r.env.Stdout, p.Decisions)
		},
		"actions list": func(r *runner, _ []string, a any) { printLines(r, *a.(*types.ActionsListAnswer)) },
		"actions module list": func(r *runner, _ []string, a any) {
			if ml := a.(*types.ModuleListAnswer); ml.Detailed == nil {
				printLines(r, ml.Names)
			} else {
				printJSON(r.env.Stdout, ml.Detailed)
			}
		},
		"config list":   func(r *runner, _ []string, a any) { printLines(r, *a.(*types.ConfigListAnswer)) },
		"config exists": func(r *runner, _ []string, a any) { fmt.Fprintln(r.env.Stdout, bool(*a.(*types.ConfigExistsAnswer))) },
		"config delete": func(r *runner, _ []string, a any) { printLines(r, *a.(*types.ConfigDeleteAnswer)) },
		"config get": func(r *runner, _ []string, a any) {
			printJSON(r.env.Stdout, json.RawMessage(a.(*types.ConfigValueAnswer).Value))
		},
		"service info": func(r *runner, _ []string, a any) { printServices(r.env.Stdout, a.(*types.ServicesAnswer).Services) },
		"service config": func(r *runner, _ []string, a any) {
			fmt.Fprintf(r.env.Stdout, "defined %s (add them to META_CONFIG's keep_alive to run them)\n", strings.Join(a.(*types.ServiceNamesAnswer).Services, ", "))
		},
	}
}

// printLines prints one line per item.
func printLines(r *runner, items []string) {
	for _, s := range items {
		fmt.Fprintln(r.env.Stdout, s)
	}
}

// printMessage prints the message of an answer that says what was done.
func printMessage(r *runner, _ []string, a any) {
	fmt.Fprintln(r.env.Stdout, a.(*types.MessageAnswer).Message)
}

// runAppRun runs one request of an app: the result on stdout, its latency
// on stderr.
func runAppRun(ctx context.Context, r *runner, pos []string) error {
	params, err := r.params(r.verb(), pos)
	if err != nil {
		return err
	}
	raw, err := r.call(ctx, types.AppRun.Name(), params)
	if err != nil || r.o.output == "json" {
		return err
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

func runVersion(_ context.Context, r *runner, _ []string) error {
	v := r.env.Version
	if v == "" {
		v = "dev"
	}
	fmt.Fprintln(r.env.Stdout, "jsorc", v)
	return nil
}
