package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/engine/policy"
	"github.com/jsorc/jsorc/engine/services"
)

// goldenNow is the fixed clock of the golden files.
var goldenNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// fakeBackend is a deterministic in-memory Backend for tests of the
// console's drawing. The engine's own behaviour is tested with the engine.
type fakeBackend struct {
	mu      sync.Mutex
	modules map[string]engine.ActionStatus
	stats   engine.Stats
	policy  engine.PolicyState

	services map[string]services.Info
	// The measuring tools: whether each runs, and what it holds.
	benchOn  bool
	report   measure.Report
	actOn    bool
	entries  []measure.Entry
	sysOn    bool
	sys      measure.SysReport
	loadTest engine.LoadTestStatus
	// measureCalls counts the start and stop calls, by "tool verb".
	measureCalls map[string]int
}

func strp(s string) *string { return &s }

// newFakeBackend has five modules in every state, measurements for two of
// them, and ten minutes of samples; sys adds CPU and memory samples.
func newFakeBackend(extra int, sys bool) *fakeBackend {
	f := &fakeBackend{
		modules: map[string]engine.ActionStatus{
			"textenc": {Mode: strp("remote"), Serving: "remote",
				Module:  engine.ModuleStatus{Builtin: "textenc", LocalMemRequirement: 120},
				Remote:  engine.RemoteStatus{URL: "http://127.0.0.1:41234", Status: "READY", PID: 4242, Restarts: 1},
				Actions: []string{"encode", "cos_sim", "topk"}, Source: "builtin"},
			"echo": {Mode: strp("module"), Serving: "module",
				Module:  engine.ModuleStatus{Builtin: "echo", Loaded: true, LocalMemRequirement: 1},
				Actions: []string{"echo", "args"}, Source: "builtin"},
			"synth":    {Module: engine.ModuleStatus{Builtin: "synth", LocalMemRequirement: 400}, Actions: []string{}, Source: "testdata/jsorc_modules.yaml"},
			"tfm_ner":  {Mode: strp("remote"), Serving: "", Module: engine.ModuleStatus{Builtin: "synth", LocalMemRequirement: 101}, Remote: engine.RemoteStatus{URL: "http://127.0.0.1:41235", Status: "STARTING", PID: 4343}, Actions: []string{}, Source: "testdata/jsorc_modules.yaml"},
			"use_qa":   {Mode: strp("remote"), Serving: "", Module: engine.ModuleStatus{Builtin: "synth", LocalMemRequirement: 216}, Remote: engine.RemoteStatus{Status: "CRASHED", Restarts: 5, LastError: "exit status 1"}, Actions: []string{}, Source: "testdata/jsorc_modules.yaml", LastError: "action server exited: exit status 1"},
			"ext_only": {Remote: engine.RemoteStatus{URL: "http://10.0.0.9:8000"}, Actions: []string{}, Source: "ext.yaml"},
		},
		policy: engine.PolicyState{Name: "costmodel", Params: map[string]any{"node_mem_mb": 4096.0}, Since: goldenNow.Add(-95 * time.Minute),
			Phase: "hold", Status: "best placement held", NextAt: goldenNow.Add(7 * time.Second),
			Decisions: []engine.PolicyMove{
				{At: goldenNow.Add(-70 * time.Second), Module: "textenc", From: "module", To: "remote", Reason: "remote saves 2.1 ms per request (±0.3)"},
				{At: goldenNow.Add(-40 * time.Second), Module: "echo", From: "", To: "module", Reason: "module mode saves 0.8 ms per request and fits the memory budget"},
			},
			Estimates: []policy.Estimate{
				{Module: "textenc", Mode: "remote", MemMB: 120, ModuleMs: 6.2, RemoteMs: 4.1, BenefitMs: -2.1},
				{Module: "echo", Mode: "module", MemMB: 1, ModuleMs: 0.01, RemoteMs: 0.8, BenefitMs: 0.79},
			}},
	}
	f.services = fakeServices()
	f.benchOn, f.report = true, fakeReport()
	f.sysOn, f.sys = true, fakeSysReport()
	f.loadTest = engine.LoadTestStatus{Running: true, App: "flow_analysis", Policy: "costmodel",
		Elapsed: 72.4, Duration: 180, Requests: 3818, Errors: 3, LastP50: 15.24}
	f.entries = []measure.Entry{
		{TS: unixSeconds(goldenNow.Add(-2 * time.Second)), ActionsCalls: map[string]float64{"textenc.encode": 0.0046}, ActionsState: map[string]string{"textenc": "remote"}},
		{TS: unixSeconds(goldenNow.Add(-time.Second)), ActionsCalls: map[string]float64{"textenc.encode": 0.0044}},
		{TS: unixSeconds(goldenNow), ActionsCalls: map[string]float64{"textenc.encode": 0.0041, "echo.echo": 0.00002}},
	}
	f.measureCalls = map[string]int{}
	for i := 0; i < extra; i++ {
		name := fmt.Sprintf("mod%03d", i)
		st := engine.ActionStatus{Module: engine.ModuleStatus{Builtin: "synth", LocalMemRequirement: float64(i)}, Actions: []string{"a", "b"}, Source: "many.yaml"}
		if i%3 == 0 {
			st.Mode, st.Serving, st.Module.Loaded = strp("module"), "module", true
		}
		f.modules[name] = st
	}
	f.stats = engine.Stats{
		Actions: map[string]engine.CallStats{
			"textenc.encode/remote":  {Calls: 12840, Rate: 41.5, MeanMS: 4.6, P50MS: 4.1, P99MS: 11.8},
			"textenc.cos_sim/remote": {Calls: 3120, Errors: 2, Rate: 9.8, MeanMS: 4.9, P50MS: 4.4, P99MS: 13.2},
			"echo.echo/module":       {Calls: 990, Rate: 3.3, MeanMS: 0.02, P50MS: 0.01, P99MS: 0.09},
		},
		Modules: map[string]engine.CallStats{
			"textenc": {Calls: 15960, Errors: 2, Rate: 51.3, MeanMS: 4.66, P50MS: 4.4, P99MS: 13.2},
			"echo":    {Calls: 990, Rate: 3.3, MeanMS: 0.02, P50MS: 0.01, P99MS: 0.09},
		},
		Apps: map[string]engine.CallStats{},
	}
	for i := 0; i < 600; i++ {
		x := float64(i)
		smp := engine.Sample{
			TS:    goldenNow.Add(time.Duration(i-599) * time.Second),
			Rate:  50 + 30*math.Sin(x/20),
			P50MS: 4 + math.Sin(x/9),
			P99MS: 12 + 4*math.Sin(x/13),
		}
		if sys {
			smp.CPUCores = 0.4 + 0.25*math.Sin(x/30)
			smp.MemBytes = uint64((180 + 40*math.Sin(x/40)) * (1 << 20))
			smp.SysSource = "test"
		}
		f.stats.Series = append(f.stats.Series, smp)
	}
	return f
}

func (f *fakeBackend) StatusAll(context.Context) (map[string]engine.ActionStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]engine.ActionStatus, len(f.modules))
	for k, v := range f.modules {
		out[k] = v
	}
	return out, nil
}

func (f *fakeBackend) Load(_ context.Context, name, mode string, _ bool) (engine.ActionStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.modules[name]
	if !ok {
		return engine.ActionStatus{}, fmt.Errorf("module %q is not configured", name)
	}
	st.Mode, st.Serving = strp(modeName(mode)), modeName(mode)
	if mode == "remote" {
		st.Remote.Status = "READY"
	}
	f.modules[name] = st
	return st, nil
}

func (f *fakeBackend) Unload(_ context.Context, name, _ string, _ bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.modules[name]
	if !ok || st.Mode == nil {
		return "", fmt.Errorf("module %q is not loaded", name)
	}
	st.Mode, st.Serving, st.Remote = nil, "", engine.RemoteStatus{}
	f.modules[name] = st
	return "unloaded " + name, nil
}

func (f *fakeBackend) PolicyGet(context.Context) (engine.PolicyState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policy, nil
}

func (f *fakeBackend) PolicySet(_ context.Context, name string, _ map[string]any) (string, error) {
	if name != "default" {
		return "", errors.New("policy " + name + " is not built yet")
	}
	return "policy set to default", nil
}

func (f *fakeBackend) Stats(_ context.Context, n int) (engine.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.stats
	if n > 0 && len(st.Series) > n {
		st.Series = st.Series[len(st.Series)-n:]
	}
	return st, nil
}

func (f *fakeBackend) Call(_ context.Context, name string, _ map[string]any) (any, error) {
	return map[string]any{"called": name}, nil
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// fakeServices has a kept-alive service in each common state, and one
// defined but not kept alive.
func fakeServices() map[string]services.Info {
	return map[string]services.Info{
		"redis": {Name: "redis", Enabled: true, Automation: true, State: services.StateReady,
			LastProbe: goldenNow.Add(-4 * time.Second), ProbeOK: true, PID: 4711,
			Endpoint: "127.0.0.1:40124", URL: "redis://127.0.0.1:40124"},
		"promon": {Name: "promon", Enabled: true, Automation: true, State: services.StateCrashed,
			LastProbe: goldenNow.Add(-9 * time.Second), ProbeError: "dial tcp 127.0.0.1:40125: connect: connection refused",
			LastError: "exited: exit status 2: level=error msg=\"Error loading config\" file=/var/lib/jsorc/services/promon/prometheus.yml err=\"parsing YAML: unknown field scrape_interval_s\"",
			Restarts:  4, Endpoint: "127.0.0.1:40125", URL: "http://127.0.0.1:40125/"},
		"db": {Name: "db", Enabled: true, Automation: true, State: services.StateNotInstalled,
			LastError: "postgres: executable file not found in $PATH (apt-get install postgresql)", Restarts: 2},
		"cache2": {Name: "cache2", Enabled: true, Automation: true, State: services.StateStarting, PID: 4790,
			Endpoint: "127.0.0.1:40127"},
		"queue": {Name: "queue", Enabled: false, Automation: true, State: services.StateStopped},
	}
}

// fakeReport is a benchmark report of two apps.
func fakeReport() measure.Report {
	return measure.Report{
		engine.ReqTypeApp: {
			measure.AllName:     {Throughput: 52.4, AverageLatency: 18.71, P50Latency: 15.2, P90Latency: 31.04, P95Latency: 38.4, P99Latency: 61.9},
			"flow_analysis":     {Throughput: 40.1, AverageLatency: 21.3, P50Latency: 17.8, P90Latency: 33.9, P95Latency: 40.2, P99Latency: 64.5},
			"virtual_assistant": {Throughput: 12.3, AverageLatency: 10.26, P50Latency: 9.1, P90Latency: 14.7, P95Latency: 17.3, P99Latency: 25.02},
		},
		"action_call": {
			measure.AllName:     {Throughput: 2.1, AverageLatency: 0.42, P50Latency: 0.38, P90Latency: 0.61, P95Latency: 0.7, P99Latency: 1.3},
			measure.DefaultName: {Throughput: 2.1, AverageLatency: 0.42, P50Latency: 0.38, P90Latency: 0.61, P95Latency: 0.7, P99Latency: 1.3},
		},
	}
}

// fakeSysReport is two tracksys states read from Prometheus.
func fakeSysReport() measure.SysReport {
	st := func(d time.Duration) measure.SysState {
		return measure.SysState{TS: unixSeconds(goldenNow.Add(d)), Source: measure.SourcePrometheus,
			Actions:    map[string]measure.ActionMode{"textenc": {Mode: "remote"}},
			Prometheus: map[string]measure.ProcStats{"textenc": {CPUCores: 0.31, MemBytes: 180 << 20}}}
	}
	return measure.SysReport{Active: true, Source: measure.SourcePrometheus, States: []measure.SysState{st(-time.Second), st(0)}}
}

func (f *fakeBackend) ServiceInfo(context.Context) (map[string]services.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]services.Info, len(f.services))
	for k, v := range f.services {
		out[k] = v
	}
	return out, nil
}

// The fake's measuring errors read as the engine's do.
func fakeNotRunning(tool string) error {
	return fmt.Errorf("%s is %w: start it first with `jsorc %s start`", tool, measure.ErrNotStarted, tool)
}

func fakeAlreadyRunning(tool string) error {
	return fmt.Errorf("%s is %w (since 15:00:00): stop it first with `jsorc %s stop`", tool, measure.ErrAlreadyStarted, tool)
}

func (f *fakeBackend) count(call string) { f.measureCalls[call]++ }

func (f *fakeBackend) BenchmarkStart(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("benchmark start")
	if f.benchOn {
		return fakeAlreadyRunning("benchmark")
	}
	f.benchOn, f.report = true, measure.Report{}
	return nil
}

func (f *fakeBackend) BenchmarkReport(context.Context) (measure.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.benchOn {
		return nil, fakeNotRunning("benchmark")
	}
	return f.report, nil
}

func (f *fakeBackend) BenchmarkStop(context.Context) (measure.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("benchmark stop")
	if !f.benchOn {
		return nil, fakeNotRunning("benchmark")
	}
	f.benchOn = false
	return f.report, nil
}

func (f *fakeBackend) TrackActStart(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("trackact start")
	if f.actOn {
		return fakeAlreadyRunning("trackact")
	}
	f.actOn = true
	return nil
}

func (f *fakeBackend) TrackActStop(context.Context) ([]measure.Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("trackact stop")
	if !f.actOn {
		return nil, fakeNotRunning("trackact")
	}
	f.actOn = false
	return f.entries, nil
}

func (f *fakeBackend) TrackSysStart(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("tracksys start")
	if f.sysOn {
		return fakeAlreadyRunning("tracksys")
	}
	f.sysOn, f.sys = true, measure.SysReport{Active: true, States: []measure.SysState{}}
	return nil
}

func (f *fakeBackend) TrackSysReport(context.Context) (measure.SysReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sys, nil
}

func (f *fakeBackend) TrackSysStop(context.Context) (measure.SysReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("tracksys stop")
	if !f.sysOn {
		return measure.SysReport{States: []measure.SysState{}}, fakeNotRunning("tracksys")
	}
	f.sysOn, f.sys.Active = false, false
	return f.sys, nil
}

func (f *fakeBackend) LoadTestProgress(context.Context) (engine.LoadTestStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loadTest, nil
}
