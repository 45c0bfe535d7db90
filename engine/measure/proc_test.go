package measure_test

import (
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
)

// fakeProc is a fake procfs tree in a temporary directory.
type fakeProc struct {
	t    *testing.T
	root string
}

func newFakeProc(t *testing.T) fakeProc {
	return fakeProc{t, t.TempDir()}
}

func (f fakeProc) write(rel, content string) {
	f.t.Helper()
	p := filepath.Join(f.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// process writes the files of one process: CPU ticks (utime, stime), start
// time, resident pages and network byte counters (two interfaces).
func (f fakeProc) process(pid int, comm string, utime, stime, start, pages, rx, tx uint64) {
	f.write(fmt.Sprintf("%d/stat", pid), fmt.Sprintf(
		"%d (%s) S 1 %d %d 0 -1 4194560 1000 0 0 0 %d %d 0 0 20 0 8 0 %d 123456789 %d 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
		pid, comm, pid, pid, utime, stime, start, pages))
	f.write(fmt.Sprintf("%d/statm", pid), fmt.Sprintf("99999 %d 500 10 0 2000 0\n", pages))
	f.write(fmt.Sprintf("%d/net/dev", pid), fmt.Sprintf(
		"Inter-|   Receive                                                |  Transmit\n"+
			" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"+
			"    lo: %d 10 0 0 0 0 0 0 %d 10 0 0 0 0 0 0\n"+
			"  eth0:%d 5 0 0 0 0 0 0 %d 5 0 0 0 0 0 0\n",
		rx/2, tx/2, rx-rx/2, tx-tx/2))
}

func TestProcSamplerFake(t *testing.T) {
	type reading struct {
		utime, stime, start, pages, rx, tx uint64
		gone                               bool
	}
	tests := []struct {
		name   string
		comm   string
		first  reading
		second reading
		dt     time.Duration
		want   measure.ProcStats
		absent bool
	}{
		{
			name:   "busy process",
			comm:   "serve-action",
			first:  reading{utime: 1000, stime: 200, start: 5000, pages: 1000, rx: 1_000_000, tx: 2_000_000},
			second: reading{utime: 1150, stime: 250, start: 5000, pages: 3000, rx: 3_000_000, tx: 2_500_000},
			dt:     2 * time.Second,
			want:   measure.ProcStats{CPUCores: 1.0, MemBytes: 3000 * 4096, NetRecvBytes: 1_000_000, NetTranBytes: 250_000},
		},
		{
			name:   "command name with spaces and parentheses",
			comm:   "my (odd) ) name",
			first:  reading{utime: 10, stime: 10, start: 7, pages: 5},
			second: reading{utime: 30, stime: 15, start: 7, pages: 5},
			dt:     time.Second,
			want:   measure.ProcStats{CPUCores: 0.25, MemBytes: 5 * 4096},
		},
		{
			name:   "PID reused by a new process",
			comm:   "x",
			first:  reading{utime: 10000, stime: 0, start: 7, pages: 5, rx: 100},
			second: reading{utime: 50, stime: 0, start: 9000, pages: 6, rx: 200},
			dt:     time.Second,
			want:   measure.ProcStats{MemBytes: 6 * 4096},
		},
		{
			name:   "counters going backwards",
			comm:   "x",
			first:  reading{utime: 100, start: 7, pages: 5, rx: 500, tx: 500},
			second: reading{utime: 100, start: 7, pages: 5, rx: 100, tx: 900},
			dt:     time.Second,
			want:   measure.ProcStats{MemBytes: 5 * 4096, NetTranBytes: 400},
		},
		{
			name:   "process gone",
			comm:   "x",
			first:  reading{utime: 1, start: 7, pages: 5},
			second: reading{gone: true},
			dt:     time.Second,
			absent: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeProc(t)
			p := measure.NewProcSamplerWith(measure.ProcOptions{Root: f.root, ClockTick: 100, PageSize: 4096})
			r := tt.first
			f.process(42, tt.comm, r.utime, r.stime, r.start, r.pages, r.rx, r.tx)
			first := p.Sample(t0, map[string]int{"m": 42})
			if got := first["m"]; got.CPUCores != 0 || got.NetRecvBytes != 0 || got.MemBytes != r.pages*4096 {
				t.Fatalf("first sample %+v: want no rates, memory %d", got, r.pages*4096)
			}
			r = tt.second
			if r.gone {
				if err := os.RemoveAll(filepath.Join(f.root, "42")); err != nil {
					t.Fatal(err)
				}
			} else {
				f.process(42, tt.comm, r.utime, r.stime, r.start, r.pages, r.rx, r.tx)
			}
			got, ok := p.Sample(t0.Add(tt.dt), map[string]int{"m": 42})["m"]
			if tt.absent {
				if ok {
					t.Fatalf("vanished process reported: %+v", got)
				}
				return
			}
			if !ok || !statsNear(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestProcSamplerForgets(t *testing.T) {
	f := newFakeProc(t)
	p := measure.NewProcSamplerWith(measure.ProcOptions{Root: f.root, ClockTick: 100, PageSize: 4096})
	f.process(1, "a", 0, 0, 1, 1, 0, 0)
	f.process(2, "b", 0, 0, 1, 1, 0, 0)
	p.Sample(t0, map[string]int{"a": 1, "b": 2})
	f.process(1, "a", 100, 0, 1, 1, 0, 0)
	f.process(2, "b", 100, 0, 1, 1, 0, 0)
	// Only b is asked for: a's reading is forgotten.
	if got := p.Sample(t0.Add(time.Second), map[string]int{"b": 2}); len(got) != 1 || got["b"].CPUCores != 1 {
		t.Fatalf("second sample %+v", got)
	}
	f.process(1, "a", 200, 0, 1, 1, 0, 0)
	if got := p.Sample(t0.Add(2*time.Second), map[string]int{"a": 1, "a too": 1}); got["a"].CPUCores != 0 || got["a too"] != got["a"] {
		t.Fatalf("a after being forgotten: %+v (want no rate, and the same figures under both names)", got)
	}
	if got := p.Sample(t0.Add(3*time.Second), map[string]int{"nobody": 999999}); len(got) != 0 {
		t.Fatalf("missing PID reported: %+v", got)
	}
}

func TestProcSamplerNodeFake(t *testing.T) {
	f := newFakeProc(t)
	stat := func(user, system, idle, iowait uint64) string {
		return fmt.Sprintf("cpu  %d 0 %d %d %d 0 0 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\ncpu1 1 0 1 1 0 0 0 0 0 0\nintr 12345\nctxt 999\n",
			user, system, idle, iowait)
	}
	f.write("meminfo", "MemTotal:        8000000 kB\nMemFree:         1000000 kB\nMemAvailable:    6000000 kB\nBuffers:  1 kB\nActive:          1500000 kB\nActive(anon):     100 kB\n")
	f.write("stat", stat(1000, 500, 8000, 500))
	p := measure.NewProcSamplerWith(measure.ProcOptions{Root: f.root})
	n, err := p.Node(t0)
	if err != nil {
		t.Fatal(err)
	}
	want := measure.NodeStats{CPUCount: 2, MemTotalBytes: 8000000 * 1024, MemAvailableBytes: 6000000 * 1024, MemActiveBytes: 1500000 * 1024}
	if n != want {
		t.Fatalf("first node sample %+v, want %+v", n, want)
	}
	if n.MemUsedBytes() != 2000000*1024 {
		t.Errorf("MemUsedBytes %d", n.MemUsedBytes())
	}
	// 200 ticks pass on 2 CPUs: 150 busy, 50 idle or iowait.
	f.write("stat", stat(1100, 550, 8030, 520))
	n, err = p.Node(t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(n.CPUUtilization-0.75) > 1e-9 || math.Abs(n.CPUCores-1.5) > 1e-9 {
		t.Fatalf("utilisation %g, cores %g; want 0.75, 1.5", n.CPUUtilization, n.CPUCores)
	}

	bad := []struct{ file, content string }{
		{"stat", "intr 1\n"},
		{"stat", "cpu 1 2\n"},
		{"meminfo", "MemTotal: 1 kB\n"},
		{"meminfo", "MemTotal: x kB\nMemAvailable: 1 kB\nActive: 1 kB\n"},
	}
	for _, b := range bad {
		g := newFakeProc(t)
		g.write("stat", stat(1, 1, 1, 1))
		g.write("meminfo", "MemTotal: 2 kB\nMemAvailable: 1 kB\nActive: 1 kB\n")
		g.write(b.file, b.content)
		if _, err := measure.NewProcSamplerWith(measure.ProcOptions{Root: g.root}).Node(t0); err == nil {
			t.Errorf("%s %q: no error", b.file, b.content)
		}
	}
}

func TestClockTick(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	if got := measure.ClockTick(); got != 100 {
		t.Errorf("ClockTick() = %d, want 100 (USER_HZ on Linux)", got)
	}
}

// rusageCPU is the CPU time this process used so far, by getrusage.
func rusageCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPU is the CPU time the calling OS thread used so far.
func threadCPU(t *testing.T) time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		t.Error(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestProcSamplerCPU spins one goroutine, on its own thread, until that
// thread has used 300 ms of CPU, and checks the sampler sees that work: about
// one core when the machine is otherwise idle, and in any case the CPU time
// getrusage reports for the whole process over the same interval, at least
// the 300 ms spun.
func TestProcSamplerCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	p := measure.NewProcSampler()
	pid := map[string]int{"self": os.Getpid()}
	const work = 300 * time.Millisecond
	p.Sample(time.Now(), pid)
	w0, c0 := time.Now(), rusageCPU(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		start := threadCPU(t)
		for x := 0; threadCPU(t)-start < work; x++ {
			for i := range 10000 {
				x += i * i
			}
		}
	}()
	<-done
	now := time.Now()
	wall := now.Sub(w0)
	process := rusageCPU(t) - c0
	cores := p.Sample(now, pid)["self"].CPUCores
	seen := time.Duration(cores * float64(wall))
	t.Logf("%v of CPU spun in %v: sampler %.3f cores (%v of CPU), getrusage %v", work, wall, cores, seen, process)
	// The clock tick is 10 ms: allow a few ticks either way.
	const slack = 30 * time.Millisecond
	if seen < work-slack || seen > process+slack {
		t.Errorf("sampler saw %v of CPU; want at least the %v spun and at most the %v getrusage saw", seen, work, process)
	}
	if wall < work*11/10 && (cores < 0.8 || cores > 1.3) { // the spinner had a core to itself
		t.Errorf("spinning for %v shows %.3f cores, want about 1", wall, cores)
	}
}

func TestProcSamplerMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	p := measure.NewProcSampler()
	pid := map[string]int{"self": os.Getpid()}
	before := p.Sample(time.Now(), pid)["self"].MemBytes
	// Fresh anonymous pages, not the Go heap: a heap that other tests grew
	// may hand back memory that is resident already.
	mem, err := syscall.Mmap(-1, 0, 64<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := syscall.Munmap(mem); err != nil {
			t.Error(err)
		}
	}()
	for i := 0; i < len(mem); i += 4096 {
		mem[i] = 1
	}
	after := p.Sample(time.Now(), pid)["self"].MemBytes
	t.Logf("RSS %d MiB -> %d MiB", before>>20, after>>20)
	if after < before+60<<20 {
		t.Errorf("touching 64 MiB raised RSS by %d MiB only", int64(after-before)>>20)
	}
}

func TestProcSamplerNetwork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- -1
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		got <- n
	}()
	p := measure.NewProcSampler()
	pid := map[string]int{"self": os.Getpid()}
	w0 := time.Now()
	p.Sample(w0, pid)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	const size = 8 << 20
	if _, err := c.Write(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if n := <-got; n != size {
		t.Fatalf("sent %d bytes, received %d", size, n)
	}
	now := time.Now()
	st := p.Sample(now, pid)["self"]
	// Loopback traffic counts once received and once transmitted on lo;
	// other traffic of the machine only adds to it.
	min := 0.95 * size / now.Sub(w0).Seconds()
	t.Logf("rates: recv %.0f B/s, tran %.0f B/s, at least %.0f expected", st.NetRecvBytes, st.NetTranBytes, min)
	if st.NetRecvBytes < min || st.NetTranBytes < min {
		t.Errorf("8 MiB over loopback shows recv %.0f, tran %.0f B/s; want at least %.0f", st.NetRecvBytes, st.NetTranBytes, min)
	}
}

func TestProcSamplerNode(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	p := measure.NewProcSampler()
	if _, err := p.Node(time.Now()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	n, err := p.Node(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n.CPUCount < 1 || n.CPUUtilization < 0 || n.CPUUtilization > 1 || n.MemTotalBytes == 0 ||
		n.MemAvailableBytes > n.MemTotalBytes {
		t.Fatalf("implausible node figures %+v", n)
	}
}

func statsNear(a, b measure.ProcStats) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y)) }
	return near(a.CPUCores, b.CPUCores) && a.MemBytes == b.MemBytes &&
		near(a.NetRecvBytes, b.NetRecvBytes) && near(a.NetTranBytes, b.NetTranBytes)
}
