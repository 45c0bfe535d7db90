package measure

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// ProcStats is the resource use of one action server (a process on the
// local backend, a pod on Kubernetes), named as JSORC named the figures of
// its tracksys answer (api/types).
type ProcStats = types.ProcStats

// NodeStats is the resource use of a whole machine.
type NodeStats struct {
	// CPUCount is the number of CPUs.
	CPUCount int `json:"cpu_count"`
	// CPUCores is the number of CPUs busy (not idle nor waiting for I/O),
	// averaged over the interval measured.
	CPUCores float64 `json:"cpu_utilization_cores"`
	// CPUUtilization is CPUCores/CPUCount, in [0, 1].
	CPUUtilization float64 `json:"cpu_utilization"`
	// MemTotalBytes and MemAvailableBytes are the kernel's MemTotal and
	// MemAvailable: all RAM, and what can be allocated without swapping.
	MemTotalBytes     uint64 `json:"mem_total_bytes"`
	MemAvailableBytes uint64 `json:"mem_available_bytes"`
	// MemActiveBytes is the kernel's Active memory, which JSORC divided by
	// MemTotal for its node memory figure.
	MemActiveBytes uint64 `json:"mem_active_bytes"`
}

// MemUsedBytes returns MemTotalBytes - MemAvailableBytes (0 if unknown).
func (n NodeStats) MemUsedBytes() uint64 {
	if n.MemAvailableBytes > n.MemTotalBytes {
		return 0
	}
	return n.MemTotalBytes - n.MemAvailableBytes
}

// ProcOptions configure a [ProcSampler]; the zero value reads the real
// /proc.
type ProcOptions struct {
	// Root is the procfs mount point; "" means /proc.
	Root string
	// ClockTick is the kernel's USER_HZ, the unit of CPU times in
	// /proc/PID/stat and /proc/stat; 0 means what sysconf(_SC_CLK_TCK)
	// answers, read from the auxiliary vector (100 on Linux).
	ClockTick int
	// PageSize is the unit of /proc/PID/statm; 0 means os.Getpagesize().
	PageSize int
}

// A ProcSampler reads the resource use of processes and of the machine from
// Linux's /proc: the local backend's fallback when Prometheus is not
// reachable. Rates (CPU cores, network bytes per second) are deltas between
// consecutive samples of the same process, so the first sample of a process
// reports them as zero.
//
// Its methods are safe for concurrent use.
type ProcSampler struct {
	root     string
	tick     float64 // clock ticks per second
	pageSize uint64

	mu   sync.Mutex
	prev map[int]procReading
	node *nodeReading
}

// procReading is one raw reading of a process.
type procReading struct {
	at        time.Time
	startTime uint64 // clock ticks after boot; changes when the PID is reused
	cpuTicks  uint64 // utime + stime
	rssPages  uint64
	rx, tx    uint64
	netOK     bool
}

// nodeReading is one raw reading of /proc/stat's cpu line.
type nodeReading struct {
	busy, total uint64
}

// NewProcSampler returns a ProcSampler reading the real /proc.
func NewProcSampler() *ProcSampler {
	return NewProcSamplerWith(ProcOptions{})
}

// NewProcSamplerWith returns a ProcSampler configured by opts.
func NewProcSamplerWith(opts ProcOptions) *ProcSampler {
	if opts.Root == "" {
		opts.Root = "/proc"
	}
	if opts.ClockTick <= 0 {
		opts.ClockTick = ClockTick()
	}
	if opts.PageSize <= 0 {
		opts.PageSize = os.Getpagesize()
	}
	return &ProcSampler{
		root:     opts.Root,
		tick:     float64(opts.ClockTick),
		pageSize: uint64(opts.PageSize),
		prev:     make(map[int]procReading),
	}
}

// atClkTck is the auxiliary vector entry carrying the clock tick (AT_CLKTCK).
const atClkTck = 17

var clockTick = sync.OnceValue(func() int {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	word := strconv.IntSize / 8
	for i := 0; i+2*word <= len(b); i += 2 * word {
		var k, v uint64
		if word == 8 {
			k, v = binary.NativeEndian.Uint64(b[i:]), binary.NativeEndian.Uint64(b[i+8:])
		} else {
			k, v = uint64(binary.NativeEndian.Uint32(b[i:])), uint64(binary.NativeEndian.Uint32(b[i+4:]))
		}
		if k == atClkTck && v > 0 && v < 1<<20 {
			return int(v)
		}
		if k == 0 { // AT_NULL ends the vector
			break
		}
	}
	return 100
})

// ClockTick returns the kernel's USER_HZ as sysconf(_SC_CLK_TCK) gives it
// (the C library reads it from the auxiliary vector, as this does), or 100,
// its value on every Linux architecture, if that cannot be read.
func ClockTick() int {
	return clockTick()
}

// Sample reads the processes of pids (a name, such as an action module, to
// its PID) at now, which must be the current time: rates are computed over
// the wall time between samples. Processes that cannot be read (gone, or not
// visible) are left out of the answer. Readings of PIDs not in pids are
// forgotten, so memory follows the set of processes asked about; a PID reused
// by a new process is recognised by its start time.
func (p *ProcSampler) Sample(now time.Time, pids map[string]int) map[string]ProcStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]ProcStats, len(pids))
	done := make(map[int]ProcStats, len(pids))
	for name, pid := range pids {
		if st, ok := done[pid]; ok {
			out[name] = st
			continue
		}
		cur, err := p.read(pid)
		if err != nil {
			continue
		}
		cur.at = now
		st := ProcStats{MemBytes: cur.rssPages * p.pageSize}
		if old, ok := p.prev[pid]; ok && old.startTime == cur.startTime {
			if dt := cur.at.Sub(old.at).Seconds(); dt > 0 {
				st.CPUCores = float64(subOrZero(cur.cpuTicks, old.cpuTicks)) / p.tick / dt
				if cur.netOK && old.netOK {
					st.NetRecvBytes = float64(subOrZero(cur.rx, old.rx)) / dt
					st.NetTranBytes = float64(subOrZero(cur.tx, old.tx)) / dt
				}
			}
		}
		p.prev[pid] = cur
		done[pid] = st
		out[name] = st
	}
	for pid := range p.prev {
		if _, ok := done[pid]; !ok {
			delete(p.prev, pid)
		}
	}
	return out
}

// read takes one raw reading of process pid.
func (p *ProcSampler) read(pid int) (procReading, error) {
	var r procReading
	dir := filepath.Join(p.root, strconv.Itoa(pid))
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return r, err
	}
	utime, stime, start, err := parseProcStat(b)
	if err != nil {
		return r, fmt.Errorf("%s/stat: %w", dir, err)
	}
	r.cpuTicks, r.startTime = utime+stime, start
	b, err = os.ReadFile(filepath.Join(dir, "statm"))
	if err != nil {
		return r, err
	}
	if r.rssPages, err = parseStatm(b); err != nil {
		return r, fmt.Errorf("%s/statm: %w", dir, err)
	}
	if b, err = os.ReadFile(filepath.Join(dir, "net", "dev")); err == nil {
		r.rx, r.tx, err = parseNetDev(b)
		r.netOK = err == nil
	}
	return r, nil
}

// Node reads the machine's CPU and memory at now. CPU figures are averaged
// since the previous call of Node on this sampler; the first call reports
// them as zero (but CPUCount is known).
func (p *ProcSampler) Node(now time.Time) (NodeStats, error) {
	_ = now // /proc/stat counts ticks, which give the interval themselves
	var n NodeStats
	b, err := os.ReadFile(filepath.Join(p.root, "stat"))
	if err != nil {
		return n, err
	}
	busy, total, cpus, err := parseCPUStat(b)
	if err != nil {
		return n, fmt.Errorf("%s/stat: %w", p.root, err)
	}
	n.CPUCount = cpus
	p.mu.Lock()
	old := p.node
	p.node = &nodeReading{busy: busy, total: total}
	p.mu.Unlock()
	if old != nil && total > old.total {
		n.CPUUtilization = min(1, float64(subOrZero(busy, old.busy))/float64(total-old.total))
		n.CPUCores = n.CPUUtilization * float64(cpus)
	}
	b, err = os.ReadFile(filepath.Join(p.root, "meminfo"))
	if err != nil {
		return n, err
	}
	mem, err := parseMeminfo(b, "MemTotal", "MemAvailable", "Active")
	if err != nil {
		return n, fmt.Errorf("%s/meminfo: %w", p.root, err)
	}
	n.MemTotalBytes, n.MemAvailableBytes, n.MemActiveBytes = mem[0], mem[1], mem[2]
	return n, nil
}

// subOrZero returns a-b, or 0 if the counter went backwards.
func subOrZero(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

var errFormat = errors.New("unexpected format")

// parseProcStat extracts utime, stime (fields 14 and 15) and starttime
// (field 22) from the contents of /proc/PID/stat. The command name (field 2)
// is parenthesised and may itself contain spaces and parentheses, so fields
// are counted from the last ')'.
func parseProcStat(b []byte) (utime, stime, start uint64, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, 0, errFormat
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 20 {
		return 0, 0, 0, errFormat
	}
	if utime, err = strconv.ParseUint(f[14-3], 10, 64); err != nil {
		return
	}
	if stime, err = strconv.ParseUint(f[15-3], 10, 64); err != nil {
		return
	}
	start, err = strconv.ParseUint(f[22-3], 10, 64)
	return
}

// parseStatm extracts the resident set size in pages from /proc/PID/statm.
func parseStatm(b []byte) (uint64, error) {
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, errFormat
	}
	return strconv.ParseUint(f[1], 10, 64)
}

// parseNetDev sums received and transmitted bytes over every interface of
// /proc/PID/net/dev (two header lines, then "iface: rx_bytes ... tx_bytes
// ...", with tx_bytes the ninth number).
func parseNetDev(b []byte) (rx, tx uint64, err error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) < 2 {
		return 0, 0, errFormat
	}
	for _, line := range lines[2:] {
		_, nums, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(nums)
		if len(f) < 9 {
			return 0, 0, errFormat
		}
		r, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		t, err := strconv.ParseUint(f[8], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		rx += r
		tx += t
	}
	return rx, tx, nil
}

// parseCPUStat reads /proc/stat: the busy and total clock ticks of the
// aggregate "cpu" line and the number of "cpuN" lines. Idle and iowait count
// as not busy; guest time is already part of user time and is not added.
func parseCPUStat(b []byte) (busy, total uint64, cpus int, err error) {
	found := false
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if f[0] != "cpu" {
			cpus++
			continue
		}
		if len(f) < 5 {
			return 0, 0, 0, errFormat
		}
		for i, s := range f[1:min(len(f), 9)] { // user … steal
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return 0, 0, 0, err
			}
			total += v
			if i != 3 && i != 4 { // idle, iowait
				busy += v
			}
		}
		found = true
	}
	if !found {
		return 0, 0, 0, errFormat
	}
	return busy, total, cpus, nil
}

// parseMeminfo returns the values of keys in /proc/meminfo, in bytes. Every
// key must be present.
func parseMeminfo(b []byte, keys ...string) ([]uint64, error) {
	out := make([]uint64, len(keys))
	seen := 0
	for line := range strings.Lines(string(b)) {
		k, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for i, want := range keys {
			if k != want {
				continue
			}
			f := strings.Fields(rest)
			if len(f) == 0 {
				return nil, errFormat
			}
			v, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				return nil, err
			}
			if len(f) > 1 && f[1] == "kB" {
				v *= 1024
			}
			out[i] = v
			seen++
		}
	}
	if seen < len(keys) {
		return nil, fmt.Errorf("%w: want %s", errFormat, strings.Join(keys, ", "))
	}
	return out, nil
}
