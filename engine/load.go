package engine

import (
	"cmp"
	"context"
	"fmt"
	"strings"
)

// LoadOptions tune Load.
type LoadOptions struct {
	// Wait blocks a remote load until the server is READY and serving.
	// Module-mode loads always wait: loading in-process is quick.
	Wait bool
}

// Load is JSORC's `actions load NAME -mode MODE`. Module mode loads the
// module in-process and returns once it serves. Remote mode starts the
// module's action server (or watches the external one) and, as JSORC did,
// returns at once with status STARTING unless opts.Wait is set; the switch
// to the server happens when it is READY. Whatever served before keeps
// serving until then, so no call fails because of the switch.
func (e *Engine) Load(ctx context.Context, name, mode string, opts LoadOptions) (ActionStatus, error) {
	md, err := ParseLoadMode(mode)
	if err != nil {
		return ActionStatus{}, err
	}
	m, err := e.module(name)
	if err != nil {
		return ActionStatus{}, err
	}
	// The requested mode is stored before anything acts on it, under the
	// module's intent lock so that concurrent requests store and set their
	// modes in the same order: whatever the client does next (it may time
	// out or hang up), a restart brings back what was last requested.
	m.intent.Lock()
	if err := m.ensureRunning(); err != nil {
		m.intent.Unlock()
		return ActionStatus{}, err
	}
	m.mu.Lock()
	cfg := m.cfg
	retire := m.retire
	m.mu.Unlock()
	canModule, canRemote := cfg.Runnable()
	if md == ModeModule && !canModule {
		m.intent.Unlock()
		return ActionStatus{}, errorf(ErrConflict, "module %q has no in-process implementation (its config gives only a server); load it with -mode remote", name)
	}
	if md == ModeRemote && !canRemote {
		m.intent.Unlock()
		return ActionStatus{}, errorf(ErrConflict, "module %q has no way to run remotely", name)
	}
	if md == ModeRemote {
		retire = true
	}
	if err := e.persistDesired(name, md, retire); err != nil {
		m.intent.Unlock()
		return m.status(), err
	}
	cause := causeOf(ctx)
	e.publish(cause, EventLoad, name, fmt.Sprintf("load in %s mode", md))
	gen := m.setDesired(md, retire, cause)
	m.intent.Unlock()
	ctx, cancel := e.interruptible(ctx)
	defer cancel()
	if md == ModeModule || opts.Wait {
		if err := m.waitFor(ctx, gen, md); err != nil {
			return m.status(), interrupted(ctx, "load of "+name, err)
		}
	} else if err := m.waitStarted(ctx, gen); err != nil {
		return m.status(), interrupted(ctx, "load of "+name, err)
	}
	return m.status(), nil
}

// Unload is JSORC's `actions unload NAME -mode MODE -retire_svc BOOL`. mode
// auto unloads whatever the module serves in; module or remote insist on
// that mode. With retire, a remote server the engine started is stopped;
// without it, the server stays up (warm) for a later load. It returns once
// the module serves nothing, with a message saying what was done.
func (e *Engine) Unload(ctx context.Context, name, mode string, retire bool) (string, error) {
	md, err := ParseUnloadMode(mode)
	if err != nil {
		return "", err
	}
	m, err := e.module(name)
	if err != nil {
		return "", err
	}
	m.intent.Lock()
	if err := m.ensureRunning(); err != nil {
		m.intent.Unlock()
		return "", err
	}
	m.mu.Lock()
	desired, hasServer, external := m.desired, m.server != nil, m.cfg.URL != ""
	serving, phase := m.serving, m.rstate.Phase
	m.mu.Unlock()
	if md == ModeAuto {
		md = desired
	}
	switch {
	case desired == ModeNone && md == ModeRemote && hasServer && retire:
		// Only a warm server is left: retire it.
	case desired == ModeNone || md == ModeNone:
		if hasServer && retire {
			break
		}
		m.intent.Unlock()
		return "", errorf(ErrConflict, "module %q is not loaded", name)
	case md != desired:
		m.intent.Unlock()
		return "", errorf(ErrConflict, "module %q is loaded in %s mode, not %s (use -mode auto)", name, desired, md)
	}
	// Stored first, as for Load: an unload the client gives up on still
	// holds after a restart.
	if err := e.persistDesired(name, ModeNone, false); err != nil {
		m.intent.Unlock()
		return "", err
	}
	cause := causeOf(ctx)
	e.publish(cause, EventUnload, name, fmt.Sprintf("unload from %s mode (retire_svc %v)", modeWord(desired), retire))
	gen := m.setDesired(ModeNone, retire, cause)
	m.intent.Unlock()
	ctx, cancel := e.interruptible(ctx)
	defer cancel()
	if err := m.waitFor(ctx, gen, ModeNone); err != nil {
		return "", interrupted(ctx, "unload of "+name, err)
	}
	if retire {
		if err := m.waitServerGone(ctx); err != nil {
			return "", interrupted(ctx, "unload of "+name, err)
		}
	}
	switch {
	case external && desired == ModeRemote:
		return fmt.Sprintf("unloaded %s from remote mode; its external action server is not jsorc's to stop", name), nil
	case desired == ModeNone:
		return fmt.Sprintf("retired the warm action server of %s", name), nil
	case desired == ModeRemote && retire && serving != ModeRemote && !external:
		// A load still under way: it is cancelled, its server stopped.
		return fmt.Sprintf("cancelled the load of %s in remote mode: its action server was %s and is stopped", name, strings.ToLower(cmp.Or(phase.Status(), "not started"))), nil
	case desired == ModeRemote && retire:
		return fmt.Sprintf("unloaded %s from remote mode and retired its action server", name), nil
	case desired == ModeRemote:
		return fmt.Sprintf("unloaded %s from remote mode; its action server stays up", name), nil
	case hasServer && retire:
		return fmt.Sprintf("unloaded %s from module mode and retired its warm action server", name), nil
	}
	return fmt.Sprintf("unloaded %s from module mode", name), nil
}

// waitStarted blocks until the reconciler has taken up a remote load of
// generation gen: its server is starting (or ready), or the attempt failed.
// It makes the answer of a non-waiting load show STARTING, as JSORC's did.
func (m *module) waitStarted(ctx context.Context, gen uint64) error {
	for {
		m.mu.Lock()
		started := m.server != nil || m.serving == ModeRemote
		failed, ch := m.failGen == gen && m.failErr != nil, m.changed
		failErr := m.failErr
		m.mu.Unlock()
		if failed {
			return failErr
		}
		if started {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return errorf(ErrUnavailable, "module %q: the remote load was not taken up in time: %w", m.name, ctx.Err())
		}
	}
}

// waitServerGone blocks until the module has no remote server and every
// server it stopped has exited.
func (m *module) waitServerGone(ctx context.Context) error {
	for {
		m.mu.Lock()
		gone, ch := m.server == nil && m.stopping == 0, m.changed
		m.mu.Unlock()
		if gone {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return errorf(ErrUnavailable, "the action server of %q did not stop in time", m.name)
		}
	}
}
