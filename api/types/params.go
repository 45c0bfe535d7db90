package types

import (
	"encoding/json"
	"fmt"
	"math"
)

// The parameters of each endpoint, with JSORC's names. Pointers mark
// parameters whose absence differs from their zero value.

// MetaConfigName is the only config name JSORC's config_set/config_get know.
const MetaConfigName = "META_CONFIG"

// Bounds of the API's own numeric parameters. Those of a load test live
// with LoadTestParams, those of a policy with the policy, those of an
// action with the action.
const (
	// MinLoadTimeout is the shortest timeout jsorc_actions_load takes, in
	// seconds; MaxLoadTimeout (one hour) the longest.
	MinLoadTimeout = 0.001
	MaxLoadTimeout = 3600
	// MaxSamples bounds jsorc_stats' samples.
	MaxSamples = 100_000
	// MaxReportsLimit bounds jsorc_reports' limit: the store keeps the
	// newest 100 of each kind.
	MaxReportsLimit = 100
)

// NoParams are the parameters of endpoints that take none.
type NoParams struct{}

// ActionsConfigParams are jsorc_actions_config's parameters. Config is the
// word "builtin" or the YAML/JSON text of a config file (JSORC's SOURCE);
// Source names that file for status displays.
type ActionsConfigParams struct {
	Name   string `json:"name"`
	Config string `json:"config"`
	Source string `json:"source,omitempty"`
	// Files are the contents of the files the config names (a wasm
	// module's `wasm:`), by the path as the config gives it, base64 in
	// JSON: what an engine on another machine could not read. The CLI
	// sends them.
	Files map[string][]byte `json:"files,omitempty"`
}

// ActionsLoadParams are jsorc_actions_load's parameters. Wait blocks a
// remote load until READY, for at most Timeout seconds (default 60).
type ActionsLoadParams struct {
	Name    string  `json:"name"`
	Mode    string  `json:"mode"`
	Wait    bool    `json:"wait,omitempty"`
	Timeout float64 `json:"timeout,omitempty"`
}

// Check bounds the timeout: 0 (the default, 60 s) or MinLoadTimeout to
// MaxLoadTimeout seconds.
func (p ActionsLoadParams) Check() error {
	if p.Timeout == 0 {
		return nil
	}
	return paramRange("timeout", p.Timeout, MinLoadTimeout, MaxLoadTimeout, "seconds")
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

// ActionsDeleteParams are jsorc_actions_delete's parameters: force unloads
// a loaded module (retiring its server) before deleting it.
type ActionsDeleteParams struct {
	Name  string `json:"name"`
	Force bool   `json:"force,omitempty"`
}

// ActionsScaleParams are jsorc_actions_scale's parameters: the module and
// how many replicas of its action server it runs, which pins them (the
// autoscaler leaves the module alone), or Auto to hand them back to the
// autoscaler. Give one of Replicas and Auto.
type ActionsScaleParams struct {
	Name     string `json:"name"`
	Replicas int    `json:"replicas,omitempty"`
	Auto     bool   `json:"auto,omitempty"`
}

// CallParams are actions_call's and app_run's parameters: the action or app
// name and the JSON object of arguments (ctx).
type CallParams struct {
	Name string         `json:"name"`
	Ctx  map[string]any `json:"ctx,omitempty"`
	// IsAsync queues an app run on the task service and answers its task
	// id at once, as JSORC's is_async did (app_run only).
	IsAsync bool `json:"is_async,omitempty"`
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

// ActionsListParams are actions_list's parameters: a prefix the names
// must start with ("" for all).
type ActionsListParams struct {
	Name string `json:"name,omitempty"`
}

// ModuleListParams are actions_module_list's parameters: detailed answers
// each module's actions.
type ModuleListParams struct {
	Detailed bool `json:"detailed,omitempty"`
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

// Check bounds samples: 0 (all) to MaxSamples.
func (p StatsParams) Check() error {
	return paramRange("samples", float64(p.Samples), 0, MaxSamples, "")
}

// AppConfigParams are app_config's and service_config's parameters: the
// YAML/JSON text of a file and the file's name.
type AppConfigParams struct {
	Config string `json:"config"`
	Source string `json:"source,omitempty"`
}

// BenchmarkStopParams are jsorc_benchmark_stop's parameters: report=false
// stops without answering the report (JSORC's default is true); Strict as
// in StopParams.
type BenchmarkStopParams struct {
	Report *bool `json:"report,omitempty"`
	Strict bool  `json:"strict,omitempty"`
}

// StopParams are the parameters of trackact's and tracksys's stops. A stop
// of a tool that does not run answers JSORC's empty report; with Strict
// (jsorc's CLI and console) it fails instead, as not running (409), so a
// person who stops nothing is told so.
type StopParams struct {
	Strict bool `json:"strict,omitempty"`
}

// ReportsParams are jsorc_reports's parameters: the kind of stored report
// (benchmark, trackact, tracksys, loadtest) and how many of the newest.
type ReportsParams struct {
	Kind  string `json:"kind"`
	Limit int    `json:"limit,omitempty"`
}

// Check bounds limit: 0 (all) to MaxReportsLimit.
func (p ReportsParams) Check() error {
	return paramRange("limit", float64(p.Limit), 0, MaxReportsLimit, "")
}

// paramRange says, as a bad request naming the parameter and the limits,
// when v is not a number in [lo, hi].
func paramRange(name string, v, lo, hi float64, unit string) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		if unit != "" {
			unit = " " + unit
		}
		what := "out of range"
		if v < 0 && lo >= 0 {
			what = "negative"
		}
		return fmt.Errorf("%w: %s %v is %s: want %v..%v%s", ErrBadRequest, name, v, what, lo, hi, unit)
	}
	return nil
}

// DefaultAddr is where `jsorc serve` listens unless told otherwise, and
// where clients look for it.
const DefaultAddr = "127.0.0.1:8799"

// Log kinds (LogsParams.Kind): whose log to read.
const (
	LogModule  = "module"
	LogService = "service"
)

// Bounds of jsorc_logs' max: DefaultLogBytes when 0, at most MaxLogBytes.
const (
	DefaultLogBytes = 64 << 10
	MaxLogBytes     = 1 << 20
)

// LogsParams are jsorc_logs' parameters: a piece of the log of a module's
// action server (Kind "module", the default) or of a kept-alive service
// (Kind "service"), from Offset (negative: the last Max bytes) for at
// most Max bytes. ID is the id of the piece the offset came from, so a
// log rotated or restarted since is read from its start. A follower asks
// again from the answer's Next with its ID.
type LogsParams struct {
	Name   string `json:"name"`
	Kind   string `json:"kind,omitempty"`
	Offset int64  `json:"offset"`
	Max    int    `json:"max,omitempty"`
	ID     string `json:"id,omitempty"`
}

// Check bounds the parameters.
func (p LogsParams) Check() error {
	if p.Name == "" {
		return Errorf(ErrInvalid, "jsorc_logs: name is required (a module or, with kind service, a service)")
	}
	if p.Kind != "" && p.Kind != LogModule && p.Kind != LogService {
		return Errorf(ErrInvalid, "jsorc_logs: kind %q: want %s or %s", p.Kind, LogModule, LogService)
	}
	if p.Max < 0 || p.Max > MaxLogBytes {
		return Errorf(ErrInvalid, "jsorc_logs: max %d: want 1 to %d bytes (0: %d)", p.Max, MaxLogBytes, DefaultLogBytes)
	}
	return nil
}
