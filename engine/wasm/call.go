package wasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero/sys"

	"github.com/jsorc/jsorc/engine/actions"
)

var errClosed = errors.New("the module is closed")

// caller is one action of a module as an actions.Func.
type caller struct {
	m      *Module
	name   string
	full   string // module.action, for errors
	params []actions.Param
}

// call runs the action on an instance of the pool: the arguments (with
// the spec's defaults filled in) go in as JSON, the result comes out as
// JSON and is decoded. The call's deadline — the module's timeout, or the
// context's when sooner — interrupts a module that does not return.
func (c *caller) call(ctx context.Context, args map[string]any) (any, error) {
	m := c.m
	full := c.full
	args = c.withDefaults(args)
	ab := argBuffers.Get().(*argBuffer)
	defer ab.release()
	if args == nil {
		ab.b = append(ab.b[:0], "{}"...)
	} else if err := ab.encode(args); err != nil {
		return nil, fmt.Errorf("%s: encoding the arguments: %w", full, err)
	}
	// The module's timeout bounds every call; a caller's earlier deadline
	// bounds it more. The watchdog stops a call once its context is done
	// (Err), so the caller's deadline is not asked for here: the engine's
	// call context arms a timer when asked for its deadline, a cost every
	// call would pay, while its Err reads the clock it keeps anyway.
	now := time.Now()
	deadline := now.Add(m.opts.Timeout)
	if !m.instrumented && m.load.Checks == checksWazero {
		// wazero's checks stop a call when its context is done.
		deadline = callerDeadline(ctx, deadline)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	in, err := m.take(ctx, deadline)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	status, stopped, err := m.invoke(ctx, in, deadline, c.name, ab.b)
	if stopped != nil && err == nil {
		// The call ended as the watchdog stopped it: the answer
		// stands, the instance (its interrupt global set) goes.
		res, err := c.outcome(full, status, in.out)
		m.drop(in)
		return res, err
	}
	if err != nil {
		m.drop(in)
		return nil, c.fault(full, err, stopped, time.Since(now))
	}
	res, err := c.outcome(full, status, in.out)
	m.put(in)
	return res, err
}

// callerDeadline is the sooner of deadline and ctx's deadline.
func callerDeadline(ctx context.Context, deadline time.Time) time.Time {
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		return d
	}
	return deadline
}

// withDefaults returns args with every missing parameter that has a
// default filled in, copying args only when something is missing.
func (c *caller) withDefaults(args map[string]any) map[string]any {
	copied := false
	for _, p := range c.params {
		if p.Kind != actions.Optional || p.Default == nil {
			continue
		}
		if v, ok := args[p.Name]; ok && v != nil {
			continue
		}
		if !copied {
			n := make(map[string]any, len(args)+1)
			for k, v := range args {
				n[k] = v
			}
			args, copied = n, true
		}
		args[p.Name] = p.Default
	}
	return args
}

// outcome turns a status and the module's output into the call's result
// or error.
func (c *caller) outcome(full string, st Status, out []byte) (any, error) {
	switch st {
	case StatusOK:
		if len(out) == 0 {
			return nil, nil
		}
		v, err := decodeJSON(out)
		if err != nil {
			return nil, &ActionError{Action: full, Msg: fmt.Sprintf("the module's result is not valid JSON: %v", err)}
		}
		return v, nil
	case StatusArgError:
		msg, param := errorOutput(out)
		if param == "" {
			param = "__root__"
		}
		return nil, actions.RangeError(full, param, msg)
	case StatusFailed:
		msg, _ := errorOutput(out)
		return nil, &ActionError{Action: full, Msg: msg}
	default:
		return nil, &ActionError{Action: full, Msg: fmt.Sprintf("the module returned the unknown status %d (0 ok, 1 argument error, 2 failure)", st)}
	}
}

// decodeJSONStd decodes exactly one JSON value, its numbers as
// json.Number, with encoding/json: the reference decodeJSON matches, and
// its errors.
func decodeJSONStd(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// errorOutput reads an error output: {"msg": ..., "param": ...}, or any
// other bytes as the message itself.
func errorOutput(out []byte) (msg, param string) {
	var e struct {
		Msg   string `json:"msg"`
		Param string `json:"param"`
	}
	if json.Unmarshal(out, &e) == nil && e.Msg != "" {
		return e.Msg, e.Param
	}
	if len(out) == 0 {
		return "no message", ""
	}
	return string(out), ""
}

// ActionError is an action that failed inside the module: it reported a
// failure, trapped, exited, or ran past its deadline.
type ActionError struct {
	Action string
	Msg    string
	// Err is the runtime's error for a trap, an exit or a deadline.
	Err error
}

func (e *ActionError) Error() string { return e.Action + ": " + e.Msg }

// Unwrap returns the runtime's error, if any.
func (e *ActionError) Unwrap() error { return e.Err }

// fault explains an instance that trapped, exited or was interrupted
// (stopped says why the watchdog stopped it, if it did).
func (c *caller) fault(full string, err, stopped error, ran time.Duration) error {
	var exit *sys.ExitError
	switch {
	case errors.Is(stopped, context.DeadlineExceeded):
		return deadlineError(full, ran)
	case errors.Is(stopped, context.Canceled):
		return canceledError(full)
	case errors.As(err, &exit):
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded:
			return deadlineError(full, ran)
		case sys.ExitCodeContextCanceled:
			return canceledError(full)
		default:
			return &ActionError{Action: full, Err: err, Msg: fmt.Sprintf("the module exited with code %d; the instance was replaced", exit.ExitCode())}
		}
	}
	return &ActionError{Action: full, Err: err, Msg: fmt.Sprintf("the module trapped: %v; the instance was replaced", firstLine(err.Error()))}
}

func deadlineError(full string, ran time.Duration) error {
	return &ActionError{Action: full, Err: context.DeadlineExceeded,
		Msg: fmt.Sprintf("interrupted at its deadline after %s; the instance was replaced", ran.Round(time.Millisecond))}
}

func canceledError(full string) error {
	return &ActionError{Action: full, Err: context.Canceled, Msg: "cancelled by the caller; the instance was replaced"}
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// take waits for a free slot (until deadline), then reuses an idle
// instance or makes one.
func (m *Module) take(ctx context.Context, deadline time.Time) (*instance, error) {
	select {
	case <-m.tokens:
	default:
		if err := m.waitToken(ctx, deadline); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		m.tokens <- struct{}{}
		return nil, errClosed
	}
	if n := len(m.idle); n > 0 {
		in := m.idle[n-1]
		m.idle = m.idle[:n-1]
		m.mu.Unlock()
		return in, nil
	}
	m.mu.Unlock()
	// A new instance's initializer runs without ctx's cancellation (the
	// instance serves later calls too), bounded by the caller's deadline.
	in, err := m.instantiate(context.WithoutCancel(ctx), callerDeadline(ctx, deadline))
	if err != nil {
		m.tokens <- struct{}{}
		return nil, err
	}
	return in, nil
}

// waitToken waits for a free slot when every instance is busy.
func (m *Module) waitToken(ctx context.Context, deadline time.Time) error {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-m.tokens:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for a free instance (all %d busy): %w", m.opts.Instances, ctx.Err())
	case <-t.C:
		return fmt.Errorf("waiting for a free instance (all %d busy): %w", m.opts.Instances, context.DeadlineExceeded)
	}
}

// put returns an instance to the pool.
func (m *Module) put(in *instance) {
	size := int64(in.mem.Size())
	m.mu.Lock()
	in.size = size
	if m.closed {
		m.mu.Unlock()
		return
	}
	if cap(in.out) > 1<<20 {
		in.out = nil // one huge result does not pin its buffer
	}
	m.idle = append(m.idle, in)
	m.mu.Unlock()
	m.tokens <- struct{}{}
}

// drop closes an instance that trapped, exited or ran past its deadline;
// the next call makes a fresh one in its place.
func (m *Module) drop(in *instance) {
	m.replaced.Add(1)
	if !m.forget(in) {
		m.tokens <- struct{}{}
	}
}

// forget closes an instance and takes it out of the pool's sight; it says
// whether the module is closed.
func (m *Module) forget(in *instance) (closed bool) {
	m.byMod.Delete(in.mod)
	in.close(context.Background())
	m.mu.Lock()
	delete(m.live, in)
	closed = m.closed
	m.mu.Unlock()
	return closed
}

// Trim closes the idle instances beyond the keep most recently used, and
// returns how many it closed: what a module kept for later (not serving)
// holds of linear memory. The module stays usable; calls make instances
// again as they need them.
func (m *Module) Trim(keep int) int {
	keep = max(keep, 0)
	m.mu.Lock()
	if m.closed || len(m.idle) <= keep {
		m.mu.Unlock()
		return 0
	}
	// The most recently used are at the end of idle (take pops from there).
	n := len(m.idle) - keep
	drop := append([]*instance(nil), m.idle[:n]...)
	m.idle = append(m.idle[:0], m.idle[n:]...)
	m.mu.Unlock()
	for _, in := range drop {
		m.forget(in)
	}
	return len(drop)
}
