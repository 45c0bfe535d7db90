package testbed

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/policy"
)

func TestLoadSpecs(t *testing.T) {
	mods, apps, err := LoadSpecs(mustRead(t, "../../testdata/jsorc_modules.yaml"), mustRead(t, "../../testdata/jsorc_apps.yaml"), 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 8 {
		t.Errorf("%d apps, want JSORC's 8", len(apps))
	}
	if m := mods["use_enc"]; m.MemMB != 400 || m.Synth.CPUMs != 5 {
		t.Errorf("use_enc = %+v, want 400 MB and 10 ms × 0.5 of CPU", m)
	}
	if got := apps["flow_analysis"].Modules(); strings.Join(got, ",") != "text_seg,tfm_ner,use_enc" {
		t.Errorf("flow_analysis modules %v", got)
	}
	for _, tc := range []struct {
		name, mods, apps string
		scale            float64
		want             string
	}{
		{"zero scale", "a: {builtin: synth}", "x: {steps: [{action: a.infer}]}", 0, "cpu scale"},
		{"not synth", "a: {builtin: echo}", "x: {steps: [{action: a.infer}]}", 1, "want a synth module"},
		{"unknown module", "a: {builtin: synth}", "x: {steps: [{action: b.infer}]}", 1, "do not define"},
		{"unknown action", "a: {builtin: synth}", "x: {steps: [{action: a.nope}]}", 1, "not one of its actions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := LoadSpecs([]byte(tc.mods), []byte(tc.apps), tc.scale)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadSpecs = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlacementsFitTheBudget(t *testing.T) {
	mods := []Module{{Name: "a", MemMB: 60}, {Name: "b", MemMB: 50}, {Name: "c", MemMB: 10}}
	// 0.8 × 125 − 30 = 70 MB for modules: {}, a, b, c, a+c, b+c.
	got := Placements(mods, policy.Budget{NodeMemMB: 125, BaseMemMB: 30})
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	want := []string{
		"a=remote b=remote c=remote", "a=module b=remote c=remote", "a=remote b=module c=remote",
		"a=remote b=remote c=module", "a=module b=remote c=module", "a=remote b=module c=module",
	}
	if strings.Join(s, "|") != strings.Join(want, "|") {
		t.Fatalf("placements\n%s\nwant\n%s", strings.Join(s, "\n"), strings.Join(want, "\n"))
	}
}

// TestRuntimeAcrossTheHop runs a one-module app on a real server behind a
// 3 ms hop: remote calls pay both directions, module-mode calls do not,
// each mode's calls are counted in its own stats, and the measured oracle
// prefers the module in-process.
func TestRuntimeAcrossTheHop(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	mod := Module{Name: "m", MemMB: 2, Synth: actions.SynthParams{MemMB: 2, CPUMs: 0.2, ResponseBytes: 256, Actions: []string{"infer"}}}
	const hop = 3 * time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	r, err := NewRuntime(ctx, []Module{mod}, Options{Exe: exe, Clients: 1, HandleCPUMs: 0.1,
		Hop: func(string) Hop { return Hop{Delay: hop} }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.SetApp(App{Name: "one", Steps: []Step{{Module: "m", Action: "infer"}}})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	remote := r.Measure(ctx, 400*time.Millisecond)
	if _, err := r.Set("m", policy.ModeModule); err != nil {
		t.Fatal(err)
	}
	local := r.Measure(ctx, 400*time.Millisecond)
	rm, lm := remote.Modules[0], local.Modules[0]
	switch {
	case remote.Requests == 0 || local.Requests == 0:
		t.Fatalf("requests: %d remote, %d local", remote.Requests, local.Requests)
	case rm.Remote.Count == 0 || rm.Module.Count != 0:
		t.Errorf("remote window counted %+v", rm)
	case lm.Module.Count == 0 || lm.Remote.Count > 1: // one remote call may be in flight at the switch
		t.Errorf("module window counted %+v", lm)
	case rm.Remote.Mean < 2*hop:
		t.Errorf("remote call mean %v < the hop's round trip %v", rm.Remote.Mean, 2*hop)
	case lm.Module.Mean >= rm.Remote.Mean-hop:
		t.Errorf("module call mean %v not below remote %v by a hop", lm.Module.Mean, rm.Remote.Mean)
	case rm.Remote.Bytes == 0:
		t.Error("remote payload bytes not counted")
	}

	cands := Placements([]Module{mod}, policy.Budget{NodeMemMB: 100, BaseMemMB: 10})
	res, best, err := Oracle(ctx, r, cands, 2, 200*time.Millisecond, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[best].Placement["m"] != policy.ModeModule {
		t.Fatalf("oracle best %d of %+v, want module mode", best, res)
	}
	if p := r.Placement(); p["m"] != policy.ModeModule && p["m"] != policy.ModeRemote {
		t.Fatalf("placement after the oracle %v", p)
	}
}
