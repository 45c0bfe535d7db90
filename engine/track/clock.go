package track

import (
	"time"
	_ "unsafe" // for go:linkname
)

// nanotime is the runtime's monotonic clock. time.Now reads the wall clock
// as well, which costs as much again on the router's hot path; the runtime
// keeps nanotime reachable by linkname for exactly this use (go.dev/issue/67401).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// cheaprand is the runtime's per-thread random generator (wyrand): a
// nanosecond, no shared state, kept reachable by linkname for the same
// reason as nanotime (go.dev/issue/67401). Tick draws its sample from it.
//
//go:linkname cheaprand runtime.cheaprand
func cheaprand() uint32

// Mono is a reading of the monotonic clock, for timing one call.
type Mono int64

// Now reads the monotonic clock.
func Now() Mono { return Mono(nanotime()) }

// Since is the time elapsed since m.
func (m Mono) Since() time.Duration { return time.Duration(nanotime() - int64(m)) }
