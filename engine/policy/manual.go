package policy

// manual is the default policy: modes change only on request. It keeps
// the autoscaler's parameters (and accepts, and ignores, the evaluation
// policy's).
type manual struct {
	vals map[string]float64
}

// Name returns "default".
func (manual) Name() string { return NameDefault }

// Params returns no parameters: the default policy has none of its own.
func (manual) Params() map[string]any { return map[string]any{} }

// Autoscale returns the autoscaler's parameters set with the policy.
func (m manual) Autoscale() AutoscaleParams { return autoscaleFrom(m.vals) }

// Tick keeps the observed placement.
func (manual) Tick(obs Observation) Decision {
	return Decision{
		Policy: NameDefault,
		At:     obs.At,
		Target: obs.Placement(),
		Phase:  "manual",
		Status: "no automatic change: modes change only on request",
	}
}
