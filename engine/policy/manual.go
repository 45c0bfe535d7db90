package policy

// manual is the default policy: modes change only on request.
type manual struct{}

// Name returns "default".
func (manual) Name() string { return NameDefault }

// Params returns no parameters.
func (manual) Params() map[string]any { return map[string]any{} }

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
