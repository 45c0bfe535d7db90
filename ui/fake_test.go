package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// goldenNow is the fixed clock of the golden files.
var goldenNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// fakeBackend is a deterministic in-memory Backend for tests of the
// console's drawing. The engine's own behaviour is tested with the engine.
type fakeBackend struct {
	mu      sync.Mutex
	modules map[string]types.ActionStatus
	stats   types.Stats
	policy  types.PolicyState

	services map[string]types.ServiceInfo
	// The measuring tools: whether each runs, and what it holds.
	benchOn  bool
	report   types.Report
	actOn    bool
	entries  []types.Entry
	sysOn    bool
	sys      types.SysReport
	loadTest types.LoadTestStatus
	// measureCalls counts the start and stop calls, by "tool verb".
	measureCalls map[string]int
	// events are the engine's kept events; modSeries each module's
	// graph history.
	events    []types.Event
	modSeries map[string][]types.Sample
	// log is the log every module's action server has (see opsEndpoints).
	log []byte
}

func strp(s string) *string { return &s }

// newFakeBackend has five modules in every state, measurements for two of
// them, and ten minutes of samples; sys adds CPU and memory samples.
func newFakeBackend(extra int, sys bool) *fakeBackend {
	f := &fakeBackend{
		modules: map[string]types.ActionStatus{
			"textenc": {RequestedMode: strp("remote"), Serving: "remote",
				Module:  types.ModuleStatus{Kind: "builtin", Builtin: "textenc", LocalMemRequirement: 120},
				Remote:  types.RemoteStatus{URL: "http://127.0.0.1:41234", Status: "READY", PID: 4242, Restarts: 1},
				Actions: []string{"encode", "cos_sim", "topk"}, Source: "builtin"},
			"echo": {RequestedMode: strp("module"), Serving: "module",
				Module:  types.ModuleStatus{Kind: "builtin", Builtin: "echo", Loaded: true, LocalMemRequirement: 1},
				Actions: []string{"echo", "args"}, Source: "builtin"},
			"synth":    {Module: types.ModuleStatus{Kind: "builtin", Builtin: "synth", LocalMemRequirement: 400}, Actions: []string{}, Source: "testdata/jsorc_modules.yaml"},
			"tfm_ner":  {RequestedMode: strp("remote"), Serving: "", Module: types.ModuleStatus{Kind: "builtin", Builtin: "synth", LocalMemRequirement: 101}, Remote: types.RemoteStatus{URL: "http://127.0.0.1:41235", Status: "STARTING", PID: 4343}, Actions: []string{}, Source: "testdata/jsorc_modules.yaml"},
			"use_qa":   {RequestedMode: strp("remote"), Serving: "", Module: types.ModuleStatus{Kind: "builtin", Builtin: "synth", LocalMemRequirement: 216}, Remote: types.RemoteStatus{Status: "CRASHED", Restarts: 5, LastError: "exit status 1"}, Actions: []string{}, Source: "testdata/jsorc_modules.yaml", LastError: "action server exited: exit status 1"},
			"ext_only": {Module: types.ModuleStatus{Kind: "external"}, Remote: types.RemoteStatus{URL: "http://10.0.0.9:8000"}, Actions: []string{}, Source: "ext.yaml"},
		},
		policy: types.PolicyState{Name: "costmodel", Params: map[string]any{"node_mem_mb": 4096.0}, Since: goldenNow.Add(-95 * time.Minute),
			Available: []string{"default", "evaluation", "costmodel"},
			Phase:     "hold", Status: "best placement held", NextAt: goldenNow.Add(7 * time.Second),
			Decisions: []types.PolicyMove{
				{At: goldenNow.Add(-70 * time.Second), Module: "textenc", From: "module", To: "remote", Reason: "remote saves 2.1 ms per request (±0.3)"},
				{At: goldenNow.Add(-40 * time.Second), Module: "echo", From: "", To: "module", Reason: "module mode saves 0.8 ms per request and fits the memory budget"},
			},
			Estimates: []types.Estimate{
				{Module: "textenc", Mode: "remote", MemMB: 120, ModuleMs: 6.2, RemoteMs: 4.1, BenefitMs: -2.1},
				{Module: "echo", Mode: "module", MemMB: 1, ModuleMs: 0.01, RemoteMs: 0.8, BenefitMs: 0.79},
			}},
	}
	f.services = fakeServices()
	f.benchOn, f.report = true, fakeReport()
	f.sysOn, f.sys = true, fakeSysReport()
	f.loadTest = types.LoadTestStatus{Running: true, App: "flow_analysis", Policy: "costmodel",
		Elapsed: 72.4, Duration: 180, Requests: 3818, Errors: 3, LastP50: 15.24}
	f.entries = []types.Entry{
		{TS: unixSeconds(goldenNow.Add(-2 * time.Second)), ActionsCalls: map[string]float64{"textenc.encode": 0.0046}, ActionsState: map[string]types.ActionMode{"textenc": {Mode: "remote"}}},
		{TS: unixSeconds(goldenNow.Add(-time.Second)), ActionsCalls: map[string]float64{"textenc.encode": 0.0044}},
		{TS: unixSeconds(goldenNow), ActionsCalls: map[string]float64{"textenc.encode": 0.0041, "echo.echo": 0.00002}},
	}
	f.measureCalls = map[string]int{}
	f.events = fakeEvents()
	f.modSeries = map[string][]types.Sample{}
	for i := 0; i < extra; i++ {
		name := fmt.Sprintf("mod%03d", i)
		st := types.ActionStatus{Module: types.ModuleStatus{Builtin: "synth", LocalMemRequirement: float64(i)}, Actions: []string{"a", "b"}, Source: "many.yaml"}
		if i%3 == 0 {
			st.Mode, st.RequestedMode, st.Serving, st.Module.Loaded = strp("module"), strp("module"), "module", true
		}
		f.modules[name] = st
	}
	f.stats = types.Stats{
		Actions: map[string]types.CallStats{
			"textenc.encode/remote":  {Calls: 12840, Rate: 41.5, MeanMS: 4.6, P50MS: 4.1, P99MS: 11.8},
			"textenc.cos_sim/remote": {Calls: 3120, Errors: 2, Rate: 9.8, MeanMS: 4.9, P50MS: 4.4, P99MS: 13.2},
			"echo.echo/module":       {Calls: 990, Rate: 3.3, MeanMS: 0.02, P50MS: 0.01, P99MS: 0.09},
		},
		Modules: map[string]types.CallStats{
			"textenc": {Calls: 15960, Errors: 2, Rate: 51.3, MeanMS: 4.66, P50MS: 4.4, P99MS: 13.2},
			"echo":    {Calls: 990, Rate: 3.3, MeanMS: 0.02, P50MS: 0.01, P99MS: 0.09},
		},
		Apps: map[string]types.CallStats{},
	}
	for i := 0; i < 600; i++ {
		x := float64(i)
		smp := types.Sample{
			TS:    goldenNow.Add(time.Duration(i-599) * time.Second),
			Rate:  50 + 30*math.Sin(x/20),
			P50MS: 4 + math.Sin(x/9),
			P99MS: 12 + 4*math.Sin(x/13),
			// App requests: a few calls each, so several times a call's latency.
			ReqRate:  8 + 4*math.Sin(x/20),
			ReqP50MS: 17 + 3*math.Sin(x/11),
			ReqP99MS: 41 + 9*math.Sin(x/17),
		}
		if sys {
			smp.CPUCores = 0.4 + 0.25*math.Sin(x/30)
			smp.MemBytes = uint64((180 + 40*math.Sin(x/40)) * (1 << 20))
			smp.SysSource = "test"
		}
		f.stats.Series = append(f.stats.Series, smp)
		mod := types.Sample{TS: smp.TS, Rate: 40 + 20*math.Sin(x/25), P50MS: 4.2 + 0.5*math.Sin(x/7), P99MS: 11 + 3*math.Sin(x/11)}
		if sys {
			mod.CPUCores, mod.MemBytes, mod.SysSource = 0.2+0.1*math.Sin(x/15), uint64(64<<20), "test"
		}
		f.modSeries["textenc"] = append(f.modSeries["textenc"], mod)
	}
	return f
}

func (f *fakeBackend) StatusAll(context.Context) (map[string]types.ActionStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]types.ActionStatus, len(f.modules))
	for k, v := range f.modules {
		out[k] = v
	}
	return out, nil
}

func (f *fakeBackend) Load(_ context.Context, name, mode string, _ bool) (types.ActionStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.modules[name]
	if !ok {
		return types.ActionStatus{}, fmt.Errorf("module %q is not configured", name)
	}
	st.Mode, st.RequestedMode, st.Serving = strp(modeName(mode)), strp(modeName(mode)), modeName(mode)
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
	if !ok || st.RequestedMode == nil {
		return "", fmt.Errorf("module %q is not loaded", name)
	}
	st.Mode, st.RequestedMode, st.Serving, st.Remote = nil, nil, "", types.RemoteStatus{}
	f.modules[name] = st
	return "unloaded " + name, nil
}

func (f *fakeBackend) PolicyGet(context.Context) (types.PolicyState, error) {
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

func (f *fakeBackend) Stats(_ context.Context, n int) (types.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.stats
	if n > 0 && len(st.Series) > n {
		st.Series = st.Series[len(st.Series)-n:]
	}
	return st, nil
}

func (f *fakeBackend) CallAction(_ context.Context, name string, _ map[string]any) (any, error) {
	return map[string]any{"called": name}, nil
}

// Call serves the endpoints the console uses from the fake's methods, the
// way the API's handlers serve them from the engine's.
func (f *fakeBackend) Call(ctx context.Context, endpoint string, params, answer any) error {
	h, ok := f.endpoints()[endpoint]
	if !ok {
		h, ok = f.opsEndpoints()[endpoint]
	}
	if !ok {
		return types.Errorf(types.ErrNotImplemented, "the fake backend has no %s", endpoint)
	}
	return h(ctx, params, answer)
}

// Events has no events: the fake changes only when the console asks.
func (f *fakeBackend) Events(context.Context) (<-chan types.Event, error) {
	return nil, types.Errorf(types.ErrNotImplemented, "the fake backend has no events")
}

func (f *fakeBackend) endpoints() map[string]func(ctx context.Context, params, answer any) error {
	type none = types.NoParams
	return map[string]func(ctx context.Context, params, answer any) error{
		types.ActionsStatus.Name(): types.Bind(types.ActionsStatus, func(ctx context.Context, _ types.ActionsStatusParams) (types.ActionsStatusAnswer, error) {
			all, err := f.StatusAll(ctx)
			return types.ActionsStatusAnswer{All: all}, err
		}),
		types.ActionsLoad.Name(): types.Bind(types.ActionsLoad, func(ctx context.Context, p types.ActionsLoadParams) (types.StatusAnswer, error) {
			st, err := f.Load(ctx, p.Name, p.Mode, p.Wait)
			return types.StatusAnswer{Status: st}, err
		}),
		types.ActionsUnload.Name(): types.Bind(types.ActionsUnload, func(ctx context.Context, p types.ActionsUnloadParams) (types.MessageAnswer, error) {
			msg, err := f.Unload(ctx, p.Name, p.Mode, p.RetireSvc == nil || *p.RetireSvc)
			return types.MessageAnswer{Message: msg}, err
		}),
		types.ActionsCall.Name(): types.Bind(types.ActionsCall, func(ctx context.Context, p types.CallParams) (types.CallAnswer, error) {
			res, err := f.CallAction(ctx, p.Name, p.Ctx)
			return types.CallAnswer{Result: res}, err
		}),
		types.PolicyGet.Name(): types.Bind(types.PolicyGet, func(ctx context.Context, _ none) (types.PolicyAnswer, error) {
			p, err := f.PolicyGet(ctx)
			return types.PolicyAnswer{Policy: p}, err
		}),
		types.PolicySet.Name(): types.Bind(types.PolicySet, func(ctx context.Context, p types.PolicySetParams) (types.MessageAnswer, error) {
			msg, err := f.PolicySet(ctx, p.PolicyName, p.PolicyParams)
			return types.MessageAnswer{Message: msg}, err
		}),
		types.EngineStats.Name(): types.Bind(types.EngineStats, func(ctx context.Context, p types.StatsParams) (types.StatsAnswer, error) {
			st, err := f.Stats(ctx, p.Samples)
			return types.StatsAnswer{Stats: st}, err
		}),
		types.Services.Name(): types.Bind(types.Services, func(ctx context.Context, _ none) (types.ServicesAnswer, error) {
			svc, err := f.ServiceInfo(ctx)
			return types.ServicesAnswer{Services: svc}, err
		}),
		types.BenchmarkStart.Name(): types.Bind(types.BenchmarkStart, func(ctx context.Context, _ none) (types.Empty, error) {
			return types.Empty{}, f.BenchmarkStart(ctx)
		}),
		types.BenchmarkReport.Name(): types.Bind(types.BenchmarkReport, func(ctx context.Context, _ none) (types.BenchmarkAnswer, error) {
			r, err := f.BenchmarkReport(ctx)
			return types.BenchmarkAnswer{Report: r}, err
		}),
		types.BenchmarkStop.Name(): types.Bind(types.BenchmarkStop, func(ctx context.Context, _ types.BenchmarkStopParams) (types.BenchmarkAnswer, error) {
			r, err := f.BenchmarkStop(ctx)
			return types.BenchmarkAnswer{Report: r}, err
		}),
		types.TrackActStart.Name(): types.Bind(types.TrackActStart, func(ctx context.Context, _ none) (types.Empty, error) {
			return types.Empty{}, f.TrackActStart(ctx)
		}),
		types.TrackActStop.Name(): types.Bind(types.TrackActStop, func(ctx context.Context, _ types.StopParams) (types.HistoryAnswer, error) {
			h, err := f.TrackActStop(ctx)
			return types.HistoryAnswer{History: h}, err
		}),
		types.TrackSysStart.Name(): types.Bind(types.TrackSysStart, func(ctx context.Context, _ none) (types.Empty, error) {
			return types.Empty{}, f.TrackSysStart(ctx)
		}),
		types.TrackSysReport.Name(): types.Bind(types.TrackSysReport, func(ctx context.Context, _ none) (types.SysReport, error) {
			return f.TrackSysReport(ctx)
		}),
		types.TrackSysStop.Name(): types.Bind(types.TrackSysStop, func(ctx context.Context, _ types.StopParams) (types.SysReport, error) {
			return f.TrackSysStop(ctx)
		}),
		types.LoadTestProgress.Name(): types.Bind(types.LoadTestProgress, func(ctx context.Context, _ none) (types.LoadTestStatus, error) {
			return f.LoadTestProgress(ctx)
		}),
		types.History.Name(): types.Bind(types.History, func(_ context.Context, p types.HistoryParams) (types.SeriesAnswer, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			pts := f.stats.Series
			if p.Module != "" {
				pts = f.modSeries[p.Module]
			}
			return types.SeriesAnswer{Module: p.Module, Points: append([]types.Sample{}, pts...)}, nil
		}),
		types.RecentEvents.Name(): types.Bind(types.RecentEvents, func(context.Context, types.EventsParams) (types.EventsAnswer, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			return types.EventsAnswer{Boot: "fake", Seq: uint64(len(f.events)), Events: append([]types.Event{}, f.events...), Complete: true}, nil
		}),
	}
}

// fakeEvents are a few minutes of events of every kind and cause.
func fakeEvents() []types.Event {
	at := func(s int) time.Time { return goldenNow.Add(time.Duration(s) * time.Second) }
	evs := []types.Event{
		{Type: types.EventConfig, Name: "actions", At: at(-300), Message: "configured all from testdata/jsorc_modules.yaml", Cause: types.CauseCLI},
		{Type: types.EventLoad, Name: "textenc", At: at(-240), Message: "load in module mode", Cause: types.CauseConsole},
		{Type: types.EventMeasure, Name: "benchmark", At: at(-200), Message: "started", Cause: types.CauseConsole},
		{Type: types.EventPolicy, Name: "costmodel", At: at(-180), Message: "policy set to costmodel", Cause: types.CauseAPI},
		{Type: types.EventSwitch, Name: "textenc", At: at(-70), Message: "module → remote: remote saves 2.1 ms per request (±0.3)", Cause: types.CausePolicy},
		{Type: types.EventCrash, Name: "use_qa", At: at(-30), Message: "action server crashed: exit status 1", Cause: types.CauseEngine},
		{Type: types.EventRestart, Name: "use_qa", At: at(-25), Message: "action server started again (restart 5)", Cause: types.CauseKeepAlive},
		{Type: types.EventService, Name: "redis", At: at(-12), Message: "down → running (repaired)", Cause: types.CauseKeepAlive},
		{Type: types.EventLoadTest, Name: "flow_analysis", At: at(-5), Message: "load test started: flow_analysis under costmodel, 180 s each", Cause: types.CauseCLI},
	}
	for i := range evs {
		evs[i].Seq = uint64(i + 1)
	}
	return evs
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// fakeServices has a kept-alive service in each common state, and one
// defined but not kept alive.
func fakeServices() map[string]types.ServiceInfo {
	return map[string]types.ServiceInfo{
		"redis": {Name: "redis", Enabled: true, Automation: true, State: types.ServiceReady,
			LastProbe: goldenNow.Add(-4 * time.Second), ProbeOK: true, PID: 4711,
			Endpoint: "127.0.0.1:40124", URL: "redis://127.0.0.1:40124"},
		"promon": {Name: "promon", Enabled: true, Automation: true, State: types.ServiceCrashed,
			LastProbe: goldenNow.Add(-9 * time.Second), ProbeError: "dial tcp 127.0.0.1:40125: connect: connection refused",
			LastError: "exited: exit status 2: level=error msg=\"Error loading config\" file=/var/lib/jsorc/services/promon/prometheus.yml err=\"parsing YAML: unknown field scrape_interval_s\"",
			Restarts:  4, Endpoint: "127.0.0.1:40125", URL: "http://127.0.0.1:40125/"},
		"db": {Name: "db", Enabled: true, Automation: true, State: types.ServiceNotInstalled,
			LastError: "postgres: executable file not found in $PATH (apt-get install postgresql)", Restarts: 2},
		"cache2": {Name: "cache2", Enabled: true, Automation: true, State: types.ServiceStarting, PID: 4790,
			Endpoint: "127.0.0.1:40127"},
		"queue": {Name: "queue", Enabled: false, Automation: true, State: types.ServiceStopped},
	}
}

// fakeReport is a benchmark report of two apps.
func fakeReport() types.Report {
	return types.Report{
		types.ReqTypeApp: {
			types.AllName:       {Throughput: 52.4, AverageLatency: 18.71, P50Latency: 15.2, P90Latency: 31.04, P95Latency: 38.4, P99Latency: 61.9},
			"flow_analysis":     {Throughput: 40.1, AverageLatency: 21.3, P50Latency: 17.8, P90Latency: 33.9, P95Latency: 40.2, P99Latency: 64.5},
			"virtual_assistant": {Throughput: 12.3, AverageLatency: 10.26, P50Latency: 9.1, P90Latency: 14.7, P95Latency: 17.3, P99Latency: 25.02},
		},
		"action_call": {
			types.AllName:     {Throughput: 2.1, AverageLatency: 0.42, P50Latency: 0.38, P90Latency: 0.61, P95Latency: 0.7, P99Latency: 1.3},
			types.DefaultName: {Throughput: 2.1, AverageLatency: 0.42, P50Latency: 0.38, P90Latency: 0.61, P95Latency: 0.7, P99Latency: 1.3},
		},
	}
}

// fakeSysReport is two tracksys states read from Prometheus.
func fakeSysReport() types.SysReport {
	st := func(d time.Duration) types.SysState {
		return types.SysState{TS: unixSeconds(goldenNow.Add(d)), Source: types.SourcePrometheus,
			Actions:    map[string]types.ActionMode{"textenc": {Mode: "remote"}},
			Prometheus: map[string]types.ProcStats{"textenc": {CPUCores: 0.31, MemBytes: 180 << 20}}}
	}
	return types.SysReport{Active: true, Source: types.SourcePrometheus, States: []types.SysState{st(-time.Second), st(0)}}
}

func (f *fakeBackend) ServiceInfo(context.Context) (map[string]types.ServiceInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]types.ServiceInfo, len(f.services))
	for k, v := range f.services {
		out[k] = v
	}
	return out, nil
}

// The fake's measuring errors read as the engine's do.
func fakeNotRunning(tool string) error {
	return fmt.Errorf("%s is %w: start it first with `jsorc %s start`", tool, types.ErrNotStarted, tool)
}

func fakeAlreadyRunning(tool string) error {
	return fmt.Errorf("%s is %w (since 15:00:00): stop it first with `jsorc %s stop`", tool, types.ErrAlreadyStarted, tool)
}

func (f *fakeBackend) count(call string) { f.measureCalls[call]++ }

func (f *fakeBackend) BenchmarkStart(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("benchmark start")
	if f.benchOn {
		return fakeAlreadyRunning("benchmark")
	}
	f.benchOn, f.report = true, types.Report{}
	return nil
}

func (f *fakeBackend) BenchmarkReport(context.Context) (types.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.benchOn {
		return nil, fakeNotRunning("benchmark")
	}
	return f.report, nil
}

func (f *fakeBackend) BenchmarkStop(context.Context) (types.Report, error) {
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

func (f *fakeBackend) TrackActStop(context.Context) ([]types.Entry, error) {
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
	f.sysOn, f.sys = true, types.SysReport{Active: true, States: []types.SysState{}}
	return nil
}

func (f *fakeBackend) TrackSysReport(context.Context) (types.SysReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sys, nil
}

func (f *fakeBackend) TrackSysStop(context.Context) (types.SysReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("tracksys stop")
	if !f.sysOn {
		return types.SysReport{States: []types.SysState{}}, fakeNotRunning("tracksys")
	}
	f.sysOn, f.sys.Active = false, false
	return f.sys, nil
}

func (f *fakeBackend) LoadTestProgress(context.Context) (types.LoadTestStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loadTest, nil
}
