package types

import (
	"encoding/json"
	"fmt"
)

// JSORC answered some endpoints with the bare value its function returned
// — a list, a string, a boolean, a report — without "success" (DESIGN §4;
// trackact stop, the benchmark's report and stop, tracksys, the load test,
// config_get, config_list, config_exists, config_delete, actions_list,
// actions_module_list, jsorc_refresh). Scripts index those answers
// directly (`res[0]`, `json.loads(res)`, `for k, v in report.items()`), so
// jsorc answers them bare too. Failures still answer
// {"success": false, "errors": [...]} with an error status.

// Bare marks an answer written as it encodes, without "success". Only the
// answers of this package implement it.
type Bare interface{ bare() }

func (HistoryAnswer) bare()      {}
func (BenchmarkAnswer) bare()    {}
func (SysReport) bare()          {}
func (LoadTestAnswer) bare()     {}
func (ConfigValueAnswer) bare()  {}
func (ConfigListAnswer) bare()   {}
func (ConfigExistsAnswer) bare() {}
func (ConfigDeleteAnswer) bare() {}
func (ActionsListAnswer) bare()  {}
func (ModuleListAnswer) bare()   {}
func (RefreshAnswer) bare()      {}

// Encode encodes an answer as the API writes it: a Bare answer as it is,
// any other with "success": true first in it (WithSuccess).
func Encode(answer any) ([]byte, error) {
	if _, ok := answer.(Bare); ok {
		return json.Marshal(answer)
	}
	return WithSuccess(answer)
}

// ConfigListAnswer is config_list's answer: the names of the stored
// configs, a bare list as in JSORC.
type ConfigListAnswer []string

// ConfigExistsAnswer is config_exists's answer: a bare true or false.
type ConfigExistsAnswer bool

// ConfigDeleteAnswer is config_delete's answer: a list of one sentence, as
// JSORC's ["META_CONFIG Deleted."].
type ConfigDeleteAnswer []string

// ActionsListAnswer is actions_list's answer: a bare list of the actions
// that answer calls now ("module.action"), sorted.
type ActionsListAnswer []string

// ModuleListAnswer is actions_module_list's answer: the modules that
// serve in-process, by the name JSORC listed (ACTION_CONFIGS
// loaded_module, else the module's name) — a bare list, or with detailed
// an object of each one's actions.
type ModuleListAnswer struct {
	Names    []string
	Detailed map[string][]string
}

// MarshalJSON writes the list, or the object when detailed.
func (a ModuleListAnswer) MarshalJSON() ([]byte, error) {
	if a.Detailed != nil {
		return json.Marshal(a.Detailed)
	}
	if a.Names == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(a.Names)
}

// UnmarshalJSON reads either form.
func (a *ModuleListAnswer) UnmarshalJSON(b []byte) error {
	a.Names, a.Detailed = nil, nil
	if first(b) == '{' {
		return json.Unmarshal(b, &a.Detailed)
	}
	return json.Unmarshal(b, &a.Names)
}

// RefreshAnswer is jsorc_refresh's answer, JSORC's shape: whether the
// keep-alive loop acts (1: META_CONFIG's automation is on) or only
// observes (0), and the config it runs with —
// JSORC's JSORC_CONFIG keys, filled from META_CONFIG (backoff_interval,
// and keep_alive as pre_loaded_services).
type RefreshAnswer struct {
	RunningInterval int           `json:"running_interval"`
	Config          RefreshConfig `json:"config"`
}

// RefreshConfig is the config part of jsorc_refresh's answer.
type RefreshConfig struct {
	BackoffInterval   int      `json:"backoff_interval"`
	PreLoadedServices []string `json:"pre_loaded_services"`
}

// first is the first byte of b that is not JSON white space, or 0.
func first(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// decodeListOr decodes b, a bare JSON list or an object holding it under
// key (what an older engine answered), into list.
func decodeListOr[T any](b []byte, key string, list *[]T) error {
	if first(b) != '{' {
		return json.Unmarshal(b, list)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	raw, ok := obj[key]
	if !ok {
		return fmt.Errorf("the answer has no %q", key)
	}
	return json.Unmarshal(raw, list)
}
