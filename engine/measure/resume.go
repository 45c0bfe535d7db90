package measure

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jsorc/jsorc/engine/track"
)

// Carrying a run over a restart of the engine: each tracker can hand out
// what it has so far (a BenchState; the entries of an ActionTracker or
// SysTracker since a count) and resume from it. The engine saves that
// periodically and on close, and resumes at its next start; what was
// recorded after the last save is lost with the process.

// BenchState is a running benchmark's progress: when it started, how long
// it has run (without the time the engine was down, so that throughput
// stays requests per second of running) and what it recorded.
type BenchState struct {
	Start   time.Time       `json:"start"`
	Elapsed time.Duration   `json:"elapsed"`
	Keys    []BenchKeyState `json:"keys"`
}

// BenchKeyState is what one (type, name) pair recorded.
type BenchKeyState struct {
	Type  string     `json:"type"`
	Name  string     `json:"name"`
	Stats SavedStats `json:"stats"`
}

// SavedStats is a track.Snapshot in a compact form: its histogram holds
// only the buckets that are not empty.
type SavedStats struct {
	Count   uint64         `json:"count"`
	Errors  uint64         `json:"errors,omitempty"`
	Sum     time.Duration  `json:"sum"`
	Bytes   uint64         `json:"bytes,omitempty"`
	Min     time.Duration  `json:"min"`
	Max     time.Duration  `json:"max"`
	Buckets map[int]uint64 `json:"buckets"`
}

// saveStats compacts s.
func saveStats(s track.Snapshot) SavedStats {
	out := SavedStats{Count: s.Count, Errors: s.Errors, Sum: s.Sum, Bytes: s.Bytes, Min: s.Min, Max: s.Max, Buckets: map[int]uint64{}}
	for i, n := range s.Buckets {
		if n != 0 {
			out.Buckets[i] = n
		}
	}
	return out
}

// snapshot expands s, refusing what no recorder could have produced.
func (s SavedStats) snapshot() (track.Snapshot, error) {
	snap := track.Snapshot{Count: s.Count, Errors: s.Errors, Sum: s.Sum, Bytes: s.Bytes, Min: s.Min, Max: s.Max}
	var n uint64
	for i, c := range s.Buckets {
		if i < 0 || i >= track.NumBuckets {
			return track.Snapshot{}, fmt.Errorf("bucket %d out of range", i)
		}
		snap.Buckets[i] = c
		n += c
	}
	if n != s.Count {
		return track.Snapshot{}, fmt.Errorf("buckets hold %d observations, count says %d", n, s.Count)
	}
	return snap, nil
}

// State returns the running benchmark's progress as of now; ok is false
// when none runs.
func (b *Benchmark) State(now time.Time) (st BenchState, ok bool) {
	r := b.run.Load()
	if r == nil {
		return BenchState{}, false
	}
	st = BenchState{Start: r.origin, Elapsed: r.prior + now.Sub(r.start)}
	add := func(k *benchKey) {
		if s := k.total(); s.Count > 0 {
			st.Keys = append(st.Keys, BenchKeyState{Type: k.reqType, Name: k.name, Stats: saveStats(s)})
		}
	}
	if ts := r.types.Load(); ts != nil {
		for _, t := range *ts {
			for _, k := range *t.names.Load() {
				add(k)
			}
		}
	}
	add(&r.overflow)
	return st, true
}

// Resume starts a benchmark at now that carries on from st: its report
// counts what st recorded and st.Elapsed of running time besides the time
// from now on, and Active reports st.Start. It fails with
// [ErrAlreadyStarted] if one runs, and for a state no benchmark could have
// saved.
func (b *Benchmark) Resume(st BenchState, now time.Time) error {
	if st.Elapsed < 0 {
		return errors.New("benchmark state: negative elapsed time")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.run.Load(); r != nil {
		return alreadyStarted("benchmark", r.origin)
	}
	r := newBenchRun(now)
	r.origin, r.prior = st.Start, st.Elapsed
	for _, ks := range st.Keys {
		snap, err := ks.Stats.snapshot()
		if err != nil {
			return fmt.Errorf("benchmark state: %s/%s: %w", ks.Type, ks.Name, err)
		}
		k := &r.overflow
		if ks.Type != OverflowName {
			k = r.key(ks.Type, ks.Name)
		}
		k.base = k.base.Merge(snap)
	}
	b.run.Store(r)
	return nil
}

// EntriesSince returns, for a running tracker, when it started, the closed
// periods after the first n of the run (those still kept), how many were
// ever closed, and the open period; ok is false when it does not run.
func (t *ActionTracker) EntriesSince(n uint64) (start time.Time, entries []Entry, total uint64, open OpenPeriod, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active {
		return time.Time{}, nil, 0, OpenPeriod{}, false
	}
	all := t.history()
	all = all[:len(all)-1] // the open period
	fresh := int(min(t.total-min(n, t.total), uint64(len(all))))
	open = OpenPeriod{TS: t.open.TS, State: maps.Clone(t.open.State), Calls: maps.Clone(t.open.Calls)}
	return t.start, all[len(all)-fresh:], t.total, open, true
}

// Resume starts tracking again after a restart, from start with the closed
// periods saved so far (oldest first; the newest are kept) and the open
// period as saved: its calls carry on, and the engine's recorders, which
// began again from zero, add theirs from the next Tick (which sets their
// baseline, as after Start). It fails with
// [ErrAlreadyStarted] if tracking runs.
func (t *ActionTracker) Resume(start time.Time, entries []Entry, open OpenPeriod) error {
	if err := t.Start(start); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if keep := t.capacity - 1; len(entries) > keep {
		entries = entries[len(entries)-keep:]
	}
	t.closed = append(t.closed, entries...)
	t.total = uint64(len(entries))
	if open.TS != 0 {
		t.open = OpenPeriod{TS: open.TS, State: maps.Clone(open.State), Calls: maps.Clone(open.Calls)}
		if t.open.Calls == nil {
			t.open.Calls = map[string]CallSum{}
		}
	}
	// The serving placement the open period began with, for change
	// detection; the first period's is the one found at the first Tick.
	if open.State != nil {
		t.placement = map[string]string{}
		for m, s := range open.State {
			if s.Mode != "" {
				t.placement[m] = s.Mode
			}
		}
	}
	return nil
}

// StatesSince returns, for a running tracker, when it started, the states
// appended after the first n of the run (those still in the ring), and how
// many were ever appended; ok is false when it does not run.
func (t *SysTracker) StatesSince(n uint64) (start time.Time, states []SysState, total uint64, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active {
		return time.Time{}, nil, 0, false
	}
	all := t.report().States
	fresh := int(min(t.total-min(n, t.total), uint64(len(all))))
	return t.start, all[len(all)-fresh:], t.total, true
}

// Resume starts tracking again after a restart, from start with the states
// saved so far (oldest first; the newest capacity are kept). It fails with
// [ErrAlreadyStarted] if tracking runs.
func (t *SysTracker) Resume(start time.Time, states []SysState) error {
	if err := t.Start(start); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(states) > t.capacity {
		states = states[len(states)-t.capacity:]
	}
	t.ring = append(t.ring, states...)
	t.total = uint64(len(states))
	return nil
}
