package engine_test

import (
	"os"
	"testing"

	"github.com/jsorc/jsorc/engine"
)

// TestTestdataExperiment checks the experiment files every later issue
// builds on: all eight apps parse, every step names a configured module and
// one of its actions, and each synth module states its scaled memory twice
// consistently (what it allocates, and what the policies are told).
func TestTestdataExperiment(t *testing.T) {
	modsSrc, err := os.ReadFile("../testdata/jsorc_modules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	appsSrc, err := os.ReadFile("../testdata/jsorc_apps.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mods, err := engine.ParseActionConfigs(modsSrc)
	if err != nil {
		t.Fatalf("modules: %v", err)
	}
	apps, err := engine.ParseApps(appsSrc)
	if err != nil {
		t.Fatalf("apps: %v", err)
	}
	wantApps := []string{"zeroshot_faq_bot", "sentence_pairing", "discussion_analysis", "flight_chatbot",
		"restaurant_chatbot", "virtual_assistant", "flow_analysis", "weather_and_time_assistance"}
	if len(apps) != len(wantApps) {
		t.Fatalf("%d apps, want %d", len(apps), len(wantApps))
	}
	// JSORC's measured memory (MB), scaled by 1/10 in testdata.
	measured := map[string]float64{"use_enc": 3998, "use_qa": 2157, "summarization": 2100, "text_seg": 1706,
		"sbert_sim": 1209, "tfm_ner": 1014, "bi_enc": 334, "cl_summer": 152}
	for name, mb := range measured {
		c, ok := mods[name]
		if !ok {
			t.Errorf("module %s missing", name)
			continue
		}
		if want := float64(int(mb/10 + 0.5)); c.LocalMemRequirement != want {
			t.Errorf("%s: local_mem_requirement %v, want %v (JSORC's %v MB / 10)", name, c.LocalMemRequirement, want, mb)
		}
	}
	for name, c := range mods {
		if c.Builtin != "synth" {
			t.Errorf("%s: builtin %q, want synth", name, c.Builtin)
		}
		if got, _ := c.Params["mem_mb"].(float64); got != c.LocalMemRequirement {
			t.Errorf("%s: mem_mb %v differs from local_mem_requirement %v", name, got, c.LocalMemRequirement)
		}
	}
	for _, name := range wantApps {
		app, ok := apps[name]
		if !ok {
			t.Errorf("app %s missing", name)
			continue
		}
		for _, s := range app.Steps {
			mod, act := splitAction(t, s.Action)
			c, ok := mods[mod]
			if !ok {
				t.Errorf("app %s: step %s: module %s not in jsorc_modules.yaml", name, s.Action, mod)
				continue
			}
			if !contains(c.Params["actions"], act) {
				t.Errorf("app %s: step %s: module %s has no action %s", name, s.Action, mod, act)
			}
		}
	}
}

func splitAction(t *testing.T, full string) (string, string) {
	t.Helper()
	for i := range full {
		if full[i] == '.' {
			return full[:i], full[i+1:]
		}
	}
	t.Fatalf("action %q has no dot", full)
	return "", ""
}

func contains(list any, s string) bool {
	l, _ := list.([]any)
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
