package measure

import (
	"maps"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/track"
)

// DefaultHistory is the number of entries an [ActionTracker] or a
// [SysTracker] keeps when given a capacity of zero or less: an hour of
// one-second ticks.
const DefaultHistory = 3600

// Entry is one element of JSORC's trackact history (api/types).
type Entry = types.Entry

// An ActionTracker turns the engine's cumulative per-action latency
// recorders into JSORC's trackact history (jsorc_trackact_start and _stop): a
// bounded ring of per-tick means. It never sees individual calls, so its
// memory depends on the number of actions and the ring's capacity, not on
// how many calls are made.
//
// Its methods are safe for concurrent use.
type ActionTracker struct {
	mu       sync.Mutex
	capacity int
	active   bool
	start    time.Time

	ring    []actSlot // grows to capacity, then wraps
	next    int       // slot the next entry goes to once the ring is full
	total   uint64    // entries ever appended in this run
	scratch actSlot   // the entry being built by Tick

	ran       bool                 // Start was called at least once
	ticked    bool                 // the first Tick of the run has set the baseline
	gen       uint64               // Tick counter, to forget vanished actions
	prev      map[string]callTotal // cumulative count and sum at the last Tick
	placement map[string]string    // placement at the last Tick
}

// actSlot is one stored entry; its calls buffer is recycled when the entry
// is evicted, so a full ring appends without allocating.
type actSlot struct {
	ts    float64
	calls []actionMean
	state map[string]string
}

type actionMean struct {
	name string
	mean float64 // seconds
}

type callTotal struct {
	count uint64
	sum   time.Duration
	gen   uint64
}

// NewActionTracker returns a stopped ActionTracker keeping at most capacity
// entries ([DefaultHistory] if capacity <= 0); older entries are evicted.
func NewActionTracker(capacity int) *ActionTracker {
	if capacity <= 0 {
		capacity = DefaultHistory
	}
	return &ActionTracker{capacity: capacity}
}

// Start begins tracking at now with an empty history. It fails with
// [ErrAlreadyStarted] if tracking runs already. The first Tick after Start
// only sets the baseline (and records the placement), so calls made before
// it are never attributed to the run: the engine should Tick right after
// Start.
func (t *ActionTracker) Start(now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active {
		return alreadyStarted("trackact", t.start)
	}
	t.active, t.start, t.ran = true, now, true
	t.ring, t.next, t.total = t.ring[:0], 0, 0
	t.ticked, t.gen = false, 0
	t.prev = make(map[string]callTotal)
	t.placement = nil
	return nil
}

// Active reports whether tracking runs, and since when.
func (t *ActionTracker) Active() (since time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.start, t.active
}

// Tick closes one tick ending at now. calls holds the cumulative snapshot of
// every action, keyed "module.action" (all modes merged), as the engine's
// recorders give them; placement maps each loaded module to its mode. Tick
// appends an entry with the mean latency of each action called since the
// previous Tick, carrying the placement on the first Tick and whenever it
// changed; a tick with no calls and no change appends nothing. It fails with
// [ErrNotStarted] if tracking does not run.
//
// An action absent from the previous Tick only sets its baseline, since a
// cumulative snapshot does not tell which of its calls are new: the engine
// should pass every action it has a recorder for, called or not, so that
// none loses a tick of calls when it first appears.
//
// Neither map is retained. Once the ring is full and the set of actions is
// stable, Tick does not allocate except to copy a changed placement.
func (t *ActionTracker) Tick(now time.Time, calls map[string]track.Snapshot, placement map[string]string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active {
		return notStarted("trackact")
	}
	first := !t.ticked
	t.ticked = true
	t.gen++
	s := &t.scratch
	s.ts, s.calls, s.state = unixSeconds(now), s.calls[:0], nil
	for name, snap := range calls {
		p, had := t.prev[name]
		t.prev[name] = callTotal{count: snap.Count, sum: snap.Sum, gen: t.gen}
		if first || !had || snap.Count <= p.count {
			continue
		}
		n := snap.Count - p.count
		s.calls = append(s.calls, actionMean{name: name, mean: (snap.Sum - p.sum).Seconds() / float64(n)})
	}
	if len(t.prev) > len(calls) {
		for name, p := range t.prev {
			if p.gen != t.gen {
				delete(t.prev, name)
			}
		}
	}
	if first && len(placement) > 0 || !first && !maps.Equal(placement, t.placement) {
		t.placement = maps.Clone(placement)
		if t.placement == nil {
			t.placement = map[string]string{}
		}
		s.state = t.placement // never mutated: replaced on change
	}
	if len(s.calls) > 0 || s.state != nil {
		t.commit()
	}
	return nil
}

// commit appends t.scratch, the entry the last Tick built, to the ring. The
// evicted entry's buffer becomes the next scratch, so a full ring appends
// without allocating. t.mu must be held.
func (t *ActionTracker) commit() {
	if len(t.ring) < t.capacity {
		t.ring = append(t.ring, t.scratch)
		t.scratch = actSlot{} // its calls now belong to the ring
	} else {
		t.ring[t.next], t.scratch = t.scratch, t.ring[t.next]
		t.next = (t.next + 1) % t.capacity
	}
	t.total++
}

// History returns the entries of the running tracker, oldest first, or
// after Stop those of the last run; nil if it never ran. The maps are fresh
// copies.
func (t *ActionTracker) History() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.history()
}

// Evicted returns how many entries of the current (or last) run were evicted
// from the full ring.
func (t *ActionTracker) Evicted() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total - uint64(len(t.ring))
}

// Stop ends tracking at now and returns the history in JSORC's shape: what
// jsorc_trackact_stop answers. It fails with [ErrNotStarted] if tracking does
// not run. The engine should Tick just before Stop so that the last partial
// tick is included. The history stays readable through History until the
// next Start.
func (t *ActionTracker) Stop(now time.Time) ([]Entry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active {
		return nil, notStarted("trackact")
	}
	_ = now // symmetric with Start; entries are stamped by Tick
	t.active = false
	t.prev = nil
	return t.history(), nil
}

// history builds the entries from the ring. t.mu must be held.
func (t *ActionTracker) history() []Entry {
	if !t.ran {
		return nil
	}
	out := make([]Entry, 0, len(t.ring))
	start := 0
	if len(t.ring) == t.capacity {
		start = t.next
	}
	for i := range t.ring {
		s := &t.ring[(start+i)%len(t.ring)]
		e := Entry{TS: s.ts, ActionsCalls: make(map[string]float64, len(s.calls))}
		for _, c := range s.calls {
			e.ActionsCalls[c.name] = c.mean
		}
		if s.state != nil {
			e.ActionsState = maps.Clone(s.state)
		}
		out = append(out, e)
	}
	return out
}
