package types

import (
	"fmt"
	"time"
)

// DefaultPolicy is the policy that changes nothing automatically.
const DefaultPolicy = "default"

// PolicyState is the active action policy as jsorc_actionpolicy_get
// reports it: JSORC's name and parameters, what the policy is doing, and the
// last moves it made with their reasons.
type PolicyState struct {
	Name   string         `json:"policy_name"`
	Params map[string]any `json:"policy_params"`
	Since  time.Time      `json:"since"`
	// Phase and Status say what the policy is doing; NextAt when it next acts.
	Phase  string    `json:"phase,omitempty"`
	Status string    `json:"status,omitempty"`
	NextAt time.Time `json:"next_at,omitzero"`
	// Decisions are the latest moves, newest last.
	Decisions []PolicyMove `json:"decisions"`
	// Estimates is the policy's model of each module, when it has one.
	Estimates []Estimate `json:"estimates,omitempty"`
	// Available names the policies the engine knows, for a chooser.
	Available []string `json:"available,omitempty"`
}

// PolicyMove is one move a policy made, when, and why.
type PolicyMove struct {
	At     time.Time `json:"at"`
	Module string    `json:"module"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	// Error is set when the engine could not apply the move.
	Error string `json:"error,omitempty"`
	// Kind is MoveScale for the autoscaler's change of a remote module's
	// replicas (From and To are then both "remote", ReplicasFrom and
	// ReplicasTo the counts), empty for a change of mode.
	Kind         string `json:"kind,omitempty"`
	ReplicasFrom int    `json:"replicas_from,omitempty"`
	ReplicasTo   int    `json:"replicas_to,omitempty"`
}

// MoveScale is the Kind of a PolicyMove that changed replicas.
const MoveScale = "scale"

// Change renders what the move changed: "remote → module", or for a
// scaling "remote ×1 → ×4"; a missing mode shows as "—".
func (m PolicyMove) Change() string {
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	if m.Kind == MoveScale {
		return fmt.Sprintf("%s ×%d → ×%d", dash(m.From), m.ReplicasFrom, m.ReplicasTo)
	}
	return dash(m.From) + " → " + dash(m.To)
}

// Estimate is a policy's view of one module, for the console's policy pane
// and the API. Only policies that model modules fill it.
type Estimate struct {
	// Module is the module's name and Mode its current mode.
	Module string `json:"module"`
	Mode   string `json:"mode"`
	// MemMB is its in-process memory.
	MemMB float64 `json:"mem_mb"`
	// CallsPerRequest is its calls per request in the last window.
	CallsPerRequest float64 `json:"calls_per_request"`
	// ModuleMs and RemoteMs are the per-call latency estimates in each mode;
	// the Measured flags tell measured values from derived ones.
	ModuleMs       float64 `json:"module_ms"`
	RemoteMs       float64 `json:"remote_ms"`
	ModuleMeasured bool    `json:"module_measured"`
	RemoteMeasured bool    `json:"remote_measured"`
	// BenefitMs is what module mode saves over remote mode, in ms per
	// request (negative when remote is faster), and BenefitSE its standard
	// error.
	BenefitMs float64 `json:"benefit_ms"`
	BenefitSE float64 `json:"benefit_se_ms"`
	// PayloadBytes is the mean payload per call.
	PayloadBytes float64 `json:"payload_bytes"`
	// LockedUntil is the tick until which hysteresis keeps the module in its
	// mode (0 when free to move).
	LockedUntil int `json:"locked_until,omitempty"`
	// RemoteReplicas is how many remote replicas RemoteMs and RemoteMemMB
	// count on, for a module with a replicas range (0: one server, whose
	// memory is not the budget's).
	RemoteReplicas int     `json:"remote_replicas,omitempty"`
	RemoteMemMB    float64 `json:"remote_mem_mb,omitempty"`
}
