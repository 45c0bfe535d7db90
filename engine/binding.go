package engine

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/engine/track"
)

// binding is one placement of a module that serves calls: an in-process
// instance or a remote action server at a URL. A module points at its current
// binding through an atomic pointer; a switch builds the new binding first,
// swaps the pointer, then retires the old one and waits until its in-flight
// calls have returned before releasing it (make-before-break).
//
// refs counts the module's own reference (1 while current) plus one per call
// in flight. Zero is terminal: acquire refuses a binding at zero, so the
// drained channel is closed exactly once.
type binding struct {
	mode Mode
	url  string
	// slots holds the binding's actions at their route slots (see slotOf);
	// nil where this placement lacks an action another one offered.
	slots   []*entry
	names   []string
	refs    atomic.Int64
	drained chan struct{}

	// inst is the in-process instance (module mode); closed after draining
	// (or kept, for a wasm module moving to remote: wasmkeep.go).
	inst actions.Instance
	// wasmKey is what a wasm module's inst was loaded from (wasmKey);
	// fromKept says inst is the module kept since it left module mode.
	wasmKey  string
	fromKept bool
	// server is the action server a remote binding calls; it stops only
	// once the binding has drained.
	server *serverRun
	client *protocol.Client
	// timeout bounds each call unless the caller's deadline is sooner.
	timeout time.Duration
	// reps are the ready replicas of a remote binding whose backend runs
	// replicas (nil: calls go to url); keep is how many replicas the
	// module keeps (those of higher index are leaving), rr turns ties
	// between replicas round. See replicas.go.
	reps atomic.Pointer[[]*replica]
	keep atomic.Int64
	rr   atomic.Uint64
}

// entry is one action of a binding with the recorder its calls feed.
type entry struct {
	name string
	// spec lists the action's parameters as its spec endpoint names them
	// ("text", "*rest", "**opts"), in either mode.
	spec   []string
	action *actions.Action // module mode only
	// aliases lets in-process calls take variadic arguments under their
	// spec names, as the action server does.
	aliases actions.Aliases
	rec     *track.Recorder
	// quick is an in-process action that returns at once (actions.Action's
	// Quick): it gets no deadline, and one call in track.SampleEvery is
	// timed, every call counted.
	quick bool
}

func newBinding(mode Mode) *binding {
	b := &binding{mode: mode, drained: make(chan struct{})}
	b.refs.Store(1)
	return b
}

// acquire takes a reference for one call; it fails once the binding retired.
func (b *binding) acquire() bool {
	for {
		n := b.refs.Load()
		if n <= 0 {
			return false
		}
		if b.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference; the last one closes drained.
func (b *binding) release() {
	if b.refs.Add(-1) == 0 {
		close(b.drained)
	}
}

// retire drops the module's own reference: once in-flight calls return,
// drained is closed.
func (b *binding) retire() { b.release() }

// invoke runs one call on this binding, under its deadline (a context
// from ctxs), and returns what its transport measured: the payload bytes
// it moved and the server's own time (both 0 in-process, where nothing is
// serialised).
func (b *binding) invoke(ctx context.Context, ctxs *callContexts, start track.Mono, module string, e *entry, args map[string]any) (any, protocol.Measured, error) {
	if b.timeout > 0 {
		var dc *callContext
		ctx, dc = ctxs.withCallDeadline(ctx, b.timeout, start)
		defer dc.release()
	}
	if b.mode == ModeModule {
		res, err := callInProcess(ctx, module, e, args)
		return res, protocol.Measured{}, err
	}
	if reps := b.reps.Load(); reps != nil {
		return b.callReplicas(ctx, *reps, e, args)
	}
	return b.client.CallMeasured(ctx, b.url, e.name, args)
}

// inFlight counts the calls running on b; current says whether b still
// holds the module's own reference.
func (b *binding) inFlight(current bool) int {
	n := b.refs.Load()
	if current {
		n--
	}
	return int(max(n, 0))
}

// actionNames lists the binding's actions, sorted.
func (b *binding) actionNames() []string { return b.names }

// add puts an action's entry at its slot.
func (b *binding) add(slot int, e *entry) {
	for len(b.slots) <= slot {
		b.slots = append(b.slots, nil)
	}
	b.slots[slot] = e
	b.names = append(b.names, e.name)
	sort.Strings(b.names)
}

// callInProcess validates the arguments and calls the action's Go function.
// A panicking action fails its call, not the engine.
func callInProcess(ctx context.Context, module string, e *entry, args map[string]any) (res any, err error) {
	if e.aliases != nil {
		var errs []actions.FieldError
		if args, errs = e.aliases.Apply(args); errs != nil {
			return nil, &actions.ArgsError{Action: actions.FullName(module, e.name), Fields: errs}
		}
	}
	args, errs := actions.Validate(e.action, args)
	if errs != nil {
		return nil, &actions.ArgsError{Action: actions.FullName(module, e.name), Fields: errs}
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("action %s panicked: %v", actions.FullName(module, e.name), p)
		}
	}()
	return e.action.Fn(ctx, args)
}
