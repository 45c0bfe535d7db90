//go:build linux

package actions

// This file holds the Linux clocks and memory facts the synth module needs.

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// threadCPUTime returns the CPU time consumed so far by the calling OS
// thread; callers lock their goroutine to the thread first.
func threadCPUTime() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, fmt.Errorf("read thread CPU clock: %w", err)
	}
	return time.Duration(ts.Nano()), nil
}

// physicalMemory returns the machine's total RAM in bytes, and false when it
// cannot be read.
func physicalMemory() (uint64, bool) {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0, false
	}
	return uint64(si.Totalram) * uint64(si.Unit), true
}

// mapMemory maps n bytes of private anonymous memory; its pages become
// resident as they are touched.
func mapMemory(n int) ([]byte, error) {
	mem, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("mapping %d bytes: %w", n, err)
	}
	return mem, nil
}

// unmapMemory returns a mapping made by mapMemory to the system.
func unmapMemory(mem []byte) error {
	if err := unix.Munmap(mem); err != nil {
		return fmt.Errorf("unmapping %d bytes: %w", len(mem), err)
	}
	return nil
}
