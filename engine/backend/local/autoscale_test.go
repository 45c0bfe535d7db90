package local_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
)

// callers keeps n goroutines calling an action, each pausing pause between
// calls (0: a closed loop), and counts the calls and the failures.
type callers struct {
	e      *engine.Engine
	action string
	calls  atomic.Int64
	failed atomic.Int64
	first  atomic.Value

	mu    sync.Mutex
	stops []context.CancelFunc
	wg    sync.WaitGroup
}

// add starts n more callers.
func (c *callers) add(ctx context.Context, n int, pause time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range n {
		cctx, stop := context.WithCancel(ctx)
		c.stops = append(c.stops, stop)
		c.wg.Go(func() {
			for cctx.Err() == nil {
				_, err := c.e.Call(cctx, c.action, map[string]any{"data": 1})
				if err != nil && cctx.Err() == nil {
					c.failed.Add(1)
					c.first.CompareAndSwap(nil, err)
				}
				c.calls.Add(1)
				if pause > 0 {
					select {
					case <-cctx.Done():
					case <-time.After(pause):
					}
				}
			}
		})
	}
}

// stop ends every caller and waits for their last calls.
func (c *callers) stop() {
	c.mu.Lock()
	for _, s := range c.stops {
		s()
	}
	c.stops = nil
	c.mu.Unlock()
	c.wg.Wait()
}

// waitStatus waits, at most within, until module name's status satisfies
// cond, and fails saying what it was waiting for and the last status.
func waitStatus(t *testing.T, e *engine.Engine, name, what string, within time.Duration, cond func(types.RemoteStatus) bool) types.RemoteStatus {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, err := e.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		if cond(st.Remote) {
			return st.Remote
		}
		if time.Now().After(deadline) {
			p := e.PolicyGet()
			t.Fatalf("%s: not within %v; replicas %d ready of %d desired (%s); decisions: %+v",
				what, within, st.Remote.ReplicasReady, st.Remote.ReplicasDesired, st.Remote.ReplicasScaling, p.Decisions)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// remoteStatus is module name's remote status now.
func remoteStatus(t *testing.T, e *engine.Engine, name string) types.RemoteStatus {
	t.Helper()
	st, err := e.Status(name)
	if err != nil {
		t.Fatal(err)
	}
	return st.Remote
}

// TestAutoscaleUnderLoad: a module whose server serves one call at a time
// (synth with one slot and a 20 ms wait) learns its unloaded latency under
// one caller; six callers then queue on its one replica (latency about
// 6×), and the autoscaler adds replicas; a count set by hand pins them (the
// autoscaler leaves them) until `scale auto`; when the load drops the
// replicas go back to one after the hysteresis window, one at a time. No
// call fails, and every change is in the policy's decisions and the event
// stream with its reason.
func TestAutoscaleUnderLoad(t *testing.T) {
	e := newEngine(t)
	ctx := ctxT(t)
	src := []byte("slow:\n  builtin: synth\n  params: {wait_ms: 20, slots: 1}\n  replicas: {min: 1, max: 4}\n")
	if _, err := e.ConfigureActions(ctx, "slow", "test", src); err != nil {
		t.Fatal(err)
	}
	evs, unsub := e.Subscribe()
	defer unsub()
	var scaleEvents []types.Event
	var evMu sync.Mutex
	go func() {
		for ev := range evs {
			if ev.Type == types.EventScale {
				evMu.Lock()
				scaleEvents = append(scaleEvents, ev)
				evMu.Unlock()
			}
		}
	}()

	st := load(t, e, "slow", "remote")
	if st.Remote.ReplicasDesired != 1 || st.Remote.ReplicasScaling != types.ScalingAuto {
		t.Fatalf("after load: %d replicas desired, scaling %q; want 1, auto", st.Remote.ReplicasDesired, st.Remote.ReplicasScaling)
	}
	c := &callers{e: e, action: "slow.infer"}
	defer c.stop()

	// One caller: calls never queue, the latency seen is the unloaded one.
	// It keeps calling throughout.
	c.add(ctx, 1, 0)
	time.Sleep(3 * engine.SampleInterval) // three ticks measure it
	if r := remoteStatus(t, e, "slow"); r.ReplicasDesired != 1 {
		t.Fatalf("one caller on one replica scaled it to %d", r.ReplicasDesired)
	}

	// Five more: calls queue on the one slot.
	c.add(ctx, 5, 0)
	waitStatus(t, e, "slow", "the autoscaler adds replicas under six callers", 30*time.Second, func(r types.RemoteStatus) bool {
		return r.ReplicasDesired >= 3 && r.ReplicasReady == r.ReplicasDesired
	})

	// By hand: pinned at 2 while the load lasts.
	if msg, err := e.Scale(ctx, "slow", 2); err != nil || !strings.Contains(msg, "pinned") || !strings.Contains(msg, "scale slow auto") {
		t.Fatalf("scale by hand: %q, %v; want it to say the count is pinned and how to undo it", msg, err)
	}
	pinnedAt := time.Now()
	for time.Since(pinnedAt) < 4*engine.SampleInterval {
		r := remoteStatus(t, e, "slow")
		if r.ReplicasDesired != 2 || r.ReplicasScaling != types.ScalingManual {
			t.Fatalf("%v after pinning 2 replicas under load: %d desired, scaling %q; the autoscaler must leave them", time.Since(pinnedAt), r.ReplicasDesired, r.ReplicasScaling)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := e.ScaleAuto(ctx, "slow"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, e, "slow", "the autoscaler takes over again", 30*time.Second, func(r types.RemoteStatus) bool {
		return r.ReplicasScaling == types.ScalingAuto && r.ReplicasDesired >= 3
	})

	// The load drops to one caller resting 100 ms between calls: about
	// 0.2 calls in flight. The replicas go back to one, one at a time.
	c.stop()
	c.add(ctx, 1, 100*time.Millisecond)
	waitStatus(t, e, "slow", "the autoscaler removes the replicas once the load drops", 60*time.Second, func(r types.RemoteStatus) bool {
		return r.ReplicasDesired == 1 && r.ReplicasReady == 1
	})
	c.stop()

	// The status shows one replica as soon as the replica is gone; the
	// autoscaler then publishes its event and records its decision:
	// wait for both, briefly.
	lastByPolicy := func() string {
		evMu.Lock()
		defer evMu.Unlock()
		for i := len(scaleEvents) - 1; i >= 0; i-- {
			if scaleEvents[i].Cause == types.CausePolicy {
				return scaleEvents[i].Message
			}
		}
		return ""
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if strings.HasPrefix(lastByPolicy(), "scaled slow from 2 to 1 replicas: ") && scaledDownTo1(e) {
			break
		}
	}
	if n := c.failed.Load(); n != 0 {
		t.Errorf("%d of %d calls failed; first: %v", n, c.calls.Load(), c.first.Load())
	}
	var ups, downs int
	for _, d := range e.PolicyGet().Decisions {
		if d.Kind != types.MoveScale || d.Module != "slow" {
			continue
		}
		if d.Reason == "" || d.Error != "" || d.From != "remote" || d.To != "remote" {
			t.Errorf("decision %+v: want a reason, no error, remote to remote", d)
		}
		switch {
		case d.ReplicasTo > d.ReplicasFrom:
			ups++
			if !strings.Contains(d.Reason, "queue") || !strings.Contains(d.Reason, "unloaded") {
				t.Errorf("scale-up reason %q should say calls queue against the unloaded latency", d.Reason)
			}
		case d.ReplicasTo < d.ReplicasFrom:
			downs++
			if d.ReplicasFrom-d.ReplicasTo != 1 {
				t.Errorf("scale-down %d → %d: want one replica at a time", d.ReplicasFrom, d.ReplicasTo)
			}
		}
	}
	if ups < 2 || downs < 2 {
		t.Errorf("decisions: %d scale-ups, %d scale-downs; want at least 2 of each (before and after the pin; down to 1)", ups, downs)
	}
	evMu.Lock()
	defer evMu.Unlock()
	// The broker may coalesce a module's events for a reader that falls
	// behind, keeping the latest: the last scale-down is always there.
	var byPolicy, byHand int
	var last string
	for _, ev := range scaleEvents {
		if ev.Cause == types.CausePolicy {
			byPolicy++
			last = ev.Message
		} else {
			byHand++
		}
	}
	if byPolicy == 0 || byHand == 0 || !strings.HasPrefix(last, "scaled slow from 2 to 1 replicas: ") {
		t.Errorf("scale events: %d by the policy (the last %q), %d by hand; want both, the last scaling 2 to 1 with its reason: %s",
			byPolicy, last, byHand, fmt.Sprint(scaleEvents))
	}
	t.Logf("%d calls, 0 failed; %d scale-ups, %d scale-downs", c.calls.Load(), ups, downs)
}

// scaledDownTo1 says whether the engine has recorded the autoscaler's
// decision to take module slow from 2 replicas to 1.
func scaledDownTo1(e *engine.Engine) bool {
	for _, d := range e.PolicyGet().Decisions {
		if d.Kind == types.MoveScale && d.Module == "slow" && d.ReplicasFrom == 2 && d.ReplicasTo == 1 {
			return true
		}
	}
	return false
}
