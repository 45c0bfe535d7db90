package local_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine"
)

// waitReplicas waits until module name has want replicas ready of want
// desired, as its status says.
func waitReplicas(t *testing.T, e *engine.Engine, name string, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := e.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Remote.ReplicasReady == want && st.Remote.ReplicasDesired == want && len(e.ReplicaCalls(name)) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("module %s: replicas %d ready of %d desired, routed to %d; want %d", name, st.Remote.ReplicasReady, st.Remote.ReplicasDesired, len(e.ReplicaCalls(name)), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestScaleUnderLoad scales a remote module 1 → 4 → 1 while callers keep
// calling it: no call fails, and every replica serves calls.
func TestScaleUnderLoad(t *testing.T) {
	e := newEngine(t)
	src := []byte("echo:\n  builtin: echo\n  replicas: {min: 1, max: 4}\n")
	if _, err := e.ConfigureActions(ctxT(t), "echo", "test", src); err != nil {
		t.Fatal(err)
	}
	st := load(t, e, "echo", "remote")
	if st.Remote.ReplicasReady != 1 || st.Remote.ReplicasDesired != 1 {
		t.Fatalf("after load: replicas %d/%d, want 1/1", st.Remote.ReplicasReady, st.Remote.ReplicasDesired)
	}

	ctx, stop := context.WithCancel(ctxT(t))
	var calls, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := e.Call(ctx, "echo.sleep", map[string]any{"ms": 2})
				if err != nil && ctx.Err() == nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
				calls.Add(1)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := e.Scale(ctxT(t), "echo", 4); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, e, "echo", 4)
	at4 := calls.Load()
	time.Sleep(time.Second)
	served := e.ReplicaCalls("echo")
	if _, err := e.Scale(ctxT(t), "echo", 1); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, e, "echo", 1)
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()

	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d calls failed while scaling; first: %v", n, calls.Load(), firstErr.Load())
	}
	if calls.Load() <= at4 {
		t.Errorf("no calls after scaling to 4 (%d in all)", calls.Load())
	}
	for i := range 4 {
		if served[i] == 0 {
			t.Errorf("replica %d served no call (served: %v)", i, served)
		}
	}
	t.Logf("%d calls, 0 failed; served at 4 replicas: %v", calls.Load(), served)
}

// TestScaleOutsideRange refuses a count outside the config's range, and
// any scaling of a module without one.
func TestScaleOutsideRange(t *testing.T) {
	e := newEngine(t)
	for name, src := range map[string]string{
		"echo":  "echo:\n  builtin: echo\n  replicas: {min: 2, max: 3}\n",
		"plain": "plain:\n  builtin: echo\n",
	} {
		if _, err := e.ConfigureActions(ctxT(t), name, "test", []byte(src)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		module string
		n      int
	}{
		{"below min", "echo", 1},
		{"above max", "echo", 4},
		{"no range", "plain", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Scale(ctxT(t), tc.module, tc.n)
			if !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("Scale(%s, %d) = %v, want ErrInvalid", tc.module, tc.n, err)
			}
		})
	}
	// Nothing to hand back to the autoscaler without a range.
	if _, err := e.ScaleAuto(ctxT(t), "plain"); !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "replicas: {min: 1, max: N}") {
		t.Errorf("ScaleAuto of a module without a range: %v, want ErrInvalid saying what to give", err)
	}
}

// TestPinnedScaleSurvivesRestart: a count scaled by hand comes back pinned
// after the engine restarts, and once handed back to the autoscaler a
// restart starts the module at its config's minimum.
func TestPinnedScaleSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	src := []byte("echo:\n  builtin: echo\n  replicas: {min: 1, max: 4}\n")
	if _, err := e.ConfigureActions(ctxT(t), "echo", "test", src); err != nil {
		t.Fatal(err)
	}
	load(t, e.Engine, "echo", "remote")
	if _, err := e.Scale(ctxT(t), "echo", 3); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, e.Engine, "echo", 3)
	closeEngine(t, e)

	e = openEngine(t, dir)
	waitReplicas(t, e.Engine, "echo", 3)
	st, err := e.Status("echo")
	if err != nil {
		t.Fatal(err)
	}
	if st.Remote.ReplicasScaling != "manual" {
		t.Fatalf("after a restart the pinned count is scaled %q, want manual", st.Remote.ReplicasScaling)
	}
	if _, err := e.Call(ctxT(t), "echo.echo", map[string]any{"value": "back"}); err != nil {
		t.Fatalf("a call after the restart: %v", err)
	}
	if _, err := e.ScaleAuto(ctxT(t), "echo"); err != nil {
		t.Fatal(err)
	}
	closeEngine(t, e)

	e = openEngine(t, dir)
	waitReplicas(t, e.Engine, "echo", 1)
	if st, _ := e.Status("echo"); st.Remote.ReplicasScaling != "auto" {
		t.Fatalf("after handing back and a restart the count is scaled %q, want auto", st.Remote.ReplicasScaling)
	}
}

// TestAutoscaledCountSurvivesRestart: the count the autoscaler chose is
// stored with the module's mode, and a restart brings the module back at
// it, still scaled automatically, instead of at the config's minimum with
// the autoscaler climbing again. The policy's down_ticks (10 minutes of
// quiet) keeps the autoscaler from removing replicas meanwhile.
func TestAutoscaledCountSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir)
	ctx := ctxT(t)
	if _, err := e.PolicySet(ctx, "default", map[string]any{"down_ticks": 600}); err != nil {
		t.Fatal(err)
	}
	src := []byte("slow:\n  builtin: synth\n  params: {wait_ms: 20, slots: 1}\n  replicas: {min: 1, max: 4}\n")
	if _, err := e.ConfigureActions(ctx, "slow", "test", src); err != nil {
		t.Fatal(err)
	}
	load(t, e.Engine, "slow", "remote")
	c := &callers{e: e.Engine, action: "slow.infer"}
	defer c.stop()
	c.add(ctx, 1, 0)
	time.Sleep(3 * engine.SampleInterval) // the unloaded latency
	c.add(ctx, 5, 0)
	waitStatus(t, e.Engine, "slow", "the autoscaler adds replicas under six callers", 30*time.Second, func(r types.RemoteStatus) bool {
		return r.ReplicasDesired >= 2 && r.ReplicasReady == r.ReplicasDesired
	})
	c.stop()
	// A decision of the last loaded tick may still come: wait for two
	// ticks without a change.
	n, since := remoteStatus(t, e.Engine, "slow").ReplicasDesired, time.Now()
	for time.Since(since) < 2*engine.SampleInterval {
		if now := remoteStatus(t, e.Engine, "slow").ReplicasDesired; now != n {
			n, since = now, time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := remoteStatus(t, e.Engine, "slow"); r.ReplicasScaling != types.ScalingAuto {
		t.Fatalf("the autoscaler's count is scaled %q, want auto", r.ReplicasScaling)
	}
	closeEngine(t, e)

	e = openEngine(t, dir)
	waitReplicas(t, e.Engine, "slow", n)
	if r := remoteStatus(t, e.Engine, "slow"); r.ReplicasScaling != types.ScalingAuto {
		t.Fatalf("after a restart the autoscaler's count is scaled %q, want auto", r.ReplicasScaling)
	}
	if _, err := e.Call(ctx, "slow.infer", map[string]any{"data": 1}); err != nil {
		t.Fatalf("a call after the restart: %v", err)
	}
}
