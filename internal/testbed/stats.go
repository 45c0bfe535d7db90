package testbed

import (
	"math"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// stat accumulates latencies (and payload bytes, and the time remote
// servers reported) until taken.
type stat struct {
	mu         sync.Mutex
	n          uint64
	sum, sumsq float64 // ms
	bytes      uint64
	server     float64 // ms, over servers calls
	servers    uint64
}

// add records one call of latency d that moved bytes; server is the time
// its server reported (0: none).
func (s *stat) add(d time.Duration, bytes int, server time.Duration) {
	x := float64(d) / float64(time.Millisecond)
	s.mu.Lock()
	s.n++
	s.sum += x
	s.sumsq += x * x
	s.bytes += uint64(bytes)
	if server > 0 {
		s.server += float64(server) / float64(time.Millisecond)
		s.servers++
	}
	s.mu.Unlock()
}

// taken is what a stat accumulated: the count, the mean and standard
// deviation of the latency (ms), the bytes and the mean server time (ms,
// 0 if none reported).
type taken struct {
	n          uint64
	mean, sd   float64
	bytes      uint64
	serverMean float64
}

// take returns what was accumulated and starts over.
func (s *stat) take() taken {
	s.mu.Lock()
	n, sum, sumsq := s.n, s.sum, s.sumsq
	t := taken{n: n, bytes: s.bytes}
	if s.servers > 0 {
		t.serverMean = s.server / float64(s.servers)
	}
	s.n, s.sum, s.sumsq, s.bytes, s.server, s.servers = 0, 0, 0, 0, 0, 0
	s.mu.Unlock()
	if n == 0 {
		return t
	}
	t.mean = sum / float64(n)
	if n > 1 {
		t.sd = math.Sqrt(max(0, (sumsq-float64(n)*t.mean*t.mean)/float64(n-1)))
	}
	return t
}

func msDur(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }

// callStats converts a take into the policy's CallStats.
func callStats(t taken) policy.CallStats {
	return policy.CallStats{Count: t.n, Mean: msDur(t.mean), Stddev: msDur(t.sd), Bytes: t.bytes, Server: msDur(t.serverMean)}
}

// Window is what one measuring window saw.
type Window struct {
	// Start and End bound the window.
	Start, End time.Time
	// Requests and MeanMs are the app requests completed and their mean
	// latency; SdMs their standard deviation; Errors the failed ones.
	Requests uint64
	MeanMs   float64
	SdMs     float64
	Errors   uint64
	// Modules are the per-module observations, as a policy sees them.
	Modules []policy.ModuleObs
}
