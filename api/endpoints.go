package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/jsorc/jsorc/engine"
)

func (s *Server) actionsConfig(_ context.Context, body []byte) (map[string]any, error) {
	var p ActionsConfigParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("name", p.Name); err != nil {
		return nil, err
	}
	if err := required("config", p.Config); err != nil {
		return nil, err
	}
	source, content := p.Source, []byte(p.Config)
	if strings.TrimSpace(p.Config) == engine.BuiltinSourceName {
		source, content = engine.BuiltinSourceName, nil
	} else if source == "" {
		source = "api"
	}
	names, err := s.e.ConfigureActions(p.Name, source, content)
	if err != nil {
		return nil, err
	}
	return map[string]any{"configured": names}, nil
}

func (s *Server) actionsLoad(ctx context.Context, body []byte) (map[string]any, error) {
	var p ActionsLoadParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("name", p.Name); err != nil {
		return nil, err
	}
	if err := required("mode", p.Mode); err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	timeout := loadTimeout
	if p.Timeout > 0 {
		timeout = secondsDuration(p.Timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := s.e.Load(ctx, p.Name, p.Mode, engine.LoadOptions{Wait: p.Wait})
	if err != nil {
		return nil, err
	}
	return map[string]any{"action_status": st}, nil
}

func (s *Server) actionsStatus(_ context.Context, body []byte) (map[string]any, error) {
	var p ActionsStatusParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return map[string]any{"action_status": s.e.StatusAll()}, nil
	}
	st, err := s.e.Status(p.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"action_status": st}, nil
}

func (s *Server) actionsUnload(ctx context.Context, body []byte) (map[string]any, error) {
	var p ActionsUnloadParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("name", p.Name); err != nil {
		return nil, err
	}
	retire := true
	if p.RetireSvc != nil {
		retire = *p.RetireSvc
	}
	ctx, cancel := context.WithTimeout(ctx, unloadBudget)
	defer cancel()
	msg, err := s.e.Unload(ctx, p.Name, p.Mode, retire)
	if err != nil {
		return nil, err
	}
	return map[string]any{"message": msg}, nil
}

func (s *Server) actionsCall(ctx context.Context, body []byte) (map[string]any, error) {
	var p CallParams
	if err := decodeArgs(body, &p); err != nil {
		return nil, err
	}
	if err := required("name", p.Name); err != nil {
		return nil, err
	}
	res, dropped, err := s.e.CallKeywords(ctx, p.Name, p.Ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"result": res}
	if len(dropped) > 0 {
		out["ignored_keys"] = dropped
	}
	return out, nil
}

func (s *Server) appRun(w http.ResponseWriter, r *http.Request) {
	const name = "app_run"
	var p CallParams
	body, release, err := s.readParams(w, r, name)
	defer release()
	if err == nil {
		err = decodeArgs(body, &p)
	}
	if err == nil {
		err = required("name", p.Name)
	}
	if err != nil {
		s.refuse(w, name, err)
		return
	}
	ctx, cancel := withBudget(w, r, budget(name, body))
	defer cancel()
	res, err := s.e.RunApp(ctx, p.Name, p.Ctx)
	if err != nil {
		s.refuse(w, name, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "result": res.Result, "latency_ms": res.LatencyMS, "steps_ms": res.StepsMS})
}

func (s *Server) policySet(_ context.Context, body []byte) (map[string]any, error) {
	var p PolicySetParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("policy_name", p.PolicyName); err != nil {
		return nil, err
	}
	msg, err := s.e.PolicySet(p.PolicyName, p.PolicyParams)
	if err != nil {
		return nil, err
	}
	return map[string]any{"message": msg}, nil
}

func (s *Server) policyGet(_ context.Context, body []byte) (map[string]any, error) {
	if err := decode(body, &struct{}{}); err != nil {
		return nil, err
	}
	return map[string]any{"policy": s.e.PolicyGet()}, nil
}

func (s *Server) configSet(_ context.Context, body []byte) (map[string]any, error) {
	var p ConfigParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("name", p.Name); err != nil {
		return nil, err
	}
	if len(p.Value) == 0 {
		return nil, fmt.Errorf("%w: missing parameter \"value\"", errBadRequest)
	}
	value := string(p.Value)
	// JSORC sends the config as a JSON string; a JSON object is taken too.
	var str string
	if json.Unmarshal(p.Value, &str) == nil {
		value = str
	}
	if err := s.e.ConfigSet(p.Name, value); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Server) configGet(_ context.Context, body []byte) (map[string]any, error) {
	var p ConfigParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("name", p.Name); err != nil {
		return nil, err
	}
	v, err := s.e.ConfigGet(p.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"value": v}, nil
}

func (s *Server) serviceRefresh(_ context.Context, body []byte) (map[string]any, error) {
	var p NameParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("name", p.Name); err != nil {
		return nil, err
	}
	return nil, s.e.ServiceRefresh(p.Name)
}

func (s *Server) serviceConfig(_ context.Context, body []byte) (map[string]any, error) {
	return configure(body, "services", s.e.ConfigureServices)
}

func (s *Server) appConfig(_ context.Context, body []byte) (map[string]any, error) {
	return configure(body, "apps", s.e.ConfigureApps)
}

// configure handles the endpoints that take a file's text (config) and its
// name (source) and answer the names they defined under key.
func configure(body []byte, key string, apply func(source string, content []byte) ([]string, error)) (map[string]any, error) {
	var p AppConfigParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("config", p.Config); err != nil {
		return nil, err
	}
	if p.Source == "" {
		p.Source = "api"
	}
	names, err := apply(p.Source, []byte(p.Config))
	if err != nil {
		return nil, err
	}
	return map[string]any{key: names}, nil
}

func (s *Server) stats(_ context.Context, body []byte) (map[string]any, error) {
	var p StatsParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return map[string]any{"stats": s.e.Stats(p.Samples)}, nil
}

func (s *Server) appList(_ context.Context, body []byte) (map[string]any, error) {
	if err := decode(body, &struct{}{}); err != nil {
		return nil, err
	}
	return map[string]any{"apps": s.e.Apps()}, nil
}

// notBuilt names the JSORC endpoints whose part of jsorc is not built yet,
// with what they need.
func notBuilt() map[string]string { return map[string]string{} }

func (s *Server) loadtest(ctx context.Context, body []byte) (map[string]any, error) {
	var p engine.LoadTestParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("experiment", p.Experiment); err != nil {
		return nil, err
	}
	if err := required("policy", p.Policy); err != nil {
		return nil, err
	}
	res, err := s.e.LoadTest(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(res))
	for app, runs := range res {
		out[app] = runs
	}
	return out, nil
}

func notImplemented(name, what string) endpoint {
	return func(context.Context, []byte) (map[string]any, error) {
		return nil, fmt.Errorf("%w: %s needs %s, which this jsorc does not have yet", engine.ErrNotImplemented, name, what)
	}
}
