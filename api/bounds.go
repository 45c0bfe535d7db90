package api

import (
	"fmt"
	"math"
)

// Bounds of the API's own numeric parameters. Those of a load test live
// with engine.LoadTestParams, those of a policy with the policy, those of an
// action with the action.
const (
	// MinLoadTimeout is the shortest timeout jsorc_actions_load takes, in
	// seconds; MaxLoadTimeout (one hour) the longest.
	MinLoadTimeout = 0.001
	MaxLoadTimeout = 3600
	// MaxSamples bounds jsorc_stats' samples.
	MaxSamples = 100_000
	// MaxReportsLimit bounds jsorc_reports' limit: the store keeps the
	// newest 100 of each kind.
	MaxReportsLimit = 100
)

// paramRange says, as a bad request naming the parameter and the limits,
// when v is not a number in [lo, hi].
func paramRange(name string, v, lo, hi float64, unit string) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		if unit != "" {
			unit = " " + unit
		}
		what := "out of range"
		if v < 0 && lo >= 0 {
			what = "negative"
		}
		return fmt.Errorf("%w: %s %v is %s: want %v..%v%s", errBadRequest, name, v, what, lo, hi, unit)
	}
	return nil
}

// Check bounds the timeout: 0 (the default, 60 s) or MinLoadTimeout to
// MaxLoadTimeout seconds.
func (p ActionsLoadParams) Check() error {
	if p.Timeout == 0 {
		return nil
	}
	return paramRange("timeout", p.Timeout, MinLoadTimeout, MaxLoadTimeout, "seconds")
}

// Check bounds samples: 0 (all) to MaxSamples.
func (p StatsParams) Check() error {
	return paramRange("samples", float64(p.Samples), 0, MaxSamples, "")
}

// Check bounds limit: 0 (all) to MaxReportsLimit.
func (p ReportsParams) Check() error {
	return paramRange("limit", float64(p.Limit), 0, MaxReportsLimit, "")
}
