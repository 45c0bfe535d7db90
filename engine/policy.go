package engine

import (
	"encoding/json"
	"fmt"
	"time"
)

// PolicyState is the active action policy as JSORC's actionpolicy_get
// reports it.
type PolicyState struct {
	Name   string         `json:"policy_name"`
	Params map[string]any `json:"policy_params"`
	Since  time.Time      `json:"since"`
}

// DefaultPolicy is the policy that changes nothing automatically.
const DefaultPolicy = "default"

func (e *Engine) loadPolicy() (PolicyState, error) {
	name, raw, err := e.store.Policy()
	if err != nil {
		return PolicyState{}, fmt.Errorf("engine: reading the policy: %w", err)
	}
	p := PolicyState{Name: DefaultPolicy, Params: map[string]any{}}
	if name == "" {
		return p, nil
	}
	p.Name = name
	if raw != nil {
		if err := json.Unmarshal(raw, &p.Params); err != nil {
			return PolicyState{}, fmt.Errorf("engine: stored policy params: %w", err)
		}
	}
	return p, nil
}

// PolicySet is JSORC's actionpolicy_set. Only "default" (no automatic
// change) exists so far; the measuring policies come with their issue.
func (e *Engine) PolicySet(name string, params map[string]any) (string, error) {
	switch name {
	case DefaultPolicy:
	case "evaluation", "predictive", "adaptive":
		return "", errorf(ErrNotImplemented, "policy %q is not built yet; the only policy is %q", name, DefaultPolicy)
	default:
		return "", errorf(ErrInvalid, "unknown policy %q (known: %s)", name, DefaultPolicy)
	}
	if len(params) > 0 {
		return "", errorf(ErrInvalid, "policy %q takes no parameters", name)
	}
	if err := e.store.SetPolicy(name, nil); err != nil {
		return "", fmt.Errorf("engine: storing the policy: %w", err)
	}
	e.mu.Lock()
	e.policy = PolicyState{Name: name, Params: map[string]any{}, Since: time.Now().UTC()}
	e.mu.Unlock()
	e.events.publish(Event{Kind: "policy", Name: name})
	return fmt.Sprintf("policy set to %s", name), nil
}

// PolicyGet is JSORC's actionpolicy_get.
func (e *Engine) PolicyGet() PolicyState {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.policy
}
