package testbed

import (
	"fmt"
	"math"
	"slices"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/actions"
)

// Module is one synth module of the testbed.
type Module struct {
	// Name is the module's name.
	Name string
	// MemMB is what it holds in-process (real, touched memory) and what
	// the policies are told (local_mem_requirement).
	MemMB float64
	// Synth is its synth config; the remote server runs the same CPU and
	// answer size but holds no memory (it stands for another machine's).
	Synth actions.SynthParams
}

// Step is one call of an app's request.
type Step struct {
	Module, Action string
}

// App is a request flow: the calls one request makes, in order.
type App struct {
	Name  string
	Steps []Step
}

// Modules returns the distinct modules the app calls, in name order.
func (a App) Modules() []string {
	var out []string
	for _, s := range a.Steps {
		if !slices.Contains(out, s.Module) {
			out = append(out, s.Module)
		}
	}
	slices.Sort(out)
	return out
}

// LoadSpecs reads JSORC's modules and apps in jsorc's config format
// (testdata/jsorc_modules.yaml, testdata/jsorc_apps.yaml) and scales each
// module's CPU per call by cpuScale, so the experiment fits the machine.
// Only synth modules are accepted: the testbed must know their work.
func LoadSpecs(modulesYAML, appsYAML []byte, cpuScale float64) (map[string]Module, map[string]App, error) {
	if !(cpuScale > 0) || math.IsInf(cpuScale, 0) {
		return nil, nil, fmt.Errorf("testbed: cpu scale %v: want a positive number", cpuScale)
	}
	cfgs, err := engine.ParseActionConfigs(modulesYAML)
	if err != nil {
		return nil, nil, fmt.Errorf("testbed: modules: %w", err)
	}
	mods := make(map[string]Module, len(cfgs))
	for name, c := range cfgs {
		if c.Builtin != "synth" {
			return nil, nil, fmt.Errorf("testbed: module %q is %q, want a synth module (the testbed runs their work)", name, c.Builtin)
		}
		p, err := actions.ParseSynthParams(c.Params)
		if err != nil {
			return nil, nil, fmt.Errorf("testbed: module %q: %w", name, err)
		}
		p.CPUMs *= cpuScale
		mods[name] = Module{Name: name, MemMB: c.LocalMemRequirement, Synth: p}
	}
	raw, err := engine.ParseApps(appsYAML)
	if err != nil {
		return nil, nil, fmt.Errorf("testbed: apps: %w", err)
	}
	apps := make(map[string]App, len(raw))
	for name, a := range raw {
		app := App{Name: name}
		for i, s := range a.Steps {
			mod, act, err := actions.SplitName(s.Action)
			if err != nil {
				return nil, nil, fmt.Errorf("testbed: app %q step %d: %w", name, i+1, err)
			}
			m, ok := mods[mod]
			if !ok {
				return nil, nil, fmt.Errorf("testbed: app %q step %d calls module %q, which the modules do not define", name, i+1, mod)
			}
			if !slices.Contains(m.Synth.Actions, act) {
				return nil, nil, fmt.Errorf("testbed: app %q step %d calls %s.%s, which is not one of its actions %v", name, i+1, mod, act, m.Synth.Actions)
			}
			app.Steps = append(app.Steps, Step{Module: mod, Action: act})
		}
		apps[name] = app
	}
	return mods, apps, nil
}
