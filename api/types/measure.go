package types

import "encoding/json"

// The reports of JSORC's measuring tools: the benchmark, trackact and
// tracksys.

// Names in a benchmark [Report].
const (
	// DefaultName is the name under which a request without a name is
	// reported, as JSORC reported walkers without one.
	DefaultName = "_default_"
	// AllName is the key of each request type's aggregate in a [Report].
	// A request named "all" is therefore only visible within that aggregate.
	AllName = "all"
	// ReqTypeApp is the benchmark's request type of app requests (JSORC's
	// walker runs).
	ReqTypeApp = "walker_run"
)

// Sources of tracksys samples ([SysState.Source]).
const (
	// SourcePrometheus marks samples queried from Prometheus.
	SourcePrometheus = "prometheus"
	// SourceProc marks samples read from /proc by the engine itself.
	SourceProc = "proc"
	// SourceMetricsAPI marks figures of pods read from the cluster's
	// resource metrics API (metrics.k8s.io, served by metrics-server).
	SourceMetricsAPI = "metrics.k8s.io"
)

// Metrics is one line of JSORC's benchmark report: requests per second over
// the benchmark's duration and latencies in milliseconds. Without samples
// every figure is zero.
type Metrics struct {
	Throughput     float64 `json:"throughput"`
	AverageLatency float64 `json:"average_latency"`
	P50Latency     float64 `json:"50th_latency"`
	P90Latency     float64 `json:"90th_latency"`
	P95Latency     float64 `json:"95th_latency"`
	P99Latency     float64 `json:"99th_latency"`
}

// TypeReport holds the [Metrics] of one request type: one entry per request
// name ([DefaultName] for unnamed requests) plus [AllName], the aggregate of
// all of them.
type TypeReport map[string]Metrics

// Report is JSORC's benchmark answer, keyed by request type (for example
// "walker_run"): {req_type: {name or "_default_": M, "all": M}}.
type Report map[string]TypeReport

// Entry is one element of JSORC's trackact history: one placement period.
// The first starts when tracking starts; each change of placement closes the
// current one and starts the next, which carries the new placement.
type Entry struct {
	// TS is the start of the period, in Unix seconds.
	TS float64 `json:"ts"`
	// ActionsCalls maps "module.action" to the mean latency of its calls
	// during the period, in seconds. Actions not called are absent.
	ActionsCalls map[string]float64 `json:"actions_calls"`
	// ActionsState maps every module to its mode as the period began,
	// JSORC's {"mode": "module"|"remote"|null}. The first entry has none:
	// the placement at the start is the one before any change.
	ActionsState map[string]ActionMode `json:"actions_state,omitempty"`
}

// ProcStats is the resource use of one action server (a process on the
// local backend, a pod on Kubernetes), named as JSORC named the figures of
// its tracksys answer.
type ProcStats struct {
	// CPUCores is the CPU time used per second of wall time: 1 is one core
	// fully busy.
	CPUCores float64 `json:"cpu_utilization_cores"`
	// MemBytes is the resident (working-set) memory in bytes.
	MemBytes uint64 `json:"mem_utilization_bytes"`
	// NetRecvBytes and NetTranBytes are bytes received and transmitted per
	// second. From /proc and from the local backend's Prometheus they are
	// those of the process's network namespace: machine-wide for processes
	// sharing the host's.
	NetRecvBytes float64 `json:"network_recv_bytes"`
	NetTranBytes float64 `json:"network_tran_bytes"`
}

// ActionMode is the placement of one module, JSORC's {"mode": ...} in
// trackact's actions_state and tracksys's actions: Mode is "module" or
// "remote", and "" (null on the wire) when the module serves in no mode.
type ActionMode struct {
	Mode string `json:"mode"`
}

// MarshalJSON writes an empty mode as null, as JSORC did.
func (m ActionMode) MarshalJSON() ([]byte, error) {
	if m.Mode == "" {
		return []byte(`{"mode":null}`), nil
	}
	return json.Marshal(struct {
		Mode string `json:"mode"`
	}{m.Mode})
}

// SysState is one tracksys sample: when, where every module ran, and the
// resource use of every action server. The field holding the figures is
// called "prometheus" as in JSORC, whichever the source; Source says which.
type SysState struct {
	TS         float64               `json:"ts"`
	Actions    map[string]ActionMode `json:"actions"`
	Prometheus map[string]ProcStats  `json:"prometheus"`
	Source     string                `json:"source"`
}

// SysReport is JSORC's tracksys answer (jsorc_tracksys_report and _stop):
// whether tracking runs and its states, oldest first. Source is the source
// of the latest state; Note explains the caveats of /proc samples when any
// state has them.
type SysReport struct {
	Active bool       `json:"active"`
	Source string     `json:"source,omitempty"`
	Note   string     `json:"note,omitempty"`
	States []SysState `json:"states"`
}
