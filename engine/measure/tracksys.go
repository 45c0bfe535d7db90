package measure

import (
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// Sources of tracksys samples, for [SysTracker.Tick].
const (
	// SourcePrometheus marks samples queried from Prometheus ([PromSource]).
	SourcePrometheus = types.SourcePrometheus
	// SourceProc marks samples read from /proc by the engine itself
	// ([ProcSampler]).
	SourceProc = types.SourceProc
)

// ProcNote is the note a [SysReport] carries when some of its samples come
// from /proc.
const ProcNote = "samples read from /proc by the engine, not from Prometheus; " +
	"network figures are those of each process's network namespace, " +
	"which on the local backend is the whole machine's"

// The tracksys report, in the API's shape (api/types).
type (
	// ActionMode is the placement of one module in a tracksys state.
	ActionMode = types.ActionMode
	// SysState is one tracksys sample.
	SysState = types.SysState
	// SysReport is JSORC's tracksys answer.
	SysReport = types.SysReport
)

// A SysTracker keeps the states of tracksys (jsorc_tracksys_start, _report,
// _stop) in a bounded ring. The engine samples and calls Tick; the tracker
// only stores. Its methods are safe for concurrent use.
type SysTracker struct {
	mu       sync.Mutex
	capacity int
	active   bool
	start    time.Time
	ring     []SysState // grows to capacity, then wraps
	next     int
	total    uint64
}

// NewSysTracker returns a stopped SysTracker keeping at most capacity states
// ([DefaultHistory] if capacity <= 0); older states are evicted.
func NewSysTracker(capacity int) *SysTracker {
	if capacity <= 0 {
		capacity = DefaultHistory
	}
	return &SysTracker{capacity: capacity}
}

// Start begins tracking at now with no states. It fails with
// [ErrAlreadyStarted] if tracking runs already.
func (t *SysTracker) Start(now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active {
		return alreadyStarted("tracksys", t.start)
	}
	t.active, t.start = true, now
	clear(t.ring) // drop references to the last run's maps
	t.ring, t.next, t.total = t.ring[:0], 0, 0
	return nil
}

// Active reports whether tracking runs, and since when.
func (t *SysTracker) Active() (since time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.start, t.active
}

// Tick stores one state taken at now: actions maps each module to its mode,
// stats each action server to its figures, and source says where they came
// from ([SourcePrometheus] or [SourceProc]). The maps are copied. It fails
// with [ErrNotStarted] if tracking does not run, and for an unknown source.
func (t *SysTracker) Tick(now time.Time, actions map[string]string, stats map[string]ProcStats, source string) error {
	if source != SourcePrometheus && source != SourceProc {
		return fmt.Errorf("tracksys: unknown sample source %q (want %q or %q)", source, SourcePrometheus, SourceProc)
	}
	st := SysState{
		TS:         unixSeconds(now),
		Actions:    make(map[string]ActionMode, len(actions)),
		Prometheus: maps.Clone(stats),
		Source:     source,
	}
	for m, mode := range actions {
		st.Actions[m] = ActionMode{Mode: mode}
	}
	if st.Prometheus == nil {
		st.Prometheus = map[string]ProcStats{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active {
		return notStarted("tracksys")
	}
	if len(t.ring) < t.capacity {
		t.ring = append(t.ring, st)
	} else {
		t.ring[t.next] = st
		t.next = (t.next + 1) % t.capacity
	}
	t.total++
	return nil
}

// Report returns the states of the running tracker, or after Stop those of
// the last run with Active false; no states if it never ran. The states'
// maps are shared with the tracker and must not be modified.
func (t *SysTracker) Report() SysReport {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.report()
}

// Evicted returns how many states of the current (or last) run were evicted
// from the full ring.
func (t *SysTracker) Evicted() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total - uint64(len(t.ring))
}

// Stop ends tracking at now and returns the final report, with Active false.
// It fails with [ErrNotStarted] if tracking does not run.
func (t *SysTracker) Stop(now time.Time) (SysReport, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active {
		return SysReport{States: []SysState{}}, notStarted("tracksys")
	}
	_ = now // symmetric with Start; states are stamped by Tick
	t.active = false
	return t.report(), nil
}

// report builds the report. t.mu must be held.
func (t *SysTracker) report() SysReport {
	r := SysReport{Active: t.active, States: make([]SysState, 0, len(t.ring))}
	start := 0
	if len(t.ring) == t.capacity {
		start = t.next
	}
	for i := range t.ring {
		s := t.ring[(start+i)%len(t.ring)]
		r.States = append(r.States, s)
		if s.Source == SourceProc {
			r.Note = ProcNote
		}
		r.Source = s.Source
	}
	return r
}
