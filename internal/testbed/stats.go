package testbed

import (
	"math"
	"sync"
	"time"

	"github.com/jsorc/jsorc/engine/policy"
)

// stat accumulates latencies (and payload bytes) until taken.
type stat struct {
	mu         sync.Mutex
	n          uint64
	sum, sumsq float64 // ms
	bytes      uint64
}

func (s *stat) add(d time.Duration, bytes int) {
	x := float64(d) / float64(time.Millisecond)
	s.mu.Lock()
	s.n++
	s.sum += x
	s.sumsq += x * x
	s.bytes += uint64(bytes)
	s.mu.Unlock()
}

// take returns what was accumulated and starts over.
func (s *stat) take() (n uint64, mean, sd float64, bytes uint64) {
	s.mu.Lock()
	n, sum, sumsq, bytes := s.n, s.sum, s.sumsq, s.bytes
	s.n, s.sum, s.sumsq, s.bytes = 0, 0, 0, 0
	s.mu.Unlock()
	if n == 0 {
		return 0, 0, 0, bytes
	}
	mean = sum / float64(n)
	if n > 1 {
		sd = math.Sqrt(max(0, (sumsq-float64(n)*mean*mean)/float64(n-1)))
	}
	return n, mean, sd, bytes
}

func msDur(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }

// callStats converts a take into the policy's CallStats.
func callStats(n uint64, mean, sd float64, bytes uint64) policy.CallStats {
	return policy.CallStats{Count: n, Mean: msDur(mean), Stddev: msDur(sd), Bytes: bytes}
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
