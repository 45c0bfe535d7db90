package track

import "sync"

// A Window is a fixed-capacity ring buffer of snapshot deltas, typically one per
// tick (say each second), feeding the console's graphs and the placement
// policies. Once full, each Push overwrites the oldest delta, so its memory
// (about 4.4 KiB per slot) is bounded however long it runs.
//
// A Window is safe for concurrent use; it takes a mutex, as it is not meant for
// the hot path.
type Window struct {
	mu    sync.Mutex
	buf   []Snapshot
	next  int    // slot the next Push writes
	n     int    // slots in use
	total uint64 // pushes ever

	prev    Snapshot // last cumulative snapshot given to Observe
	hasPrev bool
}

// NewWindow returns an empty Window holding up to capacity deltas. It panics if
// capacity is less than 1.
func NewWindow(capacity int) *Window {
	if capacity < 1 {
		panic("track: window capacity must be at least 1")
	}
	return &Window{buf: make([]Snapshot, capacity)}
}

// Push appends s, typically a delta from [Snapshot.Sub], evicting the oldest
// entry when the window is full.
func (w *Window) Push(s Snapshot) {
	w.mu.Lock()
	w.push(&s)
	w.mu.Unlock()
}

func (w *Window) push(s *Snapshot) {
	w.buf[w.next] = *s
	w.next++
	if w.next == len(w.buf) {
		w.next = 0
	}
	if w.n < len(w.buf) {
		w.n++
	}
	w.total++
}

// Observe takes a cumulative snapshot (from [Recorder.Snapshot]) and pushes its
// delta from the previous one given to Observe, returning that delta and true.
// The first call only records the baseline and returns false, so observations
// made before the window started watching are not attributed to its first
// tick.
func (w *Window) Observe(cumulative Snapshot) (Snapshot, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.hasPrev {
		w.prev, w.hasPrev = cumulative, true
		return Snapshot{}, false
	}
	d := cumulative.Sub(w.prev)
	w.prev = cumulative
	w.push(&d)
	return d, true
}

// Len returns the number of deltas held, at most Cap.
func (w *Window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Cap returns the capacity given to NewWindow.
func (w *Window) Cap() int {
	return len(w.buf)
}

// Total returns how many deltas were ever pushed, including evicted ones.
func (w *Window) Total() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.total
}

// Last returns copies of the n most recent deltas, oldest first; fewer if the
// window holds fewer, none if n <= 0.
func (w *Window) Last(n int) []Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, start := w.span(n)
	out := make([]Snapshot, n)
	for i := range out {
		out[i] = w.buf[(start+i)%len(w.buf)]
	}
	return out
}

// Sum returns the Merge of the n most recent deltas (all of them if n exceeds
// Len), for example the calls, mean and quantiles of the last n seconds. It
// returns the zero Snapshot if the window is empty or n <= 0.
func (w *Window) Sum(n int) Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, start := w.span(n)
	var m Snapshot
	for i := range n {
		m.add(&w.buf[(start+i)%len(w.buf)])
	}
	return m
}

// Each calls f on the n most recent deltas, oldest first, without copying
// them; the index i counts from 0 for the oldest. f must not retain the pointer
// nor call methods of w, which stays locked meanwhile.
func (w *Window) Each(n int, f func(i int, s *Snapshot)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, start := w.span(n)
	for i := range n {
		f(i, &w.buf[(start+i)%len(w.buf)])
	}
}

// span clamps n to [0, w.n] and returns it with the slot of the oldest of the
// n most recent entries. w.mu must be held.
func (w *Window) span(n int) (int, int) {
	n = max(0, min(n, w.n))
	start := w.next - n
	if start < 0 {
		start += len(w.buf)
	}
	return n, start
}
