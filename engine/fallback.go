package engine

import (
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/policy"
	"github.com/jsorc/jsorc/engine/protocol"
)

// A module in remote mode whose action server goes down (killed, crashed,
// restarting) falls back to its in-process implementation when it has one
// and the memory budget allows, until the server is READY again; calls
// caught on the server as it went down are retried on the fallback. Without
// a fallback they answer ErrRetryLater (503 with Retry-After).

// fallbackWait bounds how long a call that found its action server gone
// waits for the module's fallback before it gives up.
const fallbackWait = 10 * time.Second

// canFallBack says why module m cannot serve in-process while its server
// is down, or nil when it can: it needs an in-process implementation and
// room for it in the memory budget the policies use (0.8 × node memory,
// less the runtime's base and the modules already in-process; the active
// policy's node_mem_mb and base_mem_mb override the machine's figures).
func (e *Engine) canFallBack(m *module, cfg ActionConfig) error {
	if canModule, _ := cfg.Runnable(); !canModule {
		return errors.New("no in-process implementation")
	}
	b := policy.Budget{NodeMemMB: e.nodeMemMB(), BaseMemMB: policy.DefaultBaseMemMB}
	e.pol.mu.Lock()
	for k, dst := range map[string]*float64{"node_mem_mb": &b.NodeMemMB, "base_mem_mb": &b.BaseMemMB} {
		if v, ok := e.pol.state.Params[k].(float64); ok && v > 0 {
			*dst = v
		}
	}
	e.pol.mu.Unlock()
	var local float64
	for _, o := range e.routes.all() {
		if o == m {
			continue
		}
		o.mu.Lock()
		if o.serving == ModeModule {
			local += o.cfg.LocalMemRequirement
		}
		o.mu.Unlock()
	}
	if !b.Fits(local + cfg.LocalMemRequirement) {
		return fmt.Errorf("its %g MB do not fit the memory budget (%.0f MB in-process already, %.0f MB runtime base, limit %.0f MB)",
			cfg.LocalMemRequirement, local, b.BaseMemMB, b.LimitMB())
	}
	return nil
}

// noteFallback logs a fallback move and keeps it with the policy's
// decisions, with its reason (the switch's event says it too).
func (e *Engine) noteFallback(module string, from, to Mode, reason string) {
	e.log.Info("module fallback", "module", module, "from", from, "to", to, "reason", reason)
	pm := PolicyMove{At: time.Now().UTC(), Module: module, From: string(from), To: string(to), Reason: reason}
	e.recordMoves([]PolicyMove{pm})
}

// Retried counts the calls retried on a module's in-process fallback
// after their action server went down under them (each may have run on
// the server as it died). A switch never needs one: its old placement
// drains first.
func (e *Engine) Retried() uint64 { return e.retried.Load() }

// serverGone reports whether a remote call failed because its action
// server is not there: refused, reset or cut off mid-answer, closed under
// a kept-alive connection just as the call took it, or unreachable as the
// backend says. The call may have run on the server; it died with it.
func serverGone(err error) bool {
	for _, target := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, io.EOF, io.ErrUnexpectedEOF, backend.ErrUnavailable} {
		if errors.Is(err, target) {
			return true
		}
	}
	return closedIdle(err)
}

// idleClosedText is the text of net/http's error for a request sent on a
// kept-alive connection that the server closed while it was idle (the
// server died between two calls). net/http does not export the error, and
// it retries it only for idempotent methods, so an action call (a POST)
// sees it.
const idleClosedText = "http: server closed idle connection"

// closedIdle reports whether the innermost error err wraps is net/http's
// idle-close error, or whether err is the frame protocol's sign of a call
// its server closed the connection on without reading.
func closedIdle(err error) bool {
	if errors.Is(err, protocol.ErrNotRead) {
		return true
	}
	for err != nil {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err.Error() == idleClosedText
		}
		err = inner
	}
	return false
}
