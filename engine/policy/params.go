package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// paramKind is how a parameter's value is read.
type paramKind int

const (
	kindNumber  paramKind = iota // a float
	kindInt                      // a whole number
	kindSeconds                  // seconds as a number, or a Go duration string
)

// paramSpec describes one parameter of a policy.
type paramSpec struct {
	name string
	kind paramKind
	def  float64
	// min is the smallest accepted value; minOpen makes it exclusive.
	min     float64
	minOpen bool
	max     float64 // 0: defaultMax
}

// defaultMax bounds a parameter that names no maximum of its own: every
// value is finite and small enough to stay meaningful as a count or a
// duration.
const defaultMax = 1e6

// minSeconds is the shortest duration a seconds parameter takes (1 ms):
// shorter ones are typing mistakes that would spin the policy loop.
const minSeconds = 0.001

// maxNodeMemMB bounds node_mem_mb and base_mem_mb (16 TiB).
const maxNodeMemMB = 16 << 20

// parseParams checks in against specs and returns every parameter's value,
// defaults filled in.
func parseParams(policy string, specs []paramSpec, in map[string]any) (map[string]float64, error) {
	out := make(map[string]float64, len(specs))
	for _, s := range specs {
		out[s.name] = s.def
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic first error
	for _, k := range keys {
		i := slices.IndexFunc(specs, func(s paramSpec) bool { return s.name == k })
		if i < 0 {
			return nil, &Error{Kind: ErrUnknownParam, Policy: policy, Param: k,
				Msg: fmt.Sprintf("policy %q: unknown parameter %q (%s)", policy, k, knownList(specs))}
		}
		v, err := paramValue(specs[i], in[k])
		if err != nil {
			return nil, &Error{Kind: ErrBadParam, Policy: policy, Param: k,
				Msg: fmt.Sprintf("policy %q: parameter %s: %v", policy, k, err)}
		}
		out[k] = v
	}
	if slices.ContainsFunc(specs, func(s paramSpec) bool { return s.name == ParamUpSlowdown }) {
		if err := checkAutoscale(policy, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// aliases maps JSORC's parameter names to jsorc's.
var aliases = map[string]string{
	"node_mem":           "node_mem_mb",
	"jaseci_runtime_mem": "base_mem_mb",
}

// resolveAliases returns params with JSORC's names replaced by jsorc's;
// params itself when none is used. A parameter given under both names is
// an error.
func resolveAliases(policy string, params map[string]any) (map[string]any, error) {
	out, copied := params, false
	for k, v := range params {
		canon, ok := aliases[k]
		if !ok {
			continue
		}
		if _, both := params[canon]; both {
			return nil, &Error{Kind: ErrBadParam, Policy: policy, Param: k,
				Msg: fmt.Sprintf("policy %q: %s and %s are the same parameter (%s is JSORC's name): give one", policy, k, canon, k)}
		}
		if !copied {
			out, copied = maps.Clone(params), true
		}
		delete(out, k)
		out[canon] = v
	}
	return out, nil
}

// knownList says which parameters a policy takes.
func knownList(specs []paramSpec) string {
	if len(specs) == 0 {
		return "it takes none"
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	return "known: " + strings.Join(names, ", ")
}

// paramValue reads and range-checks one value.
func paramValue(s paramSpec, raw any) (float64, error) {
	var v float64
	switch x := raw.(type) {
	case float64:
		v = x
	case float32:
		v = float64(x)
	case int:
		v = float64(x)
	case int32:
		v = float64(x)
	case int64:
		v = float64(x)
	case uint:
		v = float64(x)
	case uint32:
		v = float64(x)
	case uint64:
		v = float64(x)
	case time.Duration:
		if s.kind != kindSeconds {
			return 0, fmt.Errorf("want a number, got the duration %v", x)
		}
		v = x.Seconds()
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return 0, fmt.Errorf("want a number, got %q", string(x))
		}
		v = f
	case string:
		t := strings.TrimSpace(x)
		f, err := strconv.ParseFloat(t, 64)
		if err != nil && s.kind == kindSeconds {
			d, derr := time.ParseDuration(t)
			if derr != nil {
				return 0, fmt.Errorf("want seconds or a duration like \"10s\", got %q", x)
			}
			f, err = d.Seconds(), nil
		}
		if err != nil {
			return 0, fmt.Errorf("want a number, got %q", x)
		}
		v = f
	default:
		return 0, fmt.Errorf("want a number, got %T", raw)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a finite number, got %v", v)
	}
	if s.kind == kindInt && v != math.Trunc(v) {
		return 0, fmt.Errorf("want a whole number, got %v", v)
	}
	if v < s.min || (s.minOpen && v == s.min) {
		op := ">="
		if s.minOpen {
			op = ">"
		}
		return 0, fmt.Errorf("want a value %s %v, got %v", op, s.min, v)
	}
	if s.kind == kindSeconds && v < minSeconds {
		return 0, fmt.Errorf("want at least %v seconds, got %v", minSeconds, v)
	}
	limit := s.max
	if limit == 0 {
		limit = defaultMax
	}
	if v > limit {
		return 0, fmt.Errorf("want a value <= %v, got %v", limit, v)
	}
	return v, nil
}

// exportParams renders parsed values for Params: whole numbers of int
// parameters as int, everything else as float64.
func exportParams(specs []paramSpec, vals map[string]float64) map[string]any {
	out := make(map[string]any, len(specs))
	for _, s := range specs {
		if s.kind == kindInt {
			out[s.name] = int(vals[s.name])
		} else {
			out[s.name] = vals[s.name]
		}
	}
	return out
}

// budgetSpecs are the memory parameters every placing policy takes: 0 means
// "from the observation".
func budgetSpecs() []paramSpec {
	return []paramSpec{
		{name: "node_mem_mb", kind: kindNumber, def: 0, min: 0, max: maxNodeMemMB},
		{name: "base_mem_mb", kind: kindNumber, def: 0, min: 0, max: maxNodeMemMB},
	}
}

// resolveBudget applies the node_mem_mb and base_mem_mb overrides.
func resolveBudget(obs Observation, nodeMB, baseMB float64) Budget {
	b := obs.Budget()
	if nodeMB > 0 {
		b.NodeMemMB = nodeMB
	}
	if baseMB > 0 {
		b.BaseMemMB = baseMB
	}
	return b
}

// seconds converts float seconds to a Duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
