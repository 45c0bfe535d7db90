package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
	"github.com/jsorc/jsorc/engine/track"
)

// routeShards is how many parts the routing table is split into: adding
// or removing a module copies one part, so configuring n modules one by
// one costs O(n²/routeShards), and a batch costs O(n).
const routeShards = 256

// routeTable is the router's view of the modules, by name. Each shard is a
// map replaced whole (copy on write) under the engine's mu, so calls read
// it without a lock. A module's actions are routed by the module itself
// (see module.slot).
type routeTable struct {
	seed   maphash.Seed
	shards [routeShards]atomic.Pointer[map[string]*module]
	count  atomic.Int64
	// calls leads a full action name ("module.action") straight to its
	// route: one lookup per call instead of the module's and then the
	// action's. Filled by the first call of each action, shard by shard
	// (copy on write) under callsMu; a removed module's routes go with it.
	calls   [routeShards]atomic.Pointer[map[string]route]
	callsMu sync.Mutex
}

// route leads a call to its module and to the action's slot in the
// module's bindings.
type route struct {
	m    *module
	slot int
}

// lookup returns the route of a full action name known to the table.
func (t *routeTable) lookup(name string) (route, bool) {
	if p := t.calls[maphash.String(t.seed, name)%routeShards].Load(); p != nil {
		r, ok := (*p)[name]
		return r, ok
	}
	return route{}, false
}

// remember keeps the route of full action name for the next calls,
// unless its module left the table meanwhile (remove purges only what it
// finds).
func (t *routeTable) remember(name, module string, r route) {
	t.callsMu.Lock()
	defer t.callsMu.Unlock()
	if t.get(module) != r.m {
		return
	}
	sh := &t.calls[maphash.String(t.seed, name)%routeShards]
	next := map[string]route{}
	if p := sh.Load(); p != nil {
		next = maps.Clone(*p)
	}
	next[name] = r
	sh.Store(&next)
}

// forgetRoutes drops the remembered routes to module m.
func (t *routeTable) forgetRoutes(m *module) {
	t.callsMu.Lock()
	defer t.callsMu.Unlock()
	for i := range t.calls {
		p := t.calls[i].Load()
		if p == nil || !routesTo(*p, m) {
			continue
		}
		next := maps.Clone(*p)
		maps.DeleteFunc(next, func(_ string, r route) bool { return r.m == m })
		t.calls[i].Store(&next)
	}
}

func newRouteTable() *routeTable {
	return &routeTable{seed: maphash.MakeSeed()}
}

func (t *routeTable) shard(name string) *atomic.Pointer[map[string]*module] {
	return &t.shards[maphash.String(t.seed, name)%routeShards]
}

// get returns the module called name, or nil.
func (t *routeTable) get(name string) *module {
	if p := t.shard(name).Load(); p != nil {
		return (*p)[name]
	}
	return nil
}

// len is the number of modules.
func (t *routeTable) len() int { return int(t.count.Load()) }

// all yields every module by name, in no order.
func (t *routeTable) all() iter.Seq2[string, *module] {
	return func(yield func(string, *module) bool) {
		for i := range t.shards {
			p := t.shards[i].Load()
			if p == nil {
				continue
			}
			for name, m := range *p {
				if !yield(name, m) {
					return
				}
			}
		}
	}
}

// names lists the modules, sorted.
func (t *routeTable) names() []string {
	out := make([]string, 0, t.len())
	for name := range t.all() {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// put adds modules, copying each shard it touches once. Call with the
// engine's mu held.
func (t *routeTable) put(mods []*module) {
	next := map[*atomic.Pointer[map[string]*module]]map[string]*module{}
	for _, m := range mods {
		sh := t.shard(m.name)
		nm, ok := next[sh]
		if !ok {
			nm = map[string]*module{}
			if p := sh.Load(); p != nil {
				nm = maps.Clone(*p)
			}
			next[sh] = nm
		}
		if _, dup := nm[m.name]; !dup {
			t.count.Add(1)
		}
		nm[m.name] = m
	}
	for sh, nm := range next {
		sh.Store(&nm)
	}
}

// remove deletes the module called name. Call with the engine's mu held.
func (t *routeTable) remove(name string) {
	sh := t.shard(name)
	p := sh.Load()
	if p == nil {
		return
	}
	if _, ok := (*p)[name]; !ok {
		return
	}
	m := (*p)[name]
	nm := maps.Clone(*p)
	delete(nm, name)
	sh.Store(&nm)
	t.count.Add(-1)
	// After the module left the table, so remember cannot bring a route
	// back.
	t.forgetRoutes(m)
}

// routesTo says whether one of routes leads to module m.
func routesTo(routes map[string]route, m *module) bool {
	for _, r := range routes {
		if r.m == m {
			return true
		}
	}
	return false
}

// slot returns the slot of the module's action called action.
func (m *module) slot(action string) (int, bool) {
	if p := m.acts.Load(); p != nil {
		i, ok := (*p)[action]
		return i, ok
	}
	return 0, false
}

// slotOf returns the slot of module m's action, adding it the first time a
// placement offers it. Slots are stable for the module's life, so bindings
// of either mode index the same action the same way.
func (m *module) slotOf(action string) int {
	if i, ok := m.slot(action); ok {
		return i
	}
	m.actsMu.Lock()
	defer m.actsMu.Unlock()
	var next map[string]int
	if p := m.acts.Load(); p != nil {
		if i, ok := (*p)[action]; ok {
			return i
		}
		next = maps.Clone(*p)
	} else {
		next = map[string]int{}
	}
	i := len(next)
	next[action] = i
	m.acts.Store(&next)
	return i
}

// Call runs the action called name ("module.action") with named arguments,
// on whichever placement serves its module now. It is the hot path: one
// lock-free lookup (the action's route, remembered from its first call), a
// reference on the current binding so a switch cannot release it under
// the call, the call itself and its recording. Every call has a deadline
// (the module's timeout unless ctx ends sooner) except a quick in-process
// action's, which never waits and could not heed one; a quick action is
// timed on a random one call in track.SampleEvery, every call counted. A call whose action server went down
// under it is retried once on the module's in-process fallback; without
// one it fails with ErrRetryLater.
func (e *Engine) Call(ctx context.Context, name string, args map[string]any) (any, error) {
	res, _, err := e.call(ctx, name, args, false)
	return res, err
}

// CallKeywords is Call for keyword arguments from a caller that does not
// know the action's parameters (actions_call, `jsorc actions call`): they
// are placed as Jaseci's client placed them, in either mode — keys naming
// a parameter by name, the others folded into the action's **kwargs
// parameter or dropped, top-level nulls left out (see
// actions.PlaceKeywords). It also returns the keys it dropped.
func (e *Engine) CallKeywords(ctx context.Context, name string, kwargs map[string]any) (any, []string, error) {
	return e.call(ctx, name, kwargs, true)
}

func (e *Engine) call(ctx context.Context, name string, args map[string]any, place bool) (any, []string, error) {
	r, ok := e.routes.lookup(name)
	if !ok {
		modName, act, _ := strings.Cut(name, ".")
		m := e.routes.get(modName)
		if m == nil {
			return nil, nil, e.unroutable(name)
		}
		slot, ok := m.slot(act)
		if !ok {
			return nil, nil, e.unroutable(name)
		}
		r = route{m: m, slot: slot}
		e.routes.remember(name, modName, r)
	}
	m := r.m
	b := m.acquire()
	if b == nil {
		return nil, nil, notLoaded(m.name)
	}
	res, dropped, err := e.callOn(ctx, &r, b, name, args, place)
	if err == nil {
		return res, dropped, nil
	}
	if ctx.Err() != nil {
		return nil, dropped, e.cutShort(ctx, name, err)
	}
	if b.mode != ModeRemote || !serverGone(err) {
		return nil, dropped, err
	}
	if b.readyReplicas() > 1 {
		// One of several replicas went down under the call, which may have
		// run on it: it is not sent again; the others take the next calls.
		// (A module's only replica going down falls back as below.)
		return nil, dropped, retryLater("%s: a replica of the action server of %q went down under the call: %w", name, m.name, err)
	}
	next, werr := m.awaitFallback(ctx, b)
	if werr != nil {
		return nil, dropped, retryLater("%s: the action server of %q is down and the module has no fallback now (%v): %w", name, m.name, werr, err)
	}
	e.retried.Add(1)
	res, dropped, err = e.callOn(ctx, &r, next, name, args, place)
	switch {
	case err == nil:
		return res, dropped, nil
	case ctx.Err() != nil:
		return nil, dropped, e.cutShort(ctx, name, err)
	case next.mode == ModeRemote && serverGone(err):
		return nil, dropped, retryLater("%s: the action server of %q is down: %w", name, m.name, err)
	}
	return nil, dropped, err
}

// callOn runs one call on binding b, on which the caller holds a
// reference, and releases it. Its error is of the kind callError gives.
func (e *Engine) callOn(ctx context.Context, r *route, b *binding, name string, args map[string]any, place bool) (any, []string, error) {
	defer b.release()
	var ent *entry
	if r.slot < len(b.slots) {
		ent = b.slots[r.slot]
	}
	if ent == nil {
		return nil, nil, errorf(ErrNotFound, "%s mode of module %q has no action %q (it has %s)", b.mode, r.m.name, name, strings.Join(b.actionNames(), ", "))
	}
	var dropped []string
	if place {
		args, dropped = actions.PlaceKeywords(ent.spec, args)
	}
	var res any
	var err error
	if ent.quick {
		res, err = e.callQuick(ctx, r.m.name, ent, args)
	} else {
		start := track.Now()
		var m protocol.Measured
		res, m, err = b.invoke(ctx, &e.callCtxs, start, r.m.name, ent, args)
		ent.rec.Record(start.Since(), err == nil, m.Bytes)
		if m.Server > 0 {
			ent.rec.RecordServer(m.Server)
		}
	}
	if err != nil {
		err = callError(name, b.mode, err)
		if len(dropped) > 0 && errors.Is(err, ErrInvalid) {
			// A misspelt key is the likely cause: say it was dropped.
			err = fmt.Errorf("%w (ignored %s: %s takes no such parameter)", err, strings.Join(dropped, ", "), name)
		}
		return nil, dropped, err
	}
	return res, dropped, nil
}

// callQuick runs a quick in-process action (see entry.quick): without a
// deadline, which it would not heed, and timed on one call in
// track.SampleEvery; the others are counted with the latency last timed.
func (e *Engine) callQuick(ctx context.Context, module string, ent *entry, args map[string]any) (any, error) {
	if !ent.rec.Tick() {
		res, err := callInProcess(ctx, module, ent, args)
		ent.rec.RecordUntimed(err == nil, 0)
		return res, err
	}
	start := track.Now()
	res, err := callInProcess(ctx, module, ent, args)
	ent.rec.Record(start.Since(), err == nil, 0)
	return res, err
}

// awaitFallback waits, after a call found the action server of binding
// dead gone, until the module serves from another placement (its
// in-process fallback, or its server back), and returns that binding with
// a reference taken. It fails at once when the module cannot fall back.
func (m *module) awaitFallback(ctx context.Context, dead *binding) (*binding, error) {
	m.mu.Lock()
	cfg := m.cfg.ActionConfig
	m.mu.Unlock()
	if err := m.e.canFallBack(m, cfg); err != nil {
		return nil, err
	}
	timer := time.NewTimer(fallbackWait)
	defer timer.Stop()
	for {
		m.mu.Lock()
		ch := m.changed
		m.mu.Unlock()
		if m.cur.Load() != dead {
			if b := m.acquire(); b != nil {
				return b, nil
			}
			return nil, errors.New("the module was unloaded meanwhile")
		}
		select {
		case <-ch:
		case <-timer.C:
			return nil, fmt.Errorf("no fallback within %v", fallbackWait)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// unroutable explains why a name has no route.
func (e *Engine) unroutable(name string) error {
	modName, act, ok := strings.Cut(name, ".")
	if !ok || modName == "" || act == "" {
		return errorf(ErrInvalid, "action name %q: want MODULE.ACTION", name)
	}
	m := e.routes.get(modName)
	if m == nil {
		return errorf(ErrNotFound, "module %q is not configured (configure it with `jsorc actions config %s SOURCE`)", modName, modName)
	}
	b := m.acquire()
	if b == nil {
		return notLoaded(modName)
	}
	defer b.release()
	return errorf(ErrNotFound, "module %q has no action %q (it has %s)", modName, act, strings.Join(b.actionNames(), ", "))
}

func notLoaded(module string) error {
	return errorf(ErrNotLoaded, "module %q is not loaded (load it with `jsorc actions load %s -mode module`)", module, module)
}

// callError classifies a failed call: bad arguments are the caller's fault,
// anything else is reported as the action's failure with its placement (of
// the backend's kind when the backend says the server is unreachable).
func callError(name string, mode Mode, err error) error {
	var ae *actions.ArgsError
	if errors.As(err, &ae) {
		if ae.Action != name {
			ae = &actions.ArgsError{Action: name, Fields: ae.Fields}
		}
		return errorf(ErrInvalid, "%w", ae)
	}
	return fromBackend(fmt.Errorf("%s (%s mode): %w", name, mode, err))
}
