package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/track"
)

// routeTable is the router's read-only view: modules by name, and every
// action any placement of a module has offered, by full name. A new table
// replaces the old one whole, so calls read it without a lock.
type routeTable struct {
	mods map[string]*module
	acts map[string]*actionRoute
}

// actionRoute leads a full action name to its module and to the action's
// slot in the module's bindings.
type actionRoute struct {
	m    *module
	slot int
}

func (t *routeTable) clone() *routeTable {
	n := &routeTable{
		mods: make(map[string]*module, len(t.mods)+1),
		acts: make(map[string]*actionRoute, len(t.acts)),
	}
	for k, v := range t.mods {
		n.mods[k] = v
	}
	for k, v := range t.acts {
		n.acts[k] = v
	}
	return n
}

// slotOf returns the slot of module m's action, adding a route for it the
// first time a placement offers it. Slots are stable for the engine's life,
// so bindings of either mode index the same action the same way.
func (e *Engine) slotOf(m *module, action string) int {
	full := actions.FullName(m.name, action)
	if r := e.routes.Load().acts[full]; r != nil {
		return r.slot
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.routes.Load()
	if r := cur.acts[full]; r != nil {
		return r.slot
	}
	m.slots++
	r := &actionRoute{m: m, slot: m.slots - 1}
	next := cur.clone()
	next.acts[full] = r
	e.routes.Store(next)
	return r.slot
}

// Call runs the action called name ("module.action") with named arguments,
// on whichever placement serves its module now. It is the hot path: one
// lock-free table lookup, a reference on the current binding so a switch
// cannot release it under the call, the call itself and its recording.
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
	r := e.routes.Load().acts[name]
	if r == nil {
		return nil, nil, e.unroutable(name)
	}
	b := r.m.acquire()
	if b == nil {
		return nil, nil, notLoaded(r.m.name)
	}
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
	start := track.Now()
	res, n, err := b.invoke(ctx, r.m.name, ent, args)
	ent.rec.Record(start.Since(), err == nil, n)
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

// unroutable explains why a name has no route.
func (e *Engine) unroutable(name string) error {
	modName, act, ok := strings.Cut(name, ".")
	if !ok || modName == "" || act == "" {
		return errorf(ErrInvalid, "action name %q: want MODULE.ACTION", name)
	}
	m := e.routes.Load().mods[modName]
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
