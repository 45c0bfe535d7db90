package types

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// The answers of the endpoints. The server adds "success": true to each,
// but to those JSORC answered bare (bare.go); JSORC's shapes that differ
// from a plain struct have their own JSON methods.

// Empty is the answer of endpoints that answer only "success".
type Empty struct{}

// ConfiguredAnswer is jsorc_actions_config's answer: the modules configured.
type ConfiguredAnswer struct {
	Configured []string `json:"configured"`
}

// StatusAnswer is jsorc_actions_load's answer: the module's status.
type StatusAnswer struct {
	Status ActionStatus `json:"action_status"`
}

// ActionsStatusAnswer is jsorc_actions_status's answer. With a name it is
// JSORC's {"action_status": <that module's status>}, null for a module
// that is not configured (One nil, All nil). Without a name (All) it is
// JSORC's condensed {"action_status": {module: {"mode": ...}}}, every
// module's full status beside it under "modules".
type ActionsStatusAnswer struct {
	One *ActionStatus
	All map[string]ActionStatus
}

// MarshalJSON writes JSORC's form, with "modules" for every module.
func (a ActionsStatusAnswer) MarshalJSON() ([]byte, error) {
	switch {
	case a.One != nil:
		return json.Marshal(map[string]any{"action_status": a.One})
	case a.All == nil:
		return []byte(`{"action_status":null}`), nil
	}
	modes := make(map[string]ActionMode, len(a.All))
	for name, st := range a.All {
		if st.Mode != nil {
			modes[name] = ActionMode{Mode: *st.Mode}
		} else {
			modes[name] = ActionMode{}
		}
	}
	return json.Marshal(map[string]any{"action_status": modes, "modules": a.All})
}

// UnmarshalJSON reads any of the forms.
func (a *ActionsStatusAnswer) UnmarshalJSON(b []byte) error {
	var outer struct {
		Status  json.RawMessage            `json:"action_status"`
		Modules map[string]json.RawMessage `json:"modules"`
	}
	if err := json.Unmarshal(b, &outer); err != nil {
		return err
	}
	a.One, a.All = nil, nil
	if outer.Modules != nil {
		a.All = make(map[string]ActionStatus, len(outer.Modules))
		for name, raw := range outer.Modules {
			var st ActionStatus
			if err := json.Unmarshal(raw, &st); err != nil {
				return fmt.Errorf("modules: %s: %w", name, err)
			}
			a.All[name] = st
		}
		return nil
	}
	if len(outer.Status) == 0 || string(outer.Status) == "null" {
		return nil
	}
	a.One = new(ActionStatus)
	return json.Unmarshal(outer.Status, a.One)
}

// MessageAnswer is the answer of endpoints that say what they did
// (jsorc_actions_unload, jsorc_actionpolicy_set).
type MessageAnswer struct {
	Message string `json:"message"`
}

// CallAnswer is actions_call's answer: the action's result, and the keys
// of ctx the action takes no parameter for, which were dropped as
// Jaseci's client dropped them. Numbers in Result decode as json.Number,
// keeping their literal.
type CallAnswer struct {
	Result      any      `json:"result"`
	IgnoredKeys []string `json:"ignored_keys,omitempty"`
}

// UnmarshalJSON keeps the numbers of the result as written.
func (a *CallAnswer) UnmarshalJSON(b []byte) error {
	type plain CallAnswer
	return decodeNumbers(b, (*plain)(a))
}

// PolicyAnswer is jsorc_actionpolicy_get's answer: JSORC's
// {"policy": "<the name as set>"}, the rest of the policy's state beside
// it (policy_name, policy_params, phase, decisions, ...).
type PolicyAnswer struct {
	Policy PolicyState
}

// policyWire is PolicyAnswer on the wire.
type policyWire struct {
	Name string `json:"policy"`
	PolicyState
}

// MarshalJSON writes the name under "policy" and the state beside it.
func (a PolicyAnswer) MarshalJSON() ([]byte, error) {
	return json.Marshal(policyWire{Name: a.Policy.Name, PolicyState: a.Policy})
}

// UnmarshalJSON reads JSORC's form, and the older one whose "policy" was
// the state itself.
func (a *PolicyAnswer) UnmarshalJSON(b []byte) error {
	var w struct {
		Policy json.RawMessage `json:"policy"`
		PolicyState
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if first(w.Policy) == '{' {
		return json.Unmarshal(w.Policy, &a.Policy)
	}
	a.Policy = w.PolicyState
	if a.Policy.Name == "" && len(w.Policy) > 0 {
		return json.Unmarshal(w.Policy, &a.Policy.Name)
	}
	return nil
}

// ConfigValueAnswer is config_get's answer: the stored config, answered
// as JSORC did, a bare JSON string (a script does json.loads(res.json())).
type ConfigValueAnswer struct {
	Value string
}

// MarshalJSON writes the value as a JSON string.
func (a ConfigValueAnswer) MarshalJSON() ([]byte, error) { return json.Marshal(a.Value) }

// UnmarshalJSON reads the bare string, or an older engine's {"value": ...}.
func (a *ConfigValueAnswer) UnmarshalJSON(b []byte) error {
	if first(b) != '{' {
		return json.Unmarshal(b, &a.Value)
	}
	var obj struct {
		Value string `json:"value"`
	}
	err := json.Unmarshal(b, &obj)
	a.Value = obj.Value
	return err
}

// ServicesAnswer is service_info's answer: every kept-alive service.
type ServicesAnswer struct {
	Services map[string]ServiceInfo `json:"services"`
}

// ServiceNamesAnswer is service_config's answer: the services defined.
type ServiceNamesAnswer struct {
	Services []string `json:"services"`
}

// AppNamesAnswer is app_config's answer: the apps defined.
type AppNamesAnswer struct {
	Apps []string `json:"apps"`
}

// AppsAnswer is app_list's answer: every app by name.
type AppsAnswer struct {
	Apps map[string]App `json:"apps"`
}

// StatsAnswer is jsorc_stats's answer.
type StatsAnswer struct {
	Stats Stats `json:"stats"`
}

// HistoryAnswer is jsorc_trackact_stop's answer: the history, a bare list
// as in JSORC ([] when tracking did not run).
type HistoryAnswer struct {
	History []Entry
}

// MarshalJSON writes the list.
func (a HistoryAnswer) MarshalJSON() ([]byte, error) {
	if a.History == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(a.History)
}

// UnmarshalJSON reads the list, or an older engine's {"history": [...]}.
func (a *HistoryAnswer) UnmarshalJSON(b []byte) error {
	return decodeListOr(b, "history", &a.History)
}

// ReportsAnswer is jsorc_reports's answer: the newest stored reports.
type ReportsAnswer struct {
	Reports []StoredReport `json:"reports"`
}

// BenchmarkAnswer is the answer of jsorc_benchmark_report and _stop: the
// report's request types are the answer's only keys, as in JSORC (a
// script does `for k, v in report.items(): v["all"]`). A stop with
// report=false, or of a benchmark that does not run, answers {}.
type BenchmarkAnswer struct {
	Report Report
}

// MarshalJSON writes the report's request types at the top level.
func (a BenchmarkAnswer) MarshalJSON() ([]byte, error) {
	if a.Report == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(a.Report)
}

// UnmarshalJSON reads every top-level key but "success" as a request type.
func (a *BenchmarkAnswer) UnmarshalJSON(b []byte) error {
	r, err := topLevel[TypeReport](b)
	a.Report = r
	return err
}

// LoadTestAnswer is jsorc_loadtest's answer: app → policy → run, the apps
// the answer's only keys, as in JSORC.
type LoadTestAnswer struct {
	Result LoadTestResult
}

// MarshalJSON writes the apps at the top level.
func (a LoadTestAnswer) MarshalJSON() ([]byte, error) {
	if a.Result == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(a.Result)
}

// UnmarshalJSON reads every top-level key but "success" as an app.
func (a *LoadTestAnswer) UnmarshalJSON(b []byte) error {
	r, err := topLevel[map[string]LoadTestRun](b)
	a.Result = r
	return err
}

// topLevel decodes an object whose keys (but "success") map to V.
func topLevel[V any](b []byte) (map[string]V, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	delete(raw, "success")
	out := make(map[string]V, len(raw))
	for k, v := range raw {
		var x V
		if err := json.Unmarshal(v, &x); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = x
	}
	return out, nil
}

// WithSuccess encodes an answer and puts "success": true first in it. The
// answer must encode as a JSON object.
func WithSuccess(answer any) ([]byte, error) {
	b, err := json.Marshal(answer)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("answer %T is not a JSON object", answer)
	}
	rest := bytes.TrimSpace(b[1:])
	if len(rest) > 0 && rest[0] == '}' {
		return []byte(`{"success":true}`), nil
	}
	return append([]byte(`{"success":true,`), rest...), nil
}

// decodeNumbers decodes b into v with its numbers as json.Number.
func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// LogsAnswer is jsorc_logs' answer: a piece of a log. Text holds the bytes
// from Offset to Next (invalid UTF-8 replaced); Size is the log's size
// now, so Next < Size says there is more. Reset says the log was rotated
// or restarted since the asked ID: Text starts the new one.
type LogsAnswer struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Source says where the log is: a file on the engine's machine, or
	// "pod NS/NAME".
	Source string `json:"source"`
	ID     string `json:"id"`
	Text   string `json:"text"`
	Offset int64  `json:"offset"`
	Next   int64  `json:"next"`
	Size   int64  `json:"size"`
	Reset  bool   `json:"reset,omitempty"`
}

// DescribeAnswer is jsorc_actions_describe's answer: one module in full —
// its status, its config, its actions with their parameters, what
// happened to it lately, and where its action server logs.
type DescribeAnswer struct {
	Name   string       `json:"name"`
	Status ActionStatus `json:"status"`
	// Config is the module's action config as the engine keeps it.
	Config json.RawMessage `json:"config"`
	// Actions are the module's actions with their parameters, from the
	// serving placement, else from the last one that served, else from
	// its built-in implementation; empty when none is known yet.
	Actions []ActionSpec `json:"actions"`
	// History is the module's latest events (loads, switches, crashes,
	// restarts), oldest first.
	History []Event `json:"history"`
	// Moves are the policy's moves of the module that it still keeps.
	Moves []PolicyMove `json:"moves"`
	// Backend is where its action server runs (local, kube); Log where it
	// logs, and LogNote why there is no log yet.
	Backend string `json:"backend"`
	Log     string `json:"log,omitempty"`
	LogNote string `json:"log_note,omitempty"`
	// Replicas and Pods are the module's workload on the kube backend;
	// Metrics says where its servers' CPU and memory come from, or why
	// there are none.
	Replicas *Replicas `json:"replicas,omitempty"`
	Pods     []PodInfo `json:"pods,omitempty"`
	Metrics  string    `json:"metrics,omitempty"`
}

// ActionSpec is one action and its parameters.
type ActionSpec struct {
	// Name is the full name, module.action.
	Name   string      `json:"name"`
	Params []ParamSpec `json:"params"`
	Doc    string      `json:"doc,omitempty"`
}

// Parameter kinds (ParamSpec.Kind), after Python's calling convention.
const (
	ParamRequired = "required"
	ParamOptional = "optional"
	// ParamRest collects surplus positionals (*args), ParamOpts unknown
	// keywords (**kwargs).
	ParamRest = "rest"
	ParamOpts = "opts"
)

// ParamSpec is one parameter of an action. A remote server's spec gives
// names only: Kind is then what the name says (required, or rest/opts
// for "*x"/"**x") and Type empty.
type ParamSpec struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Type is the JSON type it takes (str, int, float, bool, list, dict,
	// any) when known.
	Type    string `json:"type,omitempty"`
	Default any    `json:"default,omitempty"`
}

// EngineInfoAnswer is jsorc_engine_info's answer: where the engine runs
// its action servers and services — the backend, and on Kubernetes the
// kubeconfig context, the API server and the namespace.
type EngineInfoAnswer struct {
	Backend   string `json:"backend"`
	Context   string `json:"context,omitempty"`
	Server    string `json:"server,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// Replicas are the replicas a module's workload has ready and wants.
type Replicas struct {
	Ready   int `json:"ready"`
	Desired int `json:"desired"`
}

// PodInfo is one pod behind a module's workload (kube backend), from the
// engine's informer cache.
type PodInfo struct {
	Name     string    `json:"name"`
	Phase    string    `json:"phase"`
	Ready    bool      `json:"ready"`
	Restarts int       `json:"restarts"`
	Node     string    `json:"node,omitempty"`
	Created  time.Time `json:"created"`
	// Reason says why a container waits or ended (CrashLoopBackOff,
	// OOMKilled, ...).
	Reason    string `json:"reason,omitempty"`
	LastEvent string `json:"last_event,omitempty"`
	// Usage is the pod's CPU and memory at the last sample, when the
	// cluster's metrics API measured it.
	Usage *ProcStats `json:"usage,omitempty"`
}
