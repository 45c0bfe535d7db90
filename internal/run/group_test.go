package run_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/internal/run"
)

// journal records what runnables did, in order.
type journal struct {
	mu    sync.Mutex
	lines []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	j.lines = append(j.lines, s)
	j.mu.Unlock()
}

func (j *journal) get() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.lines)
}

// loop is a runnable that notes its start and stop and blocks until ctx
// ends.
func loop(j *journal, name string) run.Runnable {
	return run.Func(func(ctx context.Context) error {
		j.add("start " + name)
		<-ctx.Done()
		j.add("stop " + name)
		return nil
	})
}

// readyLoop is a loop that is ready once ready is closed.
type readyLoop struct {
	run.Runnable
	ready chan struct{}
	err   error
}

func (r readyLoop) Ready(ctx context.Context) error {
	select {
	case <-r.ready:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func runGroup(t *testing.T, g *run.Group, ctx context.Context) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	return done
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// Stages start from the backend up and stop from the API down, each stage
// completely before the next.
func TestOrder(t *testing.T) {
	j := &journal{}
	g := run.NewGroup(run.Options{})
	for _, s := range []struct {
		stage run.Stage
		name  string
	}{{run.StageServe, "api"}, {run.StageModules, "module a"}, {run.StageBackend, "informers"}, {run.StageLoops, "policy"}} {
		if _, err := g.Add(s.stage, s.name, loop(j, s.name)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := runGroup(t, g, ctx)
	wait(t, g.Started(), "the group to start")
	// Started says the stages were started, not that every goroutine has
	// run its first line yet.
	deadline := time.Now().Add(5 * time.Second)
	for len(j.get()) < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := wait(t, done, "Run to return"); err != nil {
		t.Fatal(err)
	}
	got := j.get()
	stops := got[4:]
	want := []string{"stop api", "stop policy", "stop module a", "stop informers"}
	if !slices.Equal(stops, want) {
		t.Errorf("stopped in order %v, want %v", stops, want)
	}
}

// A Readier holds back the later stages until it is ready; an error from
// Ready ends the group before they start.
func TestReadiness(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantRun bool
	}{
		{"ready", nil, true},
		{"fails", errors.New("forbidden"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &journal{}
			g := run.NewGroup(run.Options{})
			ready := make(chan struct{})
			if _, err := g.Add(run.StageBackend, "informers", readyLoop{Runnable: loop(j, "informers"), ready: ready, err: tt.err}); err != nil {
				t.Fatal(err)
			}
			if _, err := g.Add(run.StageModules, "module", loop(j, "module")); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := runGroup(t, g, ctx)
			time.Sleep(50 * time.Millisecond)
			if slices.Contains(j.get(), "start module") {
				t.Fatal("the module started before the backend was ready")
			}
			close(ready)
			if !tt.wantRun {
				err := wait(t, done, "Run to fail")
				if err == nil || !strings.Contains(err.Error(), "informers: forbidden") {
					t.Fatalf("Run = %v, want the readiness error", err)
				}
				if slices.Contains(j.get(), "start module") {
					t.Error("the module started although the backend failed")
				}
				select {
				case <-g.Started():
					t.Error("Started closed although the group failed")
				default:
				}
				return
			}
			wait(t, g.Started(), "the group to start")
			cancel()
			if err := wait(t, done, "Run to return"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A runnable that fails stops the whole group, and Run returns its error.
func TestFailureStopsGroup(t *testing.T) {
	j := &journal{}
	g := run.NewGroup(run.Options{})
	boom := make(chan struct{})
	_, _ = g.Add(run.StageServe, "api", run.Func(func(ctx context.Context) error {
		select {
		case <-boom:
			return errors.New("address in use")
		case <-ctx.Done():
			return nil
		}
	}))
	_, _ = g.Add(run.StageLoops, "sampler", loop(j, "sampler"))
	done := runGroup(t, g, context.Background())
	wait(t, g.Started(), "the group to start")
	close(boom)
	err := wait(t, done, "Run to return")
	if err == nil || !strings.Contains(err.Error(), "api: address in use") {
		t.Fatalf("Run = %v", err)
	}
	if !slices.Contains(j.get(), "stop sampler") {
		t.Error("the sampler was not stopped")
	}
}

// Runnables added while the group runs start at once; after it began to
// stop, Add refuses.
func TestAddWhileRunning(t *testing.T) {
	j := &journal{}
	g := run.NewGroup(run.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := runGroup(t, g, ctx)
	wait(t, g.Started(), "the group to start")
	if _, err := g.Add(run.StageModules, "late", loop(j, "late")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(j.get(), "start late") {
		if time.Now().After(deadline) {
			t.Fatal("a runnable added while running did not start")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := wait(t, done, "Run to return"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(j.get(), "stop late") {
		t.Error("the late runnable was not stopped")
	}
	if _, err := g.Add(run.StageModules, "too late", loop(j, "too late")); !errors.Is(err, run.ErrStopping) {
		t.Errorf("Add after stop = %v, want ErrStopping", err)
	}
	if err := g.Run(context.Background()); err == nil {
		t.Error("a second Run did not fail")
	}
}

// A runnable that ignores its context is reported and left behind after the
// stop timeout, so shutdown cannot hang on it.
func TestStopTimeout(t *testing.T) {
	g := run.NewGroup(run.Options{StopTimeout: 100 * time.Millisecond})
	release := make(chan struct{})
	defer close(release)
	_, _ = g.Add(run.StageModules, "stuck", run.Func(func(context.Context) error {
		<-release
		return nil
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := runGroup(t, g, ctx)
	wait(t, g.Started(), "the group to start")
	cancel()
	err := wait(t, done, "Run to return")
	if err == nil || !strings.Contains(err.Error(), "[stuck] did not stop within 100ms") {
		t.Fatalf("Run = %v", err)
	}
}

// A task stopped alone ends before the group, which goes on; a task
// stopped before its stage started never starts.
func TestTaskStop(t *testing.T) {
	j := &journal{}
	g := run.NewGroup(run.Options{})
	early, _ := g.Add(run.StageModules, "early", loop(j, "early"))
	early.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := runGroup(t, g, ctx)
	wait(t, g.Started(), "the group to start")
	wait(t, early.Done(), "the stopped task to be done")
	server, err := g.Add(run.StageBackend, "server", loop(j, "server"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = g.Add(run.StageModules, "module", loop(j, "module"))
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(j.get(), "start server") || !slices.Contains(j.get(), "start module") {
		if time.Now().After(deadline) {
			t.Fatalf("not started: %v", j.get())
		}
		time.Sleep(time.Millisecond)
	}
	server.Stop()
	wait(t, server.Done(), "the server to stop")
	if got := j.get(); !slices.Contains(got, "stop server") || slices.Contains(got, "stop module") {
		t.Errorf("after stopping the server alone: %v", got)
	}
	cancel()
	if err := wait(t, done, "Run to return"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(j.get(), "start early") {
		t.Error("a task stopped before its stage started ran")
	}
}
