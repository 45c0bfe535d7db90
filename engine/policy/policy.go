package policy

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// Mode is where a module serves its calls. The values match the engine's.
type Mode string

// Modes. ModeNone is a managed module that has no placement yet.
const (
	ModeNone   Mode = ""
	ModeModule Mode = "module"
	ModeRemote Mode = "remote"
)

// Memory rule and defaults shared by the policies.
const (
	// MemLimitFraction is JSORC's rule: in-process memory (runtime base plus
	// every in-process module) must stay at or under this fraction of the
	// node's memory.
	MemLimitFraction = 0.8
	// DefaultBaseMemMB is the runtime's own memory when the observation and
	// the parameters give none (JSORC's figure).
	DefaultBaseMemMB = 300.0
	// DefaultWindow is the length of an observation window (one policy tick)
	// when Observation.Window is zero.
	DefaultWindow = time.Second
)

// memEpsilonMB absorbs floating-point error in memory sums.
const memEpsilonMB = 1e-6

// Placement maps module names to modes.
type Placement map[string]Mode

// Clone returns a copy of p.
func (p Placement) Clone() Placement {
	q := make(Placement, len(p))
	for k, v := range p {
		q[k] = v
	}
	return q
}

// Equal reports whether p and q assign the same modes to the same modules.
func (p Placement) Equal(q Placement) bool {
	if len(p) != len(q) {
		return false
	}
	for k, v := range p {
		if w, ok := q[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// String renders p as "a=module b=remote" in name order; a module with no
// mode shows as "a=none".
func (p Placement) String() string {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		m := p[n]
		if m == ModeNone {
			m = "none"
		}
		fmt.Fprintf(&b, "%s=%s", n, m)
	}
	return b.String()
}

// Budget is the memory budget of the in-process runtime: everything loaded
// in-process plus the runtime's base must fit under MemLimitFraction of the
// node's memory.
type Budget struct {
	// NodeMemMB is the node's memory in MB.
	NodeMemMB float64 `json:"node_mem_mb"`
	// BaseMemMB is the runtime's own memory in MB.
	BaseMemMB float64 `json:"base_mem_mb"`
}

// LimitMB is MemLimitFraction of the node's memory.
func (b Budget) LimitMB() float64 { return MemLimitFraction * b.NodeMemMB }

// CapacityMB is the memory left for in-process modules: LimitMB minus the
// runtime base. It is negative when the base alone exceeds the limit.
func (b Budget) CapacityMB() float64 { return b.LimitMB() - b.BaseMemMB }

// Fits reports whether in-process modules using localMB fit the budget.
func (b Budget) Fits(localMB float64) bool {
	return b.BaseMemMB+localMB <= b.LimitMB()+memEpsilonMB
}

// CallStats summarises the calls a module served in one mode during an
// observation window. The engine fills it from the track package's delta
// Snapshot of that mode: Count, Mean() and Bytes, and Stddev if it can.
type CallStats struct {
	// Count is the number of calls served; 0 means no measurement.
	Count uint64 `json:"count"`
	// Mean is the mean per-call latency as the caller saw it.
	Mean time.Duration `json:"mean"`
	// Stddev is the standard deviation of the per-call latency, if known
	// (0: unknown; a policy then judges noise from the spread of window
	// means). The engine may estimate it from the Snapshot's histogram.
	Stddev time.Duration `json:"stddev,omitempty"`
	// Bytes is the total payload (request plus response) of those calls.
	Bytes uint64 `json:"bytes"`
	// Server is, for remote calls, the mean time their server reported
	// the action ran (0: not reported, as Jaseci's servers do not): Mean
	// minus Server is what the hop cost this module's calls, and Server
	// what the same work costs in-process before contention.
	Server time.Duration `json:"server,omitempty"`
}

// ModuleObs is what the engine reports about one managed module.
type ModuleObs struct {
	// Name is the module's name.
	Name string `json:"name"`
	// Mode is the mode serving calls now; ModeNone if the module has no
	// placement yet (policies place it).
	Mode Mode `json:"mode"`
	// Pending is the mode a make-before-break switch in progress is moving
	// the module to, or ModeNone when no switch is in progress.
	Pending Mode `json:"pending,omitempty"`
	// Since is when Mode took effect (the end of the last switch); zero if
	// unknown. A window counts as measuring the current placement only when
	// every module's Since is at or before the window's start.
	Since time.Time `json:"since,omitzero"`
	// MemMB is the module's local_mem_requirement: MB it costs in-process.
	MemMB float64 `json:"mem_mb"`
	// Module and Remote are the calls served in each mode during the window
	// (both can be non-zero in a window containing a switch).
	Module CallStats `json:"module"`
	Remote CallStats `json:"remote"`
	// MinReplicas and MaxReplicas are the config's range of remote
	// replicas (0: no range, one server), Replicas how many run now.
	MinReplicas int `json:"min_replicas,omitempty"`
	MaxReplicas int `json:"max_replicas,omitempty"`
	Replicas    int `json:"replicas,omitempty"`
	// ReplicaMemMB is what one remote replica costs of the budget: its
	// measured memory, or on a cluster that measures none what its pod
	// asks for (else local_mem_requirement); 0: it costs nothing, running
	// elsewhere unmeasured, as JSORC counted remote servers.
	ReplicaMemMB float64 `json:"replica_mem_mb,omitempty"`
	// RemoteUnloaded is the remote latency per call without queueing (the
	// autoscaler's learnt figure); 0 when unknown.
	RemoteUnloaded time.Duration `json:"remote_unloaded,omitempty"`
}

// Calls is the number of calls the module served in the window, in any mode.
func (m ModuleObs) Calls() uint64 { return m.Module.Count + m.Remote.Count }

// PayloadBytes is the mean payload per call in the window, or 0 without calls.
func (m ModuleObs) PayloadBytes() float64 {
	n := m.Calls()
	if n == 0 {
		return 0
	}
	return float64(m.Module.Bytes+m.Remote.Bytes) / float64(n)
}

// AppObs is what the engine reports about one app (request flow).
type AppObs struct {
	// Name is the app's name.
	Name string `json:"name"`
	// Requests is the number of requests completed in the window.
	Requests uint64 `json:"requests"`
	// Mean is their mean latency.
	Mean time.Duration `json:"mean"`
}

// Observation is everything a policy sees at one tick: the window of
// measurements that just ended, the managed modules and the memory budget.
// Policies never keep references into it.
type Observation struct {
	// At is the end of the window (the tick's time).
	At time.Time `json:"at"`
	// Window is the length of the window; 0 means DefaultWindow.
	Window time.Duration `json:"window"`
	// NodeMemMB is the node's memory in MB as the engine knows it (from the
	// machine or the cluster); 0 if unknown. A node_mem_mb policy parameter
	// overrides it.
	NodeMemMB float64 `json:"node_mem_mb"`
	// BaseMemMB is the runtime's base memory in MB; 0 means
	// DefaultBaseMemMB. A base_mem_mb policy parameter overrides it.
	BaseMemMB float64 `json:"base_mem_mb"`
	// Modules lists the managed modules, in any order.
	Modules []ModuleObs `json:"modules"`
	// Apps lists the apps that ran requests, in any order.
	Apps []AppObs `json:"apps"`
}

// WindowLen returns Window, or DefaultWindow when it is zero or negative.
func (o Observation) WindowLen() time.Duration {
	if o.Window <= 0 {
		return DefaultWindow
	}
	return o.Window
}

// Budget returns the observation's memory budget, with the default base
// when BaseMemMB is zero.
func (o Observation) Budget() Budget {
	b := Budget{NodeMemMB: o.NodeMemMB, BaseMemMB: o.BaseMemMB}
	if b.BaseMemMB <= 0 {
		b.BaseMemMB = DefaultBaseMemMB
	}
	return b
}

// Placement returns the current mode of every module.
func (o Observation) Placement() Placement {
	p := make(Placement, len(o.Modules))
	for _, m := range o.Modules {
		p[m.Name] = m.Mode
	}
	return p
}

// LocalMemMB returns the in-process memory of the modules p puts in module
// mode (modules p does not name count as not in-process).
func (o Observation) LocalMemMB(p Placement) float64 {
	var sum float64
	for _, m := range o.Modules {
		if p[m.Name] == ModeModule {
			sum += m.MemMB
		}
	}
	return sum
}

// RequestMean returns the request-weighted mean request latency over all apps
// and the number of requests, or (0, 0) without requests.
func (o Observation) RequestMean() (time.Duration, uint64) {
	var sum float64
	var n uint64
	for _, a := range o.Apps {
		sum += float64(a.Mean) * float64(a.Requests)
		n += a.Requests
	}
	if n == 0 {
		return 0, 0
	}
	return time.Duration(sum / float64(n)), n
}

// Move is one mode change a policy asks for.
type Move struct {
	// Module is the module to switch.
	Module string `json:"module"`
	// From is its mode when the policy decided; To the mode it wants.
	From Mode `json:"from"`
	To   Mode `json:"to"`
	// Reason says why, in words, with the numbers behind it.
	Reason string `json:"reason"`
}

// String renders the move as "name: from → to (reason)".
func (m Move) String() string {
	from := m.From
	if from == ModeNone {
		from = "none"
	}
	return fmt.Sprintf("%s: %s → %s (%s)", m.Module, from, m.To, m.Reason)
}

// Estimate is a policy's view of one module, for the console's policy pane
// and the API (api/types). Only policies that model modules fill it.
type Estimate = types.Estimate

// Decision is a policy's answer to one observation.
type Decision struct {
	// Policy is the deciding policy's name.
	Policy string `json:"policy"`
	// At is the observation's time.
	At time.Time `json:"at"`
	// Target is the placement the policy wants for every observed module.
	// Except for the default policy, it always fits the memory budget when
	// the runtime base alone does.
	Target Placement `json:"target"`
	// Moves are the switches that turn the observed placement into Target,
	// each with its reason, moves to remote first: apply them in order,
	// finishing the moves that free memory before loading modules in-process.
	// A module whose switch is already in progress towards its target gets no
	// move; an engine should treat a move towards the mode already in
	// progress as a no-op.
	Moves []Move `json:"moves"`
	// Phase is a one-word state of the policy ("evaluating", "holding",
	// "steady", ...), Status a sentence saying what it is doing and why.
	Phase  string `json:"phase"`
	Status string `json:"status"`
	// NextAt is when the policy next intends to act; zero if never.
	NextAt time.Time `json:"next_at,omitzero"`
	// Estimates is the policy's per-module model, when it has one.
	Estimates []Estimate `json:"estimates,omitempty"`
}

// Policy decides placements. Tick is called once per window with the
// measurements of that window and returns the placement wanted; the caller
// applies the moves. A Policy keeps state between ticks and is not safe for
// concurrent use; it does no I/O.
type Policy interface {
	// Name returns the policy's name as New accepts it.
	Name() string
	// Tick consumes one observation and decides.
	Tick(obs Observation) Decision
	// Params returns the effective parameters of the policy's own,
	// defaults included (AllParams adds the autoscaler's).
	Params() map[string]any
	// Autoscale returns the autoscaler's parameters as set with the
	// policy, defaults included.
	Autoscale() AutoscaleParams
}

// Policy names accepted by New.
const (
	// NameDefault never changes a mode.
	NameDefault = "default"
	// NameEvaluation is JSORC's evaluation policy.
	NameEvaluation = "evaluation"
	// NameCostModel is jsorc's own policy: a measured cost model solved as a
	// knapsack, with hysteresis.
	NameCostModel = "costmodel"
)

// Names returns the names New accepts.
func Names() []string {
	return []string{NameDefault, NameEvaluation, NameCostModel}
}

// New returns a fresh policy by name with the given parameters (nil or empty
// for the defaults). Names are case-insensitive, as JSORC spelt them
// "Default" and "Evaluation". Parameter values may be numbers or numeric
// strings; phases also accept Go durations ("10s"); JSORC's parameter
// names are aliases (node_mem for node_mem_mb, jaseci_runtime_mem for
// base_mem_mb). Every policy also takes the autoscaler's parameters
// (per_replica, up_slowdown, down_slowdown, down_ticks, down_util; see
// AutoscaleParams). The default policy accepts, and ignores, the
// evaluation policy's parameters, as JSORC's did (its load test sets
// Default with eval_phase and perf_phase). Unknown names and parameters,
// and bad values, give an *Error.
func New(name string, params map[string]any) (Policy, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	params, err := resolveAliases(name, params)
	if err != nil {
		return nil, err
	}
	switch name {
	case NameDefault:
		vals, err := parseParams(name, withAutoscale(evaluationSpecs()), params)
		if err != nil {
			return nil, err
		}
		// A pointer: the engine compares policies, and a map is not comparable.
		return &manual{vals: vals}, nil
	case NameEvaluation:
		return newEvaluation(params)
	case NameCostModel:
		return newCostModel(params)
	}
	return nil, &Error{Kind: ErrUnknownPolicy, Policy: name,
		Msg: fmt.Sprintf("unknown policy %q (known: %s)", name, strings.Join(Names(), ", "))}
}

// ErrorKind classifies an *Error.
type ErrorKind int

// Error kinds.
const (
	// ErrUnknownPolicy: New got a name it does not know.
	ErrUnknownPolicy ErrorKind = iota + 1
	// ErrUnknownParam: a parameter the policy does not take.
	ErrUnknownParam
	// ErrBadParam: a parameter with a value of the wrong type or range.
	ErrBadParam
)

// Error is the error New returns.
type Error struct {
	// Kind says what went wrong.
	Kind ErrorKind
	// Policy is the policy name; Param the parameter, if any.
	Policy, Param string
	// Msg is the full message.
	Msg string
}

// Error returns the message.
func (e *Error) Error() string { return "policy: " + e.Msg }

// moveOrder sorts moves: to remote (freeing memory) first, then by name.
func moveOrder(a, b Move) int {
	ra, rb := a.To == ModeRemote, b.To == ModeRemote
	switch {
	case ra && !rb:
		return -1
	case rb && !ra:
		return 1
	}
	return strings.Compare(a.Module, b.Module)
}

// diffMoves lists the moves from the observed placement to target; reason
// gives each move's reason. Modules with a switch in progress towards their
// target get no move.
func diffMoves(obs Observation, target Placement, reason func(m ModuleObs, to Mode) string) []Move {
	var moves []Move
	for _, m := range obs.Modules {
		to, ok := target[m.Name]
		if !ok || to == ModeNone {
			continue
		}
		cur := m.Mode
		if m.Pending != ModeNone {
			cur = m.Pending
		}
		if to == cur {
			continue
		}
		moves = append(moves, Move{Module: m.Name, From: m.Mode, To: to, Reason: reason(m, to)})
	}
	slices.SortFunc(moves, moveOrder)
	return moves
}

// sortedModules returns obs.Modules sorted by name (a copy).
func sortedModules(obs Observation) []ModuleObs {
	ms := slices.Clone(obs.Modules)
	slices.SortFunc(ms, func(a, b ModuleObs) int { return strings.Compare(a.Name, b.Name) })
	return ms
}

// allRemote returns the placement putting every observed module remote.
func allRemote(obs Observation) Placement {
	p := make(Placement, len(obs.Modules))
	for _, m := range obs.Modules {
		p[m.Name] = ModeRemote
	}
	return p
}

// ms converts a duration to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtMB renders megabytes without a spurious fraction.
func fmtMB(v float64) string {
	if math.Abs(v-math.Round(v)) < 0.05 {
		return fmt.Sprintf("%.0f MB", v)
	}
	return fmt.Sprintf("%.1f MB", v)
}
