package engine

import (
	"math"
	"strings"
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
		return errorf(ErrInvalid, "loadtest: policy lists %d policies; the limit is %d", n, MaxLoadTestPolicies)
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
		return errorf(ErrInvalid, "%s: %s %v is out of range: want %v..%v%s", what, name, v, lo, hi, unit)
	}
	return nil
}
