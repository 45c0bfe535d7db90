package types

import (
	"sort"
	"time"
)

// SampleInterval is how often the engine samples its recorders for rates,
// latency quantiles and the console's graphs.
const SampleInterval = time.Second

// CallStats summarises the calls of one action in one mode, or of a whole
// module: totals since start, and the rate and latency over the last sample
// interval.
type CallStats struct {
	Calls  uint64 `json:"calls"`
	Errors uint64 `json:"errors"`
	// Bytes is the payload the calls moved (remote calls only).
	Bytes  uint64  `json:"bytes"`
	Rate   float64 `json:"calls_per_s"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P99MS  float64 `json:"p99_ms"`
}

// Sample is one point of the engine's time series, for graphs.
type Sample struct {
	TS time.Time `json:"ts"`
	// Rate, P50MS and P99MS cover every action call in the interval.
	Rate  float64 `json:"calls_per_s"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
	// ReqRate, ReqP50MS and ReqP99MS cover every app request (one run of
	// an app, JSORC's walker run) in the interval: the latency the
	// policies optimise. Only the engine's samples carry them.
	ReqRate  float64 `json:"requests_per_s,omitempty"`
	ReqP50MS float64 `json:"request_p50_ms,omitempty"`
	ReqP99MS float64 `json:"request_p99_ms,omitempty"`
	// CPUCores and MemBytes cover the engine and the action servers it runs;
	// SysSource says where they come from ("" when not sampled).
	CPUCores  float64 `json:"cpu_cores"`
	MemBytes  uint64  `json:"mem_bytes"`
	SysSource string  `json:"sys_source,omitempty"`
}

// Stats is what the engine measured: per action (by "module.action/mode"),
// per module, per app, the resource use of each module's action server it
// measured at the last sample (by module; local processes, pods from the
// cluster's metrics API or from Prometheus), and the recent time series.
type Stats struct {
	Actions map[string]CallStats `json:"actions"`
	Modules map[string]CallStats `json:"modules"`
	Apps    map[string]CallStats `json:"apps"`
	Servers map[string]ProcStats `json:"servers,omitempty"`
	// ServersSource says where the figures of Servers come from (proc,
	// prometheus, metrics.k8s.io); ServersNote, when set, why the action
	// servers that run as pods have none ("no metrics source: ...").
	ServersSource string   `json:"servers_source,omitempty"`
	ServersNote   string   `json:"servers_note,omitempty"`
	Series        []Sample `json:"series"`
}

// SortedActions lists the keys of s.Actions in order.
func (s Stats) SortedActions() []string {
	out := make([]string, 0, len(s.Actions))
	for k := range s.Actions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
