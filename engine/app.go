package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/store"
)

// Apps, in the API's shape (api/types).
type (
	// App is a named request flow: the ordered action calls one request
	// makes.
	App = types.App
	// Step is one action call of an app.
	Step = types.Step
	// AppResult is the answer of one app request.
	AppResult = types.AppResult
)

// ParseApps decodes a YAML or JSON document holding a map of app name to App.
// Unknown fields are errors.
func ParseApps(data []byte) (map[string]App, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, errorf(ErrInvalid, "apps: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var out map[string]App
	if err := dec.Decode(&out); err != nil {
		return nil, errorf(ErrInvalid, "apps: %v", err)
	}
	if len(out) == 0 {
		return nil, errorf(ErrInvalid, "apps: the source holds no app")
	}
	for name, a := range out {
		if err := validName(name); err != nil {
			return nil, errorf(ErrInvalid, "app %q: %v", name, err)
		}
		if len(a.Steps) == 0 {
			return nil, errorf(ErrInvalid, "app %q has no steps", name)
		}
		for i, s := range a.Steps {
			if _, _, err := actions.SplitName(s.Action); err != nil {
				return nil, errorf(ErrInvalid, "app %q step %d: %v", name, i+1, err)
			}
		}
	}
	return out, nil
}

// ConfigureApps defines (or redefines) every app in a YAML/JSON document and
// stores them. It returns the names defined.
func (e *Engine) ConfigureApps(ctx context.Context, source string, content []byte) ([]string, error) {
	apps, err := ParseApps(content)
	if err != nil {
		return nil, fmt.Errorf("%w (source %s)", err, source)
	}
	recs := make(map[string][]byte, len(apps))
	for name, a := range apps {
		if recs[name], err = json.Marshal(a); err != nil {
			return nil, fmt.Errorf("engine: encoding app %q: %w", name, err)
		}
	}
	if err := e.store.PutMany(store.Apps, recs); err != nil {
		return nil, fmt.Errorf("engine: storing apps: %w", err)
	}
	e.mu.Lock()
	for name, a := range apps {
		e.apps[name] = a
	}
	e.mu.Unlock()
	names := sortedKeys(apps)
	e.publish(causeOf(ctx), EventApps, "", fmt.Sprintf("defined %s from %s", strings.Join(names, ", "), source))
	return names, nil
}

// Apps returns the defined apps by name.
func (e *Engine) Apps() map[string]App {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]App, len(e.apps))
	for k, v := range e.apps {
		out[k] = v
	}
	return out
}

// RunApp runs one request of app name with the request context reqCtx:
// each step in order, through the router. The first failing step fails the
// request.
func (e *Engine) RunApp(ctx context.Context, name string, reqCtx map[string]any) (AppResult, error) {
	e.mu.Lock()
	app, ok := e.apps[name]
	e.mu.Unlock()
	if !ok {
		return AppResult{}, errorf(ErrNotFound, "app %q is not defined (define it with `jsorc app config FILE`)", name)
	}
	rec := e.tracks.Get("app/" + name)
	start := time.Now()
	res := AppResult{StepsMS: make([]float64, 0, len(app.Steps))}
	var prev any
	for i, s := range app.Steps {
		args, _ := substitute(s.Args, reqCtx, prev).(map[string]any)
		t := time.Now()
		out, err := e.Call(ctx, s.Action, args)
		res.StepsMS = append(res.StepsMS, ms(time.Since(t)))
		if err != nil {
			d := time.Since(start)
			rec.Record(d, false, 0)
			e.meas.bench.Record(ReqTypeApp, name, d, false)
			return res, fmt.Errorf("app %s step %d (%s): %w", name, i+1, s.Action, err)
		}
		prev = out
	}
	d := time.Since(start)
	rec.Record(d, true, 0)
	e.meas.bench.Record(ReqTypeApp, name, d, true)
	res.Result, res.LatencyMS = prev, ms(d)
	return res, nil
}

// substitute replaces the "$ctx", "$ctx.KEY" and "$prev" references of an
// app step's arguments; values that are not references are kept as they are.
func substitute(v any, reqCtx map[string]any, prev any) any {
	switch t := v.(type) {
	case string:
		switch {
		case t == "$prev":
			return prev
		case t == "$ctx":
			return reqCtx
		case strings.HasPrefix(t, "$ctx."):
			return reqCtx[strings.TrimPrefix(t, "$ctx.")]
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = substitute(x, reqCtx, prev)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = substitute(x, reqCtx, prev)
		}
		return out
	}
	return v
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
