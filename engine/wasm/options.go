package wasm

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"time"
)

// Defaults of Options.
const (
	// DefaultMemoryLimitMB caps one instance's linear memory.
	DefaultMemoryLimitMB = 256
	// DefaultTimeout bounds a call whose context has no deadline.
	DefaultTimeout = 30 * time.Second
	// maxInstances bounds Options.Instances.
	maxInstances = 256
)

// Options configure Load.
type Options struct {
	// Name is the module's name, in errors and logs.
	Name string
	// CacheDir is the root of the compiled-code cache (jsorc's is
	// DATA/wasm-cache); each module's compiled code lives in a directory of
	// its own there, named for the module's SHA-256. Empty: compiled code is
	// kept in memory only, and every load compiles.
	CacheDir string
	// Env and Args are what the module's WASI environment and arguments
	// hold (argv[0] is the module's name).
	Env  map[string]string
	Args []string
	// Dirs grants the module directories of the host, read-only: guest
	// path to host path. Without it the module sees no file system.
	Dirs map[string]string
	// Instances is the most instances serving calls at once (default:
	// GOMAXPROCS); they are made as concurrency asks for them.
	Instances int
	// MemoryLimitMB caps each instance's linear memory (default 256).
	MemoryLimitMB int
	// Timeout bounds a call whose context has no deadline (default 30s).
	Timeout time.Duration
	// Output receives what the module writes to its stdout and stderr; nil
	// discards it.
	Output io.Writer
	// Uninterruptible compiles the module without loop checks. The
	// checks (interrupt.go) make a runaway loop stoppable at its deadline
	// and let the Go runtime preempt a long call, for a nanosecond or two
	// per loop iteration. Without them a call that does not return cannot
	// be stopped: its caller waits, and its instance spins, until the
	// module is unloaded and the process ends; a garbage collection waits
	// for a long call to end. Only for modules you trust.
	Uninterruptible bool
}

func (o *Options) setDefaults() error {
	if o.Instances == 0 {
		o.Instances = runtime.GOMAXPROCS(0)
	}
	if o.MemoryLimitMB == 0 {
		o.MemoryLimitMB = DefaultMemoryLimitMB
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	return o.check()
}

// check rejects options out of range, naming the limit.
func (o *Options) check() error {
	if o.Instances < 1 || o.Instances > maxInstances {
		return fmt.Errorf("instances %d: give 1 to %d", o.Instances, maxInstances)
	}
	// 65536 pages of 64 KiB are the 4 GiB a 32-bit memory can address.
	if o.MemoryLimitMB < 1 || o.MemoryLimitMB > 4096 {
		return fmt.Errorf("memory_limit_mb %d: give 1 to 4096", o.MemoryLimitMB)
	}
	for _, g := range sortedKeys(o.Dirs) {
		if !filepath.IsAbs(o.Dirs[g]) {
			return fmt.Errorf("dirs: host directory %q (for %q) is not an absolute path", o.Dirs[g], g)
		}
		if len(g) == 0 || g[0] != '/' {
			return fmt.Errorf("dirs: guest path %q is not absolute (give e.g. /data)", g)
		}
	}
	return nil
}

// memoryLimitPages is MemoryLimitMB in pages of 64 KiB.
func (o *Options) memoryLimitPages() uint32 { return uint32(o.MemoryLimitMB) * 16 }

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CheckOptions fills in the defaults of o and checks it, as Load does.
func CheckOptions(o Options) (Options, error) {
	err := o.setDefaults()
	return o, err
}
