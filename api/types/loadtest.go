package types

import (
	"math"
	"strings"
)

// Static placements the load test knows besides the policies.
const (
	AllLocal  = "all_local"
	AllRemote = "all_remote"
)

// Bounds of jsorc_loadtest's numeric parameters. A value outside them is an
// ErrInvalid naming the limit, found before anything is loaded.
const (
	// MinLoadTestSeconds and MaxLoadTestSeconds bound experiment_duration,
	// eval_phase and perf_phase (one day).
	MinLoadTestSeconds = 0.1
	MaxLoadTestSeconds = 86400
	// MaxLoadTestClients bounds clients (one goroutine each).
	MaxLoadTestClients = 1000
	// MaxLoadTestRate bounds rate, in requests per second.
	MaxLoadTestRate = 100_000
	// MaxLoadTestMemGB bounds mem (16 TiB) and MaxLoadTestMemScale mem_scale.
	MaxLoadTestMemGB    = 16 << 10
	MaxLoadTestMemScale = 1000
	// MaxLoadTestPolicies bounds the comma-separated list of policies.
	MaxLoadTestPolicies = 8
)

// LoadTestParams are jsorc_loadtest's parameters, JSORC's names first.
type LoadTestParams struct {
	// Test names the run in the stored report (free text).
	Test string `json:"test,omitempty"`
	// Experiment is the app to drive.
	Experiment string `json:"experiment"`
	// Mem is the node memory in GB the placement must fit, as in JSORC's
	// experiment (4, 6, 8); MemScale scales it (and the runtime's 300 MB
	// base) to the modules' memory, 0.1 for testdata's modules.
	Mem      float64 `json:"mem,omitempty"`
	MemScale float64 `json:"mem_scale,omitempty"`
	// Policy is one placement or policy, or several separated by commas:
	// all_local, all_remote, evaluation, costmodel.
	Policy string `json:"policy"`
	// ExperimentDuration is each run's length in seconds (default 180).
	ExperimentDuration float64 `json:"experiment_duration,omitempty"`
	// EvalPhase and PerfPhase are the evaluation policy's phases in seconds.
	EvalPhase float64 `json:"eval_phase,omitempty"`
	PerfPhase float64 `json:"perf_phase,omitempty"`
	// Clients runs a closed loop of that many clients (default 1, as JSORC);
	// Rate runs an open loop of that many requests per second instead.
	Clients int     `json:"clients,omitempty"`
	Rate    float64 `json:"rate,omitempty"`
	// Ctx is each request's context.
	Ctx map[string]any `json:"ctx,omitempty"`
}

// CheckBounds checks every numeric parameter against its range (0 stands
// for the default where the parameter has one) and the number of policies.
func (p LoadTestParams) CheckBounds() error {
	seconds := []struct {
		name string
		v    float64
	}{{"experiment_duration", p.ExperimentDuration}, {"eval_phase", p.EvalPhase}, {"perf_phase", p.PerfPhase}}
	for _, s := range seconds {
		if s.v != 0 {
			if err := inRange("loadtest", s.name, s.v, MinLoadTestSeconds, MaxLoadTestSeconds, "seconds"); err != nil {
				return err
			}
		}
	}
	checks := []struct {
		name     string
		v, limit float64
		unit     string
	}{
		{"clients", float64(p.Clients), MaxLoadTestClients, "clients"},
		{"rate", p.Rate, MaxLoadTestRate, "requests per second"},
		{"mem", p.Mem, MaxLoadTestMemGB, "GB"},
		{"mem_scale", p.MemScale, MaxLoadTestMemScale, ""},
	}
	for _, c := range checks {
		if err := inRange("loadtest", c.name, c.v, 0, c.limit, c.unit); err != nil {
			return err
		}
	}
	if n := strings.Count(p.Policy, ",") + 1; n > MaxLoadTestPolicies {
		return Errorf(ErrInvalid, "loadtest: policy lists %d policies; the limit is %d", n, MaxLoadTestPolicies)
	}
	return nil
}

// inRange says, as an ErrInvalid naming the parameter and the limit, when v
// is not a number in [lo, hi].
func inRange(what, name string, v, lo, hi float64, unit string) error {
	if unit != "" {
		unit = " " + unit
	}
	if math.IsNaN(v) || v < lo || v > hi {
		return Errorf(ErrInvalid, "%s: %s %v is out of range: want %v..%v%s", what, name, v, lo, hi, unit)
	}
	return nil
}

// LoadPoint summarises the requests that completed during one second of a
// load test's run (the last point may cover less).
type LoadPoint struct {
	// Elapsed is the end of the second, in seconds since the start.
	Elapsed float64 `json:"t"`
	// Count and Errors are the requests completed, and those that failed.
	Count  uint64 `json:"count"`
	Errors uint64 `json:"errors"`
	// Rate is Count per second of the interval.
	Rate float64 `json:"rate"`
	// Mean, P50 and P99 are latencies in milliseconds.
	Mean float64 `json:"mean_ms"`
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
}

// LoadTestRun is the result of one app under one policy: JSORC's
// walker_level (benchmark report) and action_level (trackact history), plus
// the per-second series and the totals.
type LoadTestRun struct {
	WalkerLevel Report            `json:"walker_level"`
	ActionLevel []Entry           `json:"action_level"`
	Series      []LoadPoint       `json:"series"`
	Requests    uint64            `json:"requests"`
	Errors      uint64            `json:"errors"`
	MeanMS      float64           `json:"mean_latency_ms"`
	Placement   map[string]string `json:"final_placement"`
}

// LoadTestResult is JSORC's answer shape: app → policy → run.
type LoadTestResult map[string]map[string]LoadTestRun

// LoadTestStatus says what a running load test is doing.
type LoadTestStatus struct {
	Running  bool    `json:"running"`
	App      string  `json:"app,omitempty"`
	Policy   string  `json:"policy,omitempty"`
	Elapsed  float64 `json:"elapsed_s"`
	Duration float64 `json:"duration_s"`
	Requests uint64  `json:"requests"`
	Errors   uint64  `json:"errors"`
	LastP50  float64 `json:"last_p50_ms"`
}
