package measure

import (
	"maps"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/track"
)

// DefaultHistory is the number of entries an [ActionTracker] or a
// [SysTracker] keeps when given a capacity of zero or less.
const DefaultHistory = 3600

// Entry is one element of JSORC's trackact history (api/types).
type Entry = types.Entry

// CallSum is what an action's calls added up to: how many, and their total
// latency.
type CallSum struct {
	Count uint64        `json:"count"`
	Sum   time.Duration `json:"sum"`
}

// OpenPeriod is the placement period in progress: when it began, with which
// placement (nil for the first), and the calls made in it so far. The
// engine saves it to carry a run over a restart.
type OpenPeriod struct {
	TS    float64               `json:"ts"`
	State map[string]ActionMode `json:"state,omitempty"`
	Calls map[string]CallSum    `json:"calls"`
}

// An ActionTracker turns the engine's cumulative per-action latency
// recorders into JSORC's trackact history (jsorc_trackact_start and _stop):
// one entry per placement period, with the mean latency of every action
// called in it, whenever its module was loaded. It never sees individual
// calls, so its memory depends on the number of actions and periods, not on
// how many calls are made.
//
// Its methods are safe for concurrent use.
type ActionTracker struct {
	mu       sync.Mutex
	capacity int
	active   bool
	ran      bool // Start was called at least once
	start    time.Time

	closed []Entry // finished periods, oldest first
	total  uint64  // periods ever closed in this run

	ticked    bool              // the first Tick of the run has set the baseline
	placement map[string]string // serving modes when the open period began
	open      OpenPeriod
	// prev holds the recorders' totals at the last Tick. An action absent
	// from it had no calls then, so all of its calls are new; a total below
	// it means the recorder began again from zero.
	prev map[string]CallSum
}

// NewActionTracker returns a stopped ActionTracker keeping at most capacity
// entries, the open period included ([DefaultHistory] if capacity <= 0, 2
// at least); older ones are evicted.
func NewActionTracker(capacity int) *ActionTracker {
	if capacity <= 0 {
		capacity = DefaultHistory
	}
	return &ActionTracker{capacity: max(capacity, 2)}
}

// Start begins tracking at now with one open period and no history. It
// fails with [ErrAlreadyStarted] if tracking runs already. The first Tick
// after Start sets the baseline of the engine's cumulative recorders, so the
// engine should Tick right after Start; from then on every call counts,
// including those of actions the tracker sees for the first time later.
func (t *ActionTracker) Start(now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active {
		return alreadyStarted("trackact", t.start)
	}
	t.active, t.start, t.ran = true, now, true
	t.closed, t.total = nil, 0
	t.ticked, t.placement = false, nil
	t.open = OpenPeriod{TS: unixSeconds(now), Calls: map[string]CallSum{}}
	t.prev = nil
	return nil
}

// Active reports whether tracking runs, and since when.
func (t *ActionTracker) Active() (since time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.start, t.active
}

// Tick brings the open period up to date at now. calls holds the cumulative
// snapshot of every action, keyed "module.action" (all modes merged), as
// the engine's recorders give them; placement maps every module to its mode
// ("" when it serves in none). When the modes of the serving modules differ
// from those the open period began with, Tick closes it and opens the next,
// carrying placement as its actions_state. It fails with [ErrNotStarted]
// if tracking does not run.
//
// Neither map is retained. With a stable set of actions and placement, Tick
// does not allocate.
func (t *ActionTracker) Tick(now time.Time, calls map[string]track.Snapshot, placement map[string]string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active {
		return notStarted("trackact")
	}
	if !t.ticked {
		t.ticked = true
		t.prev = make(map[string]CallSum, len(calls))
		for name, s := range calls {
			t.prev[name] = CallSum{Count: s.Count, Sum: s.Sum}
		}
		if t.placement == nil {
			t.placement = serving(placement)
		}
		return nil
	}
	t.update(calls)
	if !sameServing(placement, t.placement) {
		t.closeOpen()
		t.placement = serving(placement)
		t.open = OpenPeriod{TS: unixSeconds(now), State: modes(placement), Calls: map[string]CallSum{}}
	}
	return nil
}

// update adds the calls made since the last Tick to the open period.
func (t *ActionTracker) update(calls map[string]track.Snapshot) {
	for name, snap := range calls {
		p := t.prev[name]
		d := CallSum{Count: snap.Count, Sum: snap.Sum}
		if snap.Count >= p.Count {
			d.Count -= p.Count
			d.Sum -= p.Sum
		}
		if d.Count > 0 {
			c := t.open.Calls[name]
			c.Count += d.Count
			c.Sum += d.Sum
			t.open.Calls[name] = c
		}
		t.prev[name] = CallSum{Count: snap.Count, Sum: snap.Sum}
	}
}

// closeOpen moves the open period to the history. t.mu must be held.
func (t *ActionTracker) closeOpen() {
	if keep := t.capacity - 1; len(t.closed) >= keep { // the open period takes the last place
		t.closed = append(t.closed[:0], t.closed[len(t.closed)-keep+1:]...)
	}
	t.closed = append(t.closed, t.open.entry())
	t.total++
}

// entry is the period as a history entry.
func (p OpenPeriod) entry() Entry {
	e := Entry{TS: p.TS, ActionsCalls: make(map[string]float64, len(p.Calls))}
	for name, c := range p.Calls {
		if c.Count > 0 {
			e.ActionsCalls[name] = c.Sum.Seconds() / float64(c.Count)
		}
	}
	if p.State != nil {
		e.ActionsState = maps.Clone(p.State)
	}
	return e
}

// History returns the entries of the running tracker, oldest first, the
// open period last, or after Stop those of the last run; nil if it never
// ran. The maps are fresh copies.
func (t *ActionTracker) History() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.history()
}

// Evicted returns how many entries of the current (or last) run were
// evicted from the full history.
func (t *ActionTracker) Evicted() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total - uint64(len(t.closed))
}

// Stop ends tracking at now, closing the open period, and returns the
// history in JSORC's shape: what jsorc_trackact_stop answers. It fails with
// [ErrNotStarted] if tracking does not run. The engine should Tick just
// before Stop so that the last calls are included. The history stays
// readable through History until the next Start.
func (t *ActionTracker) Stop(now time.Time) ([]Entry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active {
		return nil, notStarted("trackact")
	}
	_ = now // symmetric with Start; periods are stamped when they begin
	t.active = false
	t.closeOpen()
	t.open = OpenPeriod{}
	t.prev = nil
	return t.history(), nil
}

// history builds the entries. t.mu must be held.
func (t *ActionTracker) history() []Entry {
	if !t.ran {
		return nil
	}
	out := make([]Entry, 0, len(t.closed)+1)
	for _, e := range t.closed {
		c := Entry{TS: e.TS, ActionsCalls: maps.Clone(e.ActionsCalls)}
		if e.ActionsState != nil {
			c.ActionsState = maps.Clone(e.ActionsState)
		}
		out = append(out, c)
	}
	if t.active {
		out = append(out, t.open.entry())
	}
	return out
}

// serving keeps the modules of placement that serve in a mode.
func serving(placement map[string]string) map[string]string {
	out := make(map[string]string, len(placement))
	for m, mode := range placement {
		if mode != "" {
			out[m] = mode
		}
	}
	return out
}

// sameServing reports whether placement serves every module as want does.
func sameServing(placement, want map[string]string) bool {
	n := 0
	for m, mode := range placement {
		if mode == "" {
			continue
		}
		if want[m] != mode {
			return false
		}
		n++
	}
	return n == len(want)
}

// modes is placement as JSORC's actions_state.
func modes(placement map[string]string) map[string]ActionMode {
	out := make(map[string]ActionMode, len(placement))
	for m, mode := range placement {
		out[m] = ActionMode{Mode: mode}
	}
	return out
}
