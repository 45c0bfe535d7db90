package engine_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// moduleSource is a config source of n echo modules, m000000 to m(n-1).
func moduleSource(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "m%06d: {builtin: echo, local_mem_requirement: 1}\n", i)
	}
	return []byte(b.String())
}

// scaleClock measures one step of configureAndRestart.
type scaleClock func() time.Duration

// wallClock is the time that passed: what a user waits.
func wallClock() scaleClock {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

// cpuClock is the CPU time the process spent (user and system, every
// thread): unlike the time that passed, other processes on a busy machine
// do not add to it, so it can measure how the work grows.
func cpuClock() scaleClock {
	used := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			panic(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := used()
	return func() time.Duration { return used() - start }
}

// configureAndRestart configures n modules from one source on a fresh
// engine, loads one of them, then restarts the engine on the same data
// directory, and returns how long the configuring and the restart (until
// every runnable has started) took by clock.
func configureAndRestart(t testing.TB, n int, clock func() scaleClock) (configure, restart time.Duration) {
	t.Helper()
	src := moduleSource(n)
	dir := t.TempDir()
	e := openEngine(t, dir)
	took := clock()
	names, err := e.ConfigureActions(ctxT(t), "all", "scale", src)
	configure = took()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != n {
		t.Fatalf("configured %d modules, want %d", len(names), n)
	}
	load(t, e.Engine, "m000000", "module")
	closeEngine(t, e)

	took = clock()
	e = openEngine(t, dir)
	restart = took()
	defer closeEngine(t, e)
	if got := len(e.Modules()); got != n+3 {
		t.Fatalf("%d modules after the restart, want %d and the 3 built-in ones", got, n)
	}
	if st, err := e.Status("m000000"); err != nil || st.RequestedMode == nil || *st.RequestedMode != "module" {
		t.Fatalf("m000000 after the restart: %+v %v", st, err)
	}
	return configure, restart
}

// BenchmarkScale reports how long configuring 10k and 50k modules from one
// source takes, and restarting an engine that has them.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{10_000, 50_000} {
		b.Run(fmt.Sprintf("modules=%d", n), func(b *testing.B) {
			var configure, restart time.Duration
			for b.Loop() {
				c, r := configureAndRestart(b, n, wallClock)
				configure += c
				restart += r
			}
			b.ReportMetric(configure.Seconds()/float64(b.N), "configure-s/op")
			b.ReportMetric(restart.Seconds()/float64(b.N), "restart-s/op")
		})
	}
}

// TestConfigureAndRestartAreLinear fails when configuring or restoring
// modules grows faster than linearly: twice the modules must cost well
// under four times as much. It measures the CPU time the test process
// spends, which the other tests running beside it on a busy machine do not
// change (the time that passed, they do), and takes the best of three
// runs of each size. Before the fix, 10k modules took 5 s to configure and
// 4 s to restore, 20k five times that.
func TestConfigureAndRestartAreLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("configures 30k modules three times")
	}
	best := func(n int) (configure, restart time.Duration) {
		configure, restart = time.Hour, time.Hour
		for range 3 {
			c, r := configureAndRestart(t, n, cpuClock)
			configure, restart = min(configure, c), min(restart, r)
		}
		return configure, restart
	}
	c1, r1 := best(10_000)
	c2, r2 := best(20_000)
	t.Logf("CPU time: 10k modules: configure %v, restart %v; 20k: configure %v, restart %v", c1, r1, c2, r2)
	const (
		ratio = 3 // linear: 2; quadratic: 4
		// slack absorbs what does not grow with the modules (a GC cycle
		// more or less, the store's snapshot) at these small figures.
		slack = 100 * time.Millisecond
	)
	if c2 > ratio*c1+slack {
		t.Errorf("configuring 20k modules took %v, 10k %v: more than %d× + %v, not linear", c2, c1, ratio, slack)
	}
	if r2 > ratio*r1+slack {
		t.Errorf("restarting with 20k modules took %v, with 10k %v: more than %d× + %v, not linear", r2, r1, ratio, slack)
	}
}
