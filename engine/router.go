package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
)

// Call runs the action called name ("module.action") with named arguments,
// on whichever placement serves its module now. It is the hot path: one
// lock-free table lookup, a reference on the current binding so a switch
// cannot release it under the call, the call itself and its recording.
func (e *Engine) Call(ctx context.Context, name string, args map[string]any) (any, error) {
	modName, act, ok := strings.Cut(name, ".")
	if !ok || modName == "" || act == "" {
		return nil, errorf(ErrInvalid, "action name %q: want MODULE.ACTION", name)
	}
	m := (*e.routes.Load())[modName]
	if m == nil {
		return nil, errorf(ErrNotFound, "module %q is not configured (configure it with `jsorc actions config %s SOURCE`)", modName, modName)
	}
	b := m.acquire()
	if b == nil {
		return nil, errorf(ErrNotLoaded, "module %q is not loaded (load it with `jsorc actions load %s -mode module`)", modName, modName)
	}
	defer b.release()
	ent := b.entries[act]
	if ent == nil {
		return nil, errorf(ErrNotFound, "module %q has no action %q (it has %s)", modName, act, strings.Join(b.actionNames(), ", "))
	}
	start := time.Now()
	res, err := b.invoke(ctx, modName, ent, args)
	ent.rec.Record(time.Since(start), err == nil, 0)
	if err != nil {
		return nil, callError(name, b.mode, err)
	}
	return res, nil
}

// callError classifies a failed call: bad arguments are the caller's fault,
// anything else is reported as the action's failure with its placement.
func callError(name string, mode Mode, err error) error {
	var ae *actions.ArgsError
	if errors.As(err, &ae) {
		return errorf(ErrInvalid, "%w", ae)
	}
	return fmt.Errorf("%s (%s mode): %w", name, mode, err)
}
