package policy

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// SimModule is a module of the simulation, at JSORC's real memory figures.
type SimModule struct {
	// Name is the module's name.
	Name string `json:"name"`
	// MemMB is its in-process memory (local_mem_requirement).
	MemMB float64 `json:"mem_mb"`
	// CPUMs is the compute time of one call.
	CPUMs float64 `json:"cpu_ms"`
	// ModuleCPUMs, when positive, replaces CPUMs in module mode: a module
	// that computes slower (or faster) in-process than on its own server.
	ModuleCPUMs float64 `json:"module_cpu_ms,omitempty"`
	// ResponseBytes is the size of one call's result.
	ResponseBytes int `json:"response_bytes"`
	// Assumed marks a memory figure JSORC did not publish.
	Assumed bool `json:"assumed,omitempty"`
}

// SimApp is an app of the simulation: each request calls Modules in order,
// once each (a name may repeat).
type SimApp struct {
	// Name is the app's name.
	Name string `json:"name"`
	// Modules are the modules called per request, in order.
	Modules []string `json:"modules"`
}

// JSORCModules returns the modules of JSORC's experiment (DESIGN §7) at
// JSORC's measured in-process memory; ent_ext, vc_tts and stt, which JSORC
// did not measure, get testdata/jsorc_modules.yaml's assumed sizes × 10.
// CPU time and response sizes are testdata's assumptions.
func JSORCModules() []SimModule {
	return []SimModule{
		{Name: "use_enc", MemMB: 3998, CPUMs: 10, ResponseBytes: 4096},
		{Name: "use_qa", MemMB: 2157, CPUMs: 12, ResponseBytes: 2048},
		{Name: "summarization", MemMB: 2100, CPUMs: 25, ResponseBytes: 1024},
		{Name: "text_seg", MemMB: 1706, CPUMs: 8, ResponseBytes: 1024},
		{Name: "sbert_sim", MemMB: 1209, CPUMs: 10, ResponseBytes: 256},
		{Name: "tfm_ner", MemMB: 1014, CPUMs: 12, ResponseBytes: 512},
		{Name: "bi_enc", MemMB: 334, CPUMs: 4, ResponseBytes: 2048},
		{Name: "cl_summer", MemMB: 152, CPUMs: 6, ResponseBytes: 1024},
		{Name: "ent_ext", MemMB: 1010, CPUMs: 6, ResponseBytes: 512, Assumed: true},
		{Name: "vc_tts", MemMB: 800, CPUMs: 20, ResponseBytes: 16384, Assumed: true},
		{Name: "stt", MemMB: 1200, CPUMs: 20, ResponseBytes: 512, Assumed: true},
	}
}

// JSORCApps returns JSORC's eight experiment apps as testdata/jsorc_apps.yaml
// models them (virtual_assistant's five modules are an assumption there).
func JSORCApps() []SimApp {
	return []SimApp{
		{Name: "zeroshot_faq_bot", Modules: []string{"text_seg", "use_qa"}},
		{Name: "sentence_pairing", Modules: []string{"sbert_sim", "bi_enc"}},
		{Name: "discussion_analysis", Modules: []string{"bi_enc", "cl_summer"}},
		{Name: "flight_chatbot", Modules: []string{"use_qa", "ent_ext"}},
		{Name: "restaurant_chatbot", Modules: []string{"bi_enc", "tfm_ner"}},
		{Name: "virtual_assistant", Modules: []string{"use_enc", "bi_enc", "use_qa", "ent_ext", "summarization"}},
		{Name: "flow_analysis", Modules: []string{"text_seg", "tfm_ner", "use_enc"}},
		{Name: "weather_and_time_assistance", Modules: []string{"stt", "bi_enc", "vc_tts"}},
	}
}

// LatencyModel is the simulation's stated latency model:
//
//   - a call in module mode costs the module's CPUMs (ModuleCPUMs if set);
//   - a call in remote mode costs CPUMs + HopMs + payload / BandwidthMBps,
//     the payload being the call's input (the previous step's response, or
//     ContextBytes for a request's first call) plus its response;
//   - a request costs the sum of its calls; nothing else (no in-process CPU
//     contention and no memory pressure: a placement fits the budget or is
//     not used);
//   - Clients closed-loop clients run requests back to back, so a 1 s
//     window holds Clients × 1000 / latency requests;
//   - measured means carry seeded Gaussian noise: each call deviates by
//     Noise (relative standard deviation), so a window's mean over n calls
//     deviates by Noise / √n; observations report that per-call spread as
//     CallStats.Stddev unless HideStddev.
type LatencyModel struct {
	// HopMs is the fixed cost of a remote call (connection, HTTP, JSON).
	HopMs float64 `json:"hop_ms"`
	// BandwidthMBps is the transfer rate of payloads (1 MB = 10^6 bytes).
	BandwidthMBps float64 `json:"bandwidth_mbps"`
	// ContextBytes is the size of a request's input to its first call.
	ContextBytes int `json:"context_bytes"`
	// Noise is the relative standard deviation of one call's latency.
	Noise float64 `json:"noise"`
	// Clients is the number of closed-loop clients.
	Clients int `json:"clients"`
	// HideStddev leaves CallStats.Stddev unknown in the observations, as
	// from an engine that reports no per-call spread.
	HideStddev bool `json:"hide_stddev,omitempty"`
}

// DefaultLatencyModel is a 2 ms hop, 100 MB/s, 256-byte contexts, 10 %
// per-call noise and one client.
func DefaultLatencyModel() LatencyModel {
	return LatencyModel{HopMs: 2, BandwidthMBps: 100, ContextBytes: 256, Noise: 0.1, Clients: 1}
}

// String states the model.
func (m LatencyModel) String() string {
	return fmt.Sprintf("latency model: module call = cpu_ms; remote call = cpu_ms + %.2f ms + payload/(%g MB/s), "+
		"payload = input (previous response, first call %d B) + response; request = sum of its calls; "+
		"no CPU contention or memory pressure; %d closed-loop client(s), 1 s ticks; per-call noise %.0f%% (seeded)",
		m.HopMs, m.BandwidthMBps, m.ContextBytes, m.Clients, m.Noise*100)
}

// simCall is one call of a request.
type simCall struct {
	mod     SimModule
	inBytes int
}

// world resolves names against the catalog.
type world struct {
	mods  map[string]SimModule
	apps  map[string]SimApp
	model LatencyModel
}

func newWorld(mods []SimModule, apps []SimApp, model *LatencyModel) (*world, error) {
	if mods == nil {
		mods = JSORCModules()
	}
	if apps == nil {
		apps = JSORCApps()
	}
	w := &world{mods: map[string]SimModule{}, apps: map[string]SimApp{}, model: DefaultLatencyModel()}
	if model != nil {
		w.model = *model
	}
	if w.model.BandwidthMBps <= 0 || w.model.Clients <= 0 || w.model.HopMs < 0 || w.model.Noise < 0 {
		return nil, fmt.Errorf("policy: latency model: want bandwidth > 0, clients > 0, hop ≥ 0, noise ≥ 0, got %+v", w.model)
	}
	for _, m := range mods {
		w.mods[m.Name] = m
	}
	for _, a := range apps {
		for _, n := range a.Modules {
			if _, ok := w.mods[n]; !ok {
				return nil, fmt.Errorf("policy: app %q calls unknown module %q", a.Name, n)
			}
		}
		if len(a.Modules) == 0 {
			return nil, fmt.Errorf("policy: app %q calls no module", a.Name)
		}
		w.apps[a.Name] = a
	}
	return w, nil
}

func (w *world) app(name string) (SimApp, error) {
	a, ok := w.apps[name]
	if !ok {
		return SimApp{}, fmt.Errorf("policy: unknown app %q", name)
	}
	return a, nil
}

// calls lists a request's calls with their input sizes.
func (w *world) calls(a SimApp) []simCall {
	cs := make([]simCall, len(a.Modules))
	in := w.model.ContextBytes
	for i, n := range a.Modules {
		m := w.mods[n]
		cs[i] = simCall{mod: m, inBytes: in}
		in = m.ResponseBytes
	}
	return cs
}

// callMs is the model's latency of one call.
func (w *world) callMs(c simCall, mode Mode) float64 {
	if mode == ModeModule {
		if c.mod.ModuleCPUMs > 0 {
			return c.mod.ModuleCPUMs
		}
		return c.mod.CPUMs
	}
	return c.mod.CPUMs + w.model.HopMs + float64(c.inBytes+c.mod.ResponseBytes)/(w.model.BandwidthMBps*1e3)
}

// requestMs is the model's latency of one request of a under p.
func (w *world) requestMs(a SimApp, p Placement) float64 {
	var sum float64
	for _, c := range w.calls(a) {
		sum += w.callMs(c, p[c.mod.Name])
	}
	return sum
}

// memMB is the in-process memory p uses.
func (w *world) memMB(p Placement) float64 {
	var sum float64
	for n, m := range p {
		if m == ModeModule {
			sum += w.mods[n].MemMB
		}
	}
	return sum
}

// oracle is the best static placement of names that fits b, by brute force
// over the 2^n placements, for app a; ties go to fewer in-process modules.
func (w *world) oracle(a SimApp, names []string, b Budget) (Placement, float64, bool) {
	var best Placement
	bestMs := math.Inf(1)
	bestLocal := 0
	for mask := range 1 << len(names) {
		p := make(Placement, len(names))
		local := 0
		for i, n := range names {
			p[n] = ModeRemote
			if mask>>i&1 == 1 {
				p[n] = ModeModule
				local++
			}
		}
		if !b.Fits(w.memMB(p)) {
			continue
		}
		ms := w.requestMs(a, p)
		if ms < bestMs-1e-9 || (math.Abs(ms-bestMs) <= 1e-9 && local < bestLocal) {
			best, bestMs, bestLocal = p, ms, local
		}
	}
	return best, bestMs, best != nil
}

// Segment is a stretch of a simulated run: Ticks one-second ticks of App.
type Segment struct {
	// App is the app the clients run.
	App string `json:"app"`
	// Ticks is how many ticks it lasts.
	Ticks int `json:"ticks"`
}

// RunConfig configures one simulated run of a policy.
type RunConfig struct {
	// Modules and Apps are the catalog; nil means JSORCModules and JSORCApps.
	Modules []SimModule
	Apps    []SimApp
	// Load lists the managed modules; nil means every module the workload's
	// apps call.
	Load []string
	// Workload is the sequence of segments to run.
	Workload []Segment
	// NodeMemMB and BaseMemMB are the memory budget fed to the policy
	// (BaseMemMB 0 means DefaultBaseMemMB).
	NodeMemMB, BaseMemMB float64
	// Model is the latency model; nil means DefaultLatencyModel.
	Model *LatencyModel
	// Start is the initial placement; modules it omits start remote.
	Start Placement
	// Seed seeds the noise.
	Seed uint64
}

// Step is one tick of a simulated run.
type Step struct {
	// Tick counts from 1.
	Tick int `json:"tick"`
	// App is the app run during the tick.
	App string `json:"app"`
	// Placement is the placement in force during the tick's window.
	Placement Placement `json:"placement"`
	// LatencyMs is the model's (noise-free) request latency under Placement.
	LatencyMs float64 `json:"latency_ms"`
	// Requests is the number of requests in the window.
	Requests int `json:"requests"`
	// Moves are the moves the policy returned, applied at the end of the tick.
	Moves []Move `json:"moves,omitempty"`
	// Phase and Status are the policy's.
	Phase  string `json:"phase"`
	Status string `json:"status"`
	// LocalMemMB is the in-process memory after the moves.
	LocalMemMB float64 `json:"local_mem_mb"`
}

// Trace is the record of a simulated run.
type Trace struct {
	// Budget is the memory budget of the run.
	Budget Budget `json:"budget"`
	// Steps holds one entry per tick.
	Steps []Step `json:"steps"`
}

// Run drives p through the workload the way the engine does: each tick it
// builds the observation of the window from the latency model under the
// placement in force, calls Tick and applies the returned moves at once
// (the next window measures the new placement). It fails on an unknown app or
// module, or a move the engine would reject.
func Run(p Policy, cfg RunConfig) (Trace, error) {
	w, err := newWorld(cfg.Modules, cfg.Apps, cfg.Model)
	if err != nil {
		return Trace{}, err
	}
	if cfg.NodeMemMB <= 0 {
		return Trace{}, errors.New("policy: run: NodeMemMB must be positive")
	}
	names := slices.Clone(cfg.Load)
	if names == nil {
		for _, s := range cfg.Workload {
			a, err := w.app(s.App)
			if err != nil {
				return Trace{}, err
			}
			names = append(names, a.Modules...)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	for _, n := range names {
		if _, ok := w.mods[n]; !ok {
			return Trace{}, fmt.Errorf("policy: run: unknown module %q", n)
		}
	}
	place := make(Placement, len(names))
	for _, n := range names {
		place[n] = ModeRemote
		if m, ok := cfg.Start[n]; ok {
			place[n] = m
		}
	}
	since := make(map[string]time.Time, len(names))
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := Trace{Budget: Budget{NodeMemMB: cfg.NodeMemMB, BaseMemMB: cfg.BaseMemMB}}
	if tr.Budget.BaseMemMB <= 0 {
		tr.Budget.BaseMemMB = DefaultBaseMemMB
	}
	tick := 0
	for _, seg := range cfg.Workload {
		a, err := w.app(seg.App)
		if err != nil {
			return Trace{}, err
		}
		calls := w.calls(a)
		for range seg.Ticks {
			tick++
			at := t0.Add(time.Duration(tick) * time.Second)
			obs, lat, reqs := w.observe(rng, a, calls, names, place, since, at, cfg)
			d := p.Tick(obs)
			step := Step{Tick: tick, App: a.Name, Placement: place.Clone(), LatencyMs: lat, Requests: reqs,
				Moves: d.Moves, Phase: d.Phase, Status: d.Status}
			for _, mv := range d.Moves {
				if _, ok := place[mv.Module]; !ok {
					return Trace{}, fmt.Errorf("policy: run: tick %d: move of unmanaged module %q", tick, mv.Module)
				}
				if mv.To != ModeModule && mv.To != ModeRemote {
					return Trace{}, fmt.Errorf("policy: run: tick %d: move of %q to mode %q", tick, mv.Module, mv.To)
				}
				place[mv.Module] = mv.To
				since[mv.Module] = at
			}
			step.LocalMemMB = w.memMB(place)
			tr.Steps = append(tr.Steps, step)
		}
	}
	return tr, nil
}

// observe builds one window's observation under place.
func (w *world) observe(rng *rand.Rand, a SimApp, calls []simCall, names []string, place Placement,
	since map[string]time.Time, at time.Time, cfg RunConfig) (Observation, float64, int) {
	lat := 0.0
	for _, c := range calls {
		lat += w.callMs(c, place[c.mod.Name])
	}
	reqs := max(1, int(float64(w.model.Clients)*1000/lat))
	type agg struct {
		n       int
		sumMs   float64
		bytes   int
		noisyMs float64
	}
	per := map[string]*agg{}
	for _, c := range calls {
		g := per[c.mod.Name]
		if g == nil {
			g = &agg{}
			per[c.mod.Name] = g
		}
		g.n += reqs
		g.sumMs += w.callMs(c, place[c.mod.Name]) * float64(reqs)
		g.bytes += (c.inBytes + c.mod.ResponseBytes) * reqs
	}
	var reqMs float64
	for _, n := range names { // name order keeps the noise deterministic
		g := per[n]
		if g == nil {
			continue
		}
		mean := g.sumMs / float64(g.n)
		g.noisyMs = max(0, mean*(1+w.model.Noise*rng.NormFloat64()/math.Sqrt(float64(g.n))))
		reqMs += g.noisyMs * float64(g.n) / float64(reqs)
	}
	obs := Observation{At: at, Window: time.Second, NodeMemMB: cfg.NodeMemMB, BaseMemMB: cfg.BaseMemMB,
		Apps: []AppObs{{Name: a.Name, Requests: uint64(reqs), Mean: fromMs(reqMs)}}}
	for _, n := range names {
		mo := ModuleObs{Name: n, Mode: place[n], Since: since[n], MemMB: w.mods[n].MemMB}
		if g := per[n]; g != nil {
			cs := CallStats{Count: uint64(g.n), Mean: fromMs(g.noisyMs), Bytes: uint64(g.bytes)}
			if !w.model.HideStddev {
				cs.Stddev = fromMs(w.model.Noise * g.sumMs / float64(g.n))
			}
			if place[n] == ModeModule {
				mo.Module = cs
			} else {
				mo.Remote = cs
			}
		}
		obs.Modules = append(obs.Modules, mo)
	}
	return obs, lat, reqs
}

// fromMs converts float milliseconds to a Duration.
func fromMs(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// Final returns the placement after the last tick's moves.
func (t Trace) Final() Placement {
	if len(t.Steps) == 0 {
		return Placement{}
	}
	last := t.Steps[len(t.Steps)-1]
	p := last.Placement.Clone()
	for _, mv := range last.Moves {
		p[mv.Module] = mv.To
	}
	return p
}

// LastChange returns the last tick whose moves changed the placement, or 0.
func (t Trace) LastChange() int {
	for i := len(t.Steps) - 1; i >= 0; i-- {
		if len(t.Steps[i].Moves) > 0 {
			return t.Steps[i].Tick
		}
	}
	return 0
}

// Switches returns, per module, the ticks at which it switched.
func (t Trace) Switches() map[string][]int {
	out := map[string][]int{}
	for _, s := range t.Steps {
		for _, mv := range s.Moves {
			out[mv.Module] = append(out[mv.Module], s.Tick)
		}
	}
	return out
}

// MaxSwitchesIn returns, per module that switched, the most switches it made
// within any span of window consecutive ticks.
func (t Trace) MaxSwitchesIn(window int) map[string]int {
	out := map[string]int{}
	for n, ticks := range t.Switches() {
		best := 0
		for i := range ticks {
			j := i
			for j < len(ticks) && ticks[j]-ticks[i] < window {
				j++
			}
			best = max(best, j-i)
		}
		out[n] = best
	}
	return out
}

// MeanLatencyMs returns the request-weighted mean model latency of the run.
func (t Trace) MeanLatencyMs() float64 {
	var sum float64
	var n int
	for _, s := range t.Steps {
		sum += s.LatencyMs * float64(s.Requests)
		n += s.Requests
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// MaxLocalMemMB returns the most in-process memory the policy's moves left
// in place at the end of any tick.
func (t Trace) MaxLocalMemMB() float64 {
	var m float64
	for _, s := range t.Steps {
		m = max(m, s.LocalMemMB)
	}
	return m
}
