package engine_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine"
)

// TestParseJSORCActionConfigs: JSORC's ACTION_CONFIGS, exported as JSON or
// YAML, maps onto jsorc's configs: remote manifests to the kube backend
// (kubectl-dump leftovers dropped, the Service's port), the memory to
// local_mem_requirement, JSORC's module names kept, the ConfigMap's server
// command to the local backend's command.
func TestParseJSORCActionConfigs(t *testing.T) {
	example, err := os.ReadFile("../examples/jaseci_action_server/action_configs.json")
	if err != nil {
		t.Fatal(err)
	}
	set, err := engine.ParseActionConfigs(example)
	if err != nil {
		t.Fatal(err)
	}
	c := set["test_module"]
	if c.Module != "jaseci_ai_kit.test_module" || c.LoadedModule != "jaseci_ai_kit.modules.test_module.test_module" ||
		c.LocalMemRequirement != 60 || c.Builtin != "test_module" || c.Kube == nil || c.Kube.Port != 80 || len(c.Kube.Manifests) != 3 {
		t.Fatalf("config %+v", c)
	}
	raw, _ := json.Marshal(c.Kube.Manifests)
	if strings.Contains(string(raw), "creationTimestamp") || strings.Contains(string(raw), `"status"`) {
		t.Errorf("manifests keep kubectl-dump leftovers: %s", raw)
	}
	if c.Local == nil || c.Local.Command[0] != "python3" {
		t.Errorf("jsorc's own local command was not kept: %+v", c.Local)
	}

	yamlDoc := `
use_enc:
  module: jaseci_ai_kit.use_enc
  loaded_module: jaseci_ai_kit.modules.use_enc.use_enc
  local: /jaseci/jaseci_ai_kit/jaseci_ai_kit/modules/use_enc/use_enc.py
  local_mem_requirement: 3998.5
  remote:
    ConfigMap:
      metadata: {name: use-enc-up}
      data: {prod_up: "uvicorn jaseci_ai_kit.use_enc:serv_actions --host 0.0.0.0 --port 80"}
    Service:
      metadata: {name: use-enc}
      spec: {ports: [{port: 80, targetPort: 80}], selector: {pod: use-enc}}
`
	set, err = engine.ParseActionConfigs([]byte(yamlDoc))
	if err != nil {
		t.Fatal(err)
	}
	c = set["use_enc"]
	want := []string{"uvicorn", "jaseci_ai_kit.use_enc:serv_actions", "--host", "{host}", "--port", "{port}"}
	if c.Local == nil || !reflect.DeepEqual(c.Local.Command, want) || c.LocalMemRequirement != 3998.5 || c.Kube.Manifests[1]["kind"] != "Service" {
		t.Errorf("use_enc: %+v (local %+v)", c, c.Local)
	}
}

// TestJSORCConfigRefusals: what JSORC accepted and jsorc cannot take is
// refused with a message saying what to give instead.
func TestJSORCConfigRefusals(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"a Python module's import path", "jaseci_ai_kit.config", []string{"import path", "ACTION_CONFIGS", "json.dumps(c.ACTION_CONFIGS)", "jsorc actions config NAME action_configs.json"}},
		{"only an in-process module", `{"m": {"module": "pkg.m", "loaded_module": "pkg.modules.m"}}`, []string{"pkg.m", "cannot", "local"}},
		{"unknown key", `{"ACTION_CONFIGS": {"m": {"module": "pkg.m", "remote": {}, "colour": 1}}}`, []string{"colour"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := engine.ParseActionConfigs([]byte(tc.doc))
			if !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("error %v, want ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
