package local_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/local"
)

// recorder collects the states a Supervisor reports.
type recorder struct {
	mu     sync.Mutex
	states []local.State
}

func (r *recorder) add(s local.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
}

func (r *recorder) all() []local.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]local.State(nil), r.states...)
}

// phases returns the states in phase p.
func (r *recorder) phases(p local.Phase) []local.State {
	var out []local.State
	for _, s := range r.all() {
		if s.Phase == p {
			out = append(out, s)
		}
	}
	return out
}

// runSupervisor runs s in the background; the returned function cancels it
// and returns Run's result, failing the test if Run does not return within
// 10s.
func runSupervisor(t *testing.T, s *local.Supervisor) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Run did not return 10s after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// httpProbe returns a Probe that GETs http://endpoint/ready and wants 200.
func httpProbe() func(context.Context, string) error {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return func(ctx context.Context, endpoint string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+endpoint+"/ready", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %s", resp.Status)
		}
		return nil
	}
}

// httpPrepare returns a Prepare that picks a fresh loopback port and runs
// the test binary's http child on it with the given extra arguments.
func httpPrepare(t *testing.T, extra ...string) func(context.Context) (local.Spec, string, error) {
	base := childSpec(t, append([]string{"http", "{addr}"}, extra...)...)
	return func(context.Context) (local.Spec, string, error) {
		port, err := local.FreePort("127.0.0.1")
		if err != nil {
			return local.Spec{}, "", err
		}
		addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
		argv, err := local.Expand(base.Argv, map[string]string{"addr": addr})
		if err != nil {
			return local.Spec{}, "", err
		}
		spec := base
		spec.Argv = argv
		return spec, addr, nil
	}
}

func TestSupervisorRestartsWithBackoff(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := local.NewSupervisor(childSpec(t, "exit", "3"), local.SupervisorOptions{
		OnState:    rec.add,
		BackoffMin: 50 * time.Millisecond,
		BackoffMax: 400 * time.Millisecond,
	})
	stop := runSupervisor(t, s)
	waitFor(t, 20*time.Second, "5 restarts", func() bool { return len(rec.phases(local.PhaseCrashed)) >= 6 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	crashes := rec.phases(local.PhaseCrashed)
	want := []time.Duration{50, 100, 200, 400, 400, 400}
	for i, c := range crashes[:len(want)] {
		if c.Restarts != i {
			t.Errorf("crash %d: Restarts = %d; want %d", i, c.Restarts, i)
		}
		if !strings.Contains(c.LastError, "exit status 3") {
			t.Errorf("crash %d: LastError = %q", i, c.LastError)
		}
		delay := c.RetryAt.Sub(c.Since)
		if w := want[i] * time.Millisecond; delay < w-5*time.Millisecond || delay > w+5*time.Millisecond {
			t.Errorf("crash %d: back-off %s; want %s", i, delay, w)
		}
	}
	// The restarts really waited: each Starting comes at least the
	// announced delay after the crash before it.
	all := rec.all()
	var gaps []time.Duration
	for i, st := range all {
		if st.Phase != local.PhaseCrashed || i+1 >= len(all) || all[i+1].Phase != local.PhaseStarting {
			continue
		}
		gap := all[i+1].Since.Sub(st.Since)
		if gap < st.RetryAt.Sub(st.Since) {
			t.Errorf("restart after %s; back-off was %s", gap, st.RetryAt.Sub(st.Since))
		}
		gaps = append(gaps, gap.Round(time.Millisecond))
	}
	t.Logf("crash→restart gaps: %v", gaps)
	if last := s.State(); last.Phase != local.PhaseStopped || last.PID != 0 {
		t.Errorf("final state %+v; want stopped", last)
	}
}

func TestSupervisorReadyViaProbe(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := local.NewSupervisor(local.Spec{}, local.SupervisorOptions{
		Prepare: httpPrepare(t, "300ms"),
		Probe:   httpProbe(),
		OnState: rec.add,
	})
	if st := s.State(); st.Phase != local.PhaseStopped {
		t.Fatalf("initial phase %q", st.Phase)
	}
	stop := runSupervisor(t, s)
	waitFor(t, 15*time.Second, "ready", func() bool { return s.State().Phase == local.PhaseReady })

	st := s.State()
	if st.PID == 0 || !alive(st.PID) || st.Endpoint == "" || st.Restarts != 0 || st.LastError != "" {
		t.Fatalf("ready state %+v", st)
	}
	if err := httpProbe()(t.Context(), st.Endpoint); err != nil {
		t.Fatalf("endpoint %s not serving: %v", st.Endpoint, err)
	}
	states := rec.all()
	if len(states) != 2 || states[0].Phase != local.PhaseStarting || states[1].Phase != local.PhaseReady {
		t.Fatalf("states %+v; want starting, ready", states)
	}
	if took := states[1].Since.Sub(states[0].Since); took < 300*time.Millisecond {
		t.Errorf("ready %s after start; the child is only ready after 300ms", took)
	} else {
		t.Logf("ready %s after start", took)
	}

	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("stopped in %s", time.Since(start))
	if alive(st.PID) {
		t.Errorf("pid %d alive after Run returned", st.PID)
	}
	if last := s.State(); last.Phase != local.PhaseStopped || last.PID != 0 {
		t.Errorf("final state %+v; want stopped", last)
	}
}

func TestSupervisorNotInstalled(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := local.NewSupervisor(local.Spec{Name: "ghost", Argv: []string{"/nonexistent/jsorc-ghost"}}, local.SupervisorOptions{
		OnState:    rec.add,
		BackoffMin: 20 * time.Millisecond,
		BackoffMax: 80 * time.Millisecond,
	})
	stop := runSupervisor(t, s)
	time.Sleep(600 * time.Millisecond)
	st := s.State()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if st.Phase != local.PhaseNotInstalled || !strings.Contains(st.LastError, "not installed: /nonexistent/jsorc-ghost") {
		t.Fatalf("state %+v; want not-installed", st)
	}
	if st.RetryAt.IsZero() {
		t.Errorf("no RetryAt in %+v", st)
	}
	// 20+40+80+80+… ms in 600ms: about 9 attempts, certainly not hundreds.
	n := len(rec.phases(local.PhaseNotInstalled))
	if n < 3 || n > 15 {
		t.Errorf("%d attempts in 600ms; want about 9", n)
	}
	t.Logf("%d attempts in 600ms", n)
	if len(rec.phases(local.PhaseStarting)) != 0 {
		t.Errorf("a missing program reached Starting")
	}
}

func TestSupervisorStartTimeout(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := local.NewSupervisor(childSpec(t, "sleep"), local.SupervisorOptions{
		Probe:        func(context.Context, string) error { return errors.New("nope") },
		OnState:      rec.add,
		StartTimeout: 300 * time.Millisecond,
		BackoffMin:   50 * time.Millisecond,
	})
	stop := runSupervisor(t, s)
	waitFor(t, 15*time.Second, "a second start", func() bool { return len(rec.phases(local.PhaseStarting)) >= 2 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	crash := rec.phases(local.PhaseCrashed)[0]
	if !strings.Contains(crash.LastError, "not ready after 300ms") || !strings.Contains(crash.LastError, "nope") {
		t.Errorf("LastError = %q", crash.LastError)
	}
	first := rec.phases(local.PhaseStarting)[0]
	if alive(first.PID) {
		t.Errorf("first incarnation %d still alive", first.PID)
	}
	if took := crash.Since.Sub(first.Since); took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("gave up after %s; StartTimeout 300ms", took)
	}
}

func TestSupervisorBackoffResetsAfterStableRun(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := local.NewSupervisor(childSpec(t, "exit", "1", "250ms"), local.SupervisorOptions{
		OnState:    rec.add,
		BackoffMin: 50 * time.Millisecond,
		ResetAfter: 100 * time.Millisecond,
	})
	stop := runSupervisor(t, s)
	waitFor(t, 15*time.Second, "3 crashes", func() bool { return len(rec.phases(local.PhaseCrashed)) >= 3 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for i, c := range rec.phases(local.PhaseCrashed) {
		if d := c.RetryAt.Sub(c.Since); d > 55*time.Millisecond {
			t.Errorf("crash %d after a stable run: back-off %s; want BackoffMin", i, d)
		}
	}
}

func TestSupervisorHealthProbeRestarts(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := local.NewSupervisor(local.Spec{}, local.SupervisorOptions{
		Prepare:        httpPrepare(t, "0s", "400ms"),
		Probe:          httpProbe(),
		OnState:        rec.add,
		HealthInterval: 50 * time.Millisecond,
		HealthFailures: 2,
		BackoffMin:     50 * time.Millisecond,
	})
	stop := runSupervisor(t, s)
	waitFor(t, 15*time.Second, "an unhealthy crash", func() bool { return len(rec.phases(local.PhaseCrashed)) >= 1 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	crash := rec.phases(local.PhaseCrashed)[0]
	if !strings.Contains(crash.LastError, "unhealthy: 2 probes failed") {
		t.Errorf("LastError = %q", crash.LastError)
	}
	ready := rec.phases(local.PhaseReady)
	if len(ready) == 0 {
		t.Fatal("never ready")
	}
	if alive(ready[0].PID) {
		t.Errorf("unhealthy pid %d still alive", ready[0].PID)
	}
}

func TestSupervisorPrepareError(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	var calls sync.WaitGroup
	calls.Add(2)
	var n int
	var mu sync.Mutex
	s := local.NewSupervisor(local.Spec{}, local.SupervisorOptions{
		Prepare: func(context.Context) (local.Spec, string, error) {
			mu.Lock()
			defer mu.Unlock()
			if n++; n <= 2 {
				calls.Done()
			}
			return local.Spec{}, "", errors.New("no ports left")
		},
		OnState:    rec.add,
		BackoffMin: 10 * time.Millisecond,
	})
	stop := runSupervisor(t, s)
	calls.Wait()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	crash := rec.phases(local.PhaseCrashed)[0]
	if crash.LastError != "prepare: no ports left" {
		t.Errorf("LastError = %q", crash.LastError)
	}
}

func TestSupervisorRunTwice(t *testing.T) {
	t.Parallel()
	s := local.NewSupervisor(childSpec(t, "sleep"), local.SupervisorOptions{})
	stop := runSupervisor(t, s)
	waitFor(t, 10*time.Second, "ready", func() bool { return s.State().Phase == local.PhaseReady })
	if err := s.Run(t.Context()); !errors.Is(err, local.ErrRunning) {
		t.Fatalf("second Run = %v; want ErrRunning", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// And it can run again afterwards.
	stop = runSupervisor(t, s)
	waitFor(t, 10*time.Second, "ready again", func() bool { return s.State().Phase == local.PhaseReady })
	if err := stop(); err != nil {
		t.Fatalf("second Run: %v", err)
	}
}

// TestNoGoroutineLeak is deliberately not parallel: parallel tests only
// resume after all sequential ones finished, so the count is undisturbed.
func TestNoGoroutineLeak(t *testing.T) {
	baseline := runtime.NumGoroutine()

	s := local.NewSupervisor(local.Spec{}, local.SupervisorOptions{
		Prepare: httpPrepare(t, "100ms"),
		Probe:   httpProbe(),
	})
	stop := runSupervisor(t, s)
	waitFor(t, 15*time.Second, "ready", func() bool { return s.State().Phase == local.PhaseReady })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, mode := range [][]string{{"sleep"}, {"exit", "0"}, {"spawn", "then-exit"}} {
		p, err := local.Start(t.Context(), childSpec(t, mode...))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Stop(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := local.Start(t.Context(), local.Spec{Argv: []string{"/nonexistent/x"}}); err == nil {
		t.Fatal("Start of a missing program succeeded")
	}

	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, baseline %d:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
