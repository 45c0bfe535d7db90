package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
)

// The handlers of the endpoints that manage modules, policies, configs,
// services and apps. Those of the measuring tools are in measuring.go.

func (h handlers) actionsConfig(ctx context.Context, p types.ActionsConfigParams) (types.ConfiguredAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.ConfiguredAnswer{}, err
	}
	if err := required("config", p.Config); err != nil {
		return types.ConfiguredAnswer{}, err
	}
	source, content := p.Source, []byte(p.Config)
	if strings.TrimSpace(p.Config) == types.BuiltinSourceName {
		source, content = types.BuiltinSourceName, nil
	} else if source == "" {
		source = "api"
	}
	names, err := h.e.ConfigureActionsFiles(ctx, p.Name, source, content, p.Files)
	return types.ConfiguredAnswer{Configured: names}, err
}

func (h handlers) actionsLoad(ctx context.Context, p types.ActionsLoadParams) (types.StatusAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.StatusAnswer{}, err
	}
	if err := required("mode", p.Mode); err != nil {
		return types.StatusAnswer{}, err
	}
	if err := p.Check(); err != nil {
		return types.StatusAnswer{}, err
	}
	timeout := loadTimeout
	if p.Timeout > 0 {
		timeout = secondsDuration(p.Timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := h.e.Load(ctx, p.Name, p.Mode, engine.LoadOptions{Wait: p.Wait})
	if err != nil {
		return types.StatusAnswer{}, err
	}
	return types.StatusAnswer{Status: st}, nil
}

// actionsStatus answers as JSORC did: a module that is not configured
// has no status (null), which is no error.
func (h handlers) actionsStatus(_ context.Context, p types.ActionsStatusParams) (types.ActionsStatusAnswer, error) {
	if p.Name == "" {
		return types.ActionsStatusAnswer{All: h.e.StatusAll()}, nil
	}
	st, err := h.e.Status(p.Name)
	if errors.Is(err, types.ErrNotFound) {
		return types.ActionsStatusAnswer{}, nil
	}
	if err != nil {
		return types.ActionsStatusAnswer{}, err
	}
	return types.ActionsStatusAnswer{One: &st}, nil
}

func (h handlers) actionsUnload(ctx context.Context, p types.ActionsUnloadParams) (types.MessageAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.MessageAnswer{}, err
	}
	retire := true
	if p.RetireSvc != nil {
		retire = *p.RetireSvc
	}
	ctx, cancel := context.WithTimeout(ctx, unloadBudget)
	defer cancel()
	msg, err := h.e.Unload(ctx, p.Name, p.Mode, retire)
	return types.MessageAnswer{Message: msg}, err
}

func (h handlers) actionsDelete(ctx context.Context, p types.ActionsDeleteParams) (types.MessageAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.MessageAnswer{}, err
	}
	msg, err := h.e.DeleteAction(ctx, p.Name, p.Force)
	return types.MessageAnswer{Message: msg}, err
}

func (h handlers) actionsScale(ctx context.Context, p types.ActionsScaleParams) (types.MessageAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.MessageAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, unloadBudget)
	defer cancel()
	var msg string
	var err error
	switch {
	case p.Auto && p.Replicas != 0:
		err = fmt.Errorf("%w: give replicas (a count, which pins them) or auto (the autoscaler sets them), not both", errBadRequest)
	case p.Auto:
		msg, err = h.e.ScaleAuto(ctx, p.Name)
	case p.Replicas < 1:
		err = fmt.Errorf("%w: replicas %d: give a count of at least 1, or auto: true to let the autoscaler set them", errBadRequest, p.Replicas)
	default:
		msg, err = h.e.Scale(ctx, p.Name, p.Replicas)
	}
	return types.MessageAnswer{Message: msg}, err
}

func (h handlers) actionsCall(ctx context.Context, p types.CallParams) (types.CallAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.CallAnswer{}, err
	}
	res, dropped, err := h.e.CallKeywords(ctx, p.Name, p.Ctx)
	return types.CallAnswer{Result: res, IgnoredKeys: dropped}, err
}

func (h handlers) appRun(ctx context.Context, p types.CallParams) (types.AppResult, error) {
	if err := required("name", p.Name); err != nil {
		return types.AppResult{}, err
	}
	if !p.IsAsync {
		return h.e.RunApp(ctx, p.Name, p.Ctx)
	}
	run, err := h.e.RunAppAsync(ctx, p.Name, p.Ctx)
	if err != nil {
		return types.AppResult{}, err
	}
	if run.Queued {
		return types.AppResult{Result: run.TaskID, StepsMS: []float64{}, IsQueued: &run.Queued}, nil
	}
	res := run.Result
	res.IsQueued = &run.Queued
	return res, nil
}

func (h handlers) policySet(ctx context.Context, p types.PolicySetParams) (types.MessageAnswer, error) {
	if err := required("policy_name", p.PolicyName); err != nil {
		return types.MessageAnswer{}, err
	}
	msg, err := h.e.PolicySet(ctx, p.PolicyName, p.PolicyParams)
	return types.MessageAnswer{Message: msg}, err
}

func (h handlers) policyGet(context.Context, types.NoParams) (types.PolicyAnswer, error) {
	return types.PolicyAnswer{Policy: h.e.PolicyGet()}, nil
}

func (h handlers) configSet(ctx context.Context, p types.ConfigParams) (types.Empty, error) {
	if err := required("name", p.Name); err != nil {
		return types.Empty{}, err
	}
	if len(p.Value) == 0 {
		return types.Empty{}, fmt.Errorf("%w: missing parameter \"value\"", errBadRequest)
	}
	value := string(p.Value)
	// JSORC sends the config as a JSON string; a JSON object is taken too.
	var str string
	if json.Unmarshal(p.Value, &str) == nil {
		value = str
	}
	return types.Empty{}, h.e.ConfigSet(ctx, p.Name, value)
}

func (h handlers) configGet(_ context.Context, p types.ConfigParams) (types.ConfigValueAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.ConfigValueAnswer{}, err
	}
	v, err := h.e.ConfigGet(p.Name)
	return types.ConfigValueAnswer{Value: v}, err
}

func (h handlers) configList(context.Context, types.NoParams) (types.ConfigListAnswer, error) {
	return h.e.ConfigList(), nil
}

func (h handlers) configExists(_ context.Context, p types.NameParams) (types.ConfigExistsAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return false, err
	}
	return types.ConfigExistsAnswer(h.e.ConfigExists(p.Name)), nil
}

func (h handlers) configDelete(ctx context.Context, p types.NameParams) (types.ConfigDeleteAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return nil, err
	}
	msg, err := h.e.ConfigDelete(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	return types.ConfigDeleteAnswer{msg}, nil
}

func (h handlers) actionsList(_ context.Context, p types.ActionsListParams) (types.ActionsListAnswer, error) {
	return h.e.ActionsList(p.Name), nil
}

func (h handlers) moduleList(_ context.Context, p types.ModuleListParams) (types.ModuleListAnswer, error) {
	mods := h.e.ModuleList()
	if p.Detailed {
		return types.ModuleListAnswer{Detailed: mods}, nil
	}
	names := make([]string, 0, len(mods))
	for n := range mods {
		names = append(names, n)
	}
	slices.Sort(names)
	return types.ModuleListAnswer{Names: names}, nil
}

// jsorcRefresh is JSORC's jsorc_refresh: the stored META_CONFIG applied
// again, as service_refresh meta does, answered in JSORC's shape.
func (h handlers) jsorcRefresh(ctx context.Context, _ types.NoParams) (types.RefreshAnswer, error) {
	if _, err := h.e.ServiceRefreshReport(ctx, "meta"); err != nil {
		return types.RefreshAnswer{}, err
	}
	m := h.e.Meta()
	a := types.RefreshAnswer{Config: types.RefreshConfig{
		BackoffInterval:   m.BackoffInterval,
		PreLoadedServices: append([]string{}, m.KeepAlive...),
	}}
	if m.Automation {
		a.RunningInterval = 1
	}
	return a, nil
}

func (h handlers) serviceRefresh(ctx context.Context, p types.NameParams) (types.MessageAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.MessageAnswer{}, err
	}
	msg, err := h.e.ServiceRefreshReport(ctx, p.Name)
	return types.MessageAnswer{Message: msg}, err
}

func (h handlers) serviceInfo(context.Context, types.NoParams) (types.ServicesAnswer, error) {
	return types.ServicesAnswer{Services: h.e.ServiceInfo()}, nil
}

func (h handlers) serviceConfig(ctx context.Context, p types.AppConfigParams) (types.ServiceNamesAnswer, error) {
	names, err := configure(ctx, p, h.e.ConfigureServices)
	return types.ServiceNamesAnswer{Services: names}, err
}

func (h handlers) appConfig(ctx context.Context, p types.AppConfigParams) (types.AppNamesAnswer, error) {
	names, err := configure(ctx, p, h.e.ConfigureApps)
	return types.AppNamesAnswer{Apps: names}, err
}

// configure handles the endpoints that take a file's text (config) and its
// name (source) and answer the names they defined.
func configure(ctx context.Context, p types.AppConfigParams, apply func(ctx context.Context, source string, content []byte) ([]string, error)) ([]string, error) {
	if err := required("config", p.Config); err != nil {
		return nil, err
	}
	if p.Source == "" {
		p.Source = "api"
	}
	return apply(ctx, p.Source, []byte(p.Config))
}

func (h handlers) stats(_ context.Context, p types.StatsParams) (types.StatsAnswer, error) {
	if err := p.Check(); err != nil {
		return types.StatsAnswer{}, err
	}
	return types.StatsAnswer{Stats: h.e.Stats(p.Samples)}, nil
}

func (h handlers) appList(context.Context, types.NoParams) (types.AppsAnswer, error) {
	return types.AppsAnswer{Apps: h.e.Apps()}, nil
}

func (h handlers) loadtest(ctx context.Context, p types.LoadTestParams) (types.LoadTestAnswer, error) {
	if err := required("experiment", p.Experiment); err != nil {
		return types.LoadTestAnswer{}, err
	}
	if err := required("policy", p.Policy); err != nil {
		return types.LoadTestAnswer{}, err
	}
	res, err := h.e.LoadTest(ctx, p)
	return types.LoadTestAnswer{Result: res}, err
}

func (h handlers) loadTestProgress(context.Context, types.NoParams) (types.LoadTestStatus, error) {
	return h.e.LoadTestProgress(), nil
}

func required(name, value string) error {
	if value == "" {
		return fmt.Errorf("%w: missing parameter %q", errBadRequest, name)
	}
	return nil
}

func (h handlers) logs(ctx context.Context, p types.LogsParams) (types.LogsAnswer, error) {
	if err := p.Check(); err != nil {
		return types.LogsAnswer{}, err
	}
	return h.e.Logs(ctx, p)
}

func (h handlers) actionsDescribe(ctx context.Context, p types.NameParams) (types.DescribeAnswer, error) {
	if err := required("name", p.Name); err != nil {
		return types.DescribeAnswer{}, err
	}
	return h.e.Describe(ctx, p.Name)
}

func (h handlers) engineInfo(ctx context.Context, _ types.NoParams) (types.EngineInfoAnswer, error) {
	return h.e.EngineInfo(ctx), nil
}
