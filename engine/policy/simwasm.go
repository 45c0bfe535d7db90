package policy

import (
	"fmt"
	"slices"
	"strings"
)

// WasmScenario is the simulation of a WebAssembly module beside JSORC's
// Python-sized ones: app semantic_search calls a wasm tokenizer/ranker
// (textrank_wasm), use_qa and bi_enc. A wasm module's in-process cost is
// measured by the engine (compiled code plus linear memory, from the moment
// it is configured) and reported as its local_mem_requirement, where a
// Python module's is a declared guess. The scenario runs jsorc's policy
// twice on the same workload and budget: once fed the figure a config would
// declare for such a module, once the measured one.
type WasmScenario struct {
	// App, Module and BudgetGB say what ran.
	App      string  `json:"app"`
	Module   string  `json:"module"`
	BudgetGB float64 `json:"budget_gb"`
	// DeclaredMB and MeasuredMB are the two memory figures fed to the
	// policy.
	DeclaredMB float64 `json:"declared_mb"`
	MeasuredMB float64 `json:"measured_mb"`
	// Declared and Measured are the outcomes under each figure.
	Declared WasmOutcome `json:"declared"`
	Measured WasmOutcome `json:"measured"`
}

// WasmOutcome is one run of WasmScenario.
type WasmOutcome struct {
	Final     Placement `json:"final"`
	MeanMs    float64   `json:"mean_ms"`
	OracleMs  float64   `json:"oracle_ms"`
	Converged int       `json:"converged_tick"`
}

// The wasm module of the scenario: the textrank example's measured size on
// the development machine (the C build: ~0.4 MB of compiled code and one
// instance's memory; the Go build ~17 MB), rounded up to 20 MB; a call
// costs about 0.1 ms in-process, as measured; and the declared figure is
// what a config would give by analogy with a Python text model.
const (
	wasmModule     = "textrank_wasm"
	wasmApp        = "semantic_search"
	wasmMeasuredMB = 20
	wasmDeclaredMB = 1200
)

// WasmCatalog is JSORC's modules plus the scenario's wasm module, with its
// local_mem_requirement set to mem; and JSORC's apps plus semantic_search.
func WasmCatalog(mem float64) ([]SimModule, []SimApp) {
	mods := append(JSORCModules(), SimModule{Name: wasmModule, MemMB: mem, CPUMs: 0.1, ResponseBytes: 2048})
	apps := append(JSORCApps(), SimApp{Name: wasmApp, Modules: []string{wasmModule, "use_qa", "bi_enc"}})
	return mods, apps
}

// SimulateWasm runs WasmScenario at a 4 GB node.
func SimulateWasm(cfg SimConfig) (WasmScenario, error) {
	sc := WasmScenario{App: wasmApp, Module: wasmModule, BudgetGB: 4, DeclaredMB: wasmDeclaredMB, MeasuredMB: wasmMeasuredMB}
	for _, run := range []struct {
		mem float64
		out *WasmOutcome
	}{{wasmDeclaredMB, &sc.Declared}, {wasmMeasuredMB, &sc.Measured}} {
		mods, apps := WasmCatalog(run.mem)
		c := cfg
		c.Modules, c.Apps = mods, apps
		w, err := newWorld(mods, apps, c.Model)
		if err != nil {
			return WasmScenario{}, err
		}
		a, err := w.app(wasmApp)
		if err != nil {
			return WasmScenario{}, err
		}
		p, err := New(c.own(), c.Params)
		if err != nil {
			return WasmScenario{}, err
		}
		b := c.budget(sc.BudgetGB)
		tr, err := Run(p, RunConfig{Modules: mods, Apps: apps, Workload: []Segment{{App: wasmApp, Ticks: 30}},
			NodeMemMB: b.NodeMemMB, BaseMemMB: b.BaseMemMB, Model: c.Model, Seed: c.Seed})
		if err != nil {
			return WasmScenario{}, err
		}
		run.out.Final = tr.Final()
		run.out.MeanMs = w.requestMs(a, run.out.Final)
		run.out.Converged = tr.LastChange()
		names := slices.Clone(a.Modules)
		slices.Sort(names)
		_, run.out.OracleMs, _ = w.oracle(a, names, b)
	}
	return sc, nil
}

// String renders the scenario in a few lines.
func (s WasmScenario) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wasm module: %s (%s) at %g GB; the policy fed its declared size vs its measured size:\n", s.Module, s.App, s.BudgetGB)
	for _, r := range []struct {
		what string
		mb   float64
		o    WasmOutcome
	}{{"declared", s.DeclaredMB, s.Declared}, {"measured", s.MeasuredMB, s.Measured}} {
		fmt.Fprintf(&b, "  %-8s %6g MB: %s, %.2f ms/request (oracle %.2f ms), last move at tick %d\n",
			r.what, r.mb, placementShort(r.o.Final), r.o.MeanMs, r.o.OracleMs, r.o.Converged)
	}
	return b.String()
}
