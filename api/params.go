package api

import "encoding/json"

// The parameters of each endpoint, with JSORC's names. Pointers mark
// parameters whose absence differs from their zero value.

// ActionsConfigParams are jsorc_actions_config's parameters. Config is the
// word "builtin" or the YAML/JSON text of a config file (JSORC's SOURCE);
// Source names that file for status displays.
type ActionsConfigParams struct {
	Name   string `json:"name"`
	Config string `json:"config"`
	Source string `json:"source,omitempty"`
}

// ActionsLoadParams are jsorc_actions_load's parameters. Wait blocks a
// remote load until READY, for at most Timeout seconds (default 60).
type ActionsLoadParams struct {
	Name    string  `json:"name"`
	Mode    string  `json:"mode"`
	Wait    bool    `json:"wait,omitempty"`
	Timeout float64 `json:"timeout,omitempty"`
}

// ActionsStatusParams are jsorc_actions_status's parameters; an empty name
// asks for every module.
type ActionsStatusParams struct {
	Name string `json:"name"`
}

// ActionsUnloadParams are jsorc_actions_unload's parameters; mode defaults
// to auto and retire_svc to true, as in JSORC.
type ActionsUnloadParams struct {
	Name      string `json:"name"`
	Mode      string `json:"mode,omitempty"`
	RetireSvc *bool  `json:"retire_svc,omitempty"`
}

// CallParams are actions_call's and app_run's parameters: the action or app
// name and the JSON object of arguments (ctx).
type CallParams struct {
	Name string         `json:"name"`
	Ctx  map[string]any `json:"ctx,omitempty"`
}

// PolicySetParams are jsorc_actionpolicy_set's parameters.
type PolicySetParams struct {
	PolicyName   string         `json:"policy_name"`
	PolicyParams map[string]any `json:"policy_params,omitempty"`
}

// ConfigParams are config_set's and config_get's parameters; Value is the
// JSON string of the config (config_set only).
type ConfigParams struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value,omitempty"`
}

// NameParams are the parameters of endpoints that take only a name.
type NameParams struct {
	Name string `json:"name"`
}

// StatsParams are jsorc_stats's parameters: how many of the latest samples
// of the time series to return (all when 0).
type StatsParams struct {
	Samples int `json:"samples,omitempty"`
}

// AppConfigParams are app_config's parameters: the YAML/JSON text of an
// apps file and the file's name.
type AppConfigParams struct {
	Config string `json:"config"`
	Source string `json:"source,omitempty"`
}
