package engine

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
	"github.com/jsorc/jsorc/store"
)

// A running benchmark, trackact and tracksys survive a restart of the
// engine: their progress is saved in the store (running/<kind>) every
// checkpointEvery, when they start and when the engine closes, and resumed
// at the next start. A crash loses what was recorded since the last save;
// the benchmark's throughput counts the time it ran, not the downtime.

// checkpointEvery is how often running measurements are saved.
const checkpointEvery = 5 * time.Second

// Measurement kinds in the store, as the CLI names them.
const (
	progressBenchmark = "benchmark"
	progressTrackAct  = "trackact"
	progressTrackSys  = "tracksys"
)

// progressSaved counts the history entries of the current trackact and
// tracksys runs already saved.
type progressSaved struct {
	acts, sys uint64
}

// trackerState is the saved state of trackact or tracksys: its start and,
// for trackact, the placement period in progress; their closed entries are
// saved one by one.
type trackerState struct {
	Start time.Time           `json:"start"`
	Open  *measure.OpenPeriod `json:"open,omitempty"`
}

// saveProgressIfDue saves what runs when the last save is checkpointEvery
// old. e.meas.runMu is held.
func (e *Engine) saveProgressIfDue(now time.Time) {
	if now.Sub(e.meas.lastSaved) >= checkpointEvery {
		e.saveProgress(now)
	}
}

// saveProgress saves every running measurement: the benchmark's state
// whole, the trackers' new entries. A failure (a full disk) is logged, not
// fatal: measuring goes on, and the next save tries again. e.meas.runMu is
// held.
func (e *Engine) saveProgress(now time.Time) {
	e.meas.lastSaved = now
	if st, ok := e.meas.bench.State(now); ok {
		if err := e.saveProgressOf(progressBenchmark, st, nil); err != nil {
			e.log.Warn("saving the running benchmark", "err", err)
		}
	}
	if start, entries, total, open, ok := e.meas.acts.EntriesSince(e.meas.saved.acts); ok {
		reps := make([]store.Report, len(entries))
		for i, en := range entries {
			reps[i] = progressEntry(en.TS, en)
		}
		if err := e.saveProgressOf(progressTrackAct, trackerState{Start: start, Open: &open}, reps); err != nil {
			e.log.Warn("saving trackact", "err", err)
		} else {
			e.meas.saved.acts = total
		}
	}
	if start, states, total, ok := e.meas.sys.StatesSince(e.meas.saved.sys); ok {
		reps := make([]store.Report, len(states))
		for i, st := range states {
			reps[i] = progressEntry(st.TS, st)
		}
		if err := e.saveProgressOf(progressTrackSys, trackerState{Start: start}, reps); err != nil {
			e.log.Warn("saving tracksys", "err", err)
		} else {
			e.meas.saved.sys = total
		}
	}
}

// saveProgressOf stores the state and new entries of one measurement.
func (e *Engine) saveProgressOf(kind string, state any, entries []store.Report) error {
	b, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("encoding the %s state: %w", kind, err)
	}
	for _, en := range entries {
		if en.Value == nil {
			return fmt.Errorf("encoding a %s entry", kind)
		}
	}
	return e.store.SaveProgress(kind, b, entries, measure.DefaultHistory)
}

// progressEntry is one history entry, keyed by its timestamp (Unix
// seconds); Value is nil if it cannot be encoded.
func progressEntry(ts float64, v any) store.Report {
	b, _ := json.Marshal(v)
	return store.Report{TS: time.Unix(0, int64(ts*1e9)), Value: b}
}

// clearProgress forgets a measurement that stopped.
func (e *Engine) clearProgress(kind string) {
	if err := e.store.ClearProgress(kind); err != nil {
		e.log.Warn("forgetting a stopped measurement", "kind", kind, "err", err)
	}
}

// saveProgressNow saves what runs, at Close.
func (e *Engine) saveProgressNow() {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	e.saveProgress(time.Now())
}

// restoreMeasuring resumes the measurements that ran when the engine last
// stopped. One that cannot be resumed (its saved state is damaged) is
// logged and forgotten: it must not keep the engine from starting.
func (e *Engine) restoreMeasuring() {
	e.meas.runMu.Lock()
	defer e.meas.runMu.Unlock()
	now := time.Now()
	restore := func(kind string, resume func(store.Progress) error) {
		p, ok, err := e.store.LoadProgress(kind)
		if err == nil && ok {
			err = resume(p)
		}
		if err != nil {
			e.log.Warn("could not resume a measurement that ran at the last stop", "kind", kind, "err", err)
			e.clearProgress(kind)
		}
	}
	restore(progressBenchmark, func(p store.Progress) error {
		var st measure.BenchState
		if err := json.Unmarshal(p.State, &st); err != nil {
			return err
		}
		if err := e.meas.bench.Resume(st, now); err != nil {
			return err
		}
		e.log.Info("resumed the benchmark", "since", st.Start, "ran", st.Elapsed.Round(time.Second))
		return nil
	})
	restore(progressTrackAct, func(p store.Progress) error {
		var st trackerState
		entries := make([]measure.Entry, len(p.Entries))
		if err := decodeProgress(p, &st, entries); err != nil {
			return err
		}
		var open measure.OpenPeriod
		if st.Open != nil {
			open = *st.Open
		}
		if err := e.meas.acts.Resume(st.Start, entries, open); err != nil {
			return err
		}
		_, _, e.meas.saved.acts, _, _ = e.meas.acts.EntriesSince(0)
		e.log.Info("resumed trackact", "since", st.Start, "entries", len(entries))
		return nil
	})
	restore(progressTrackSys, func(p store.Progress) error {
		var st trackerState
		states := make([]measure.SysState, len(p.Entries))
		if err := decodeProgress(p, &st, states); err != nil {
			return err
		}
		if err := e.meas.sys.Resume(st.Start, states); err != nil {
			return err
		}
		_, _, e.meas.saved.sys, _ = e.meas.sys.StatesSince(0)
		e.log.Info("resumed tracksys", "since", st.Start, "states", len(states))
		return nil
	})
	e.meas.lastSaved = now
}

// decodeProgress decodes a tracker's saved state and entries.
func decodeProgress[T any](p store.Progress, st *trackerState, out []T) error {
	if err := json.Unmarshal(p.State, st); err != nil {
		return err
	}
	for i, r := range p.Entries {
		if err := json.Unmarshal(r.Value, &out[i]); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
	}
	return nil
}
