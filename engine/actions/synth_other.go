//go:build !linux

package actions

// This file stands in for the Linux clocks on other systems: synth loads and
// answers there, but cannot burn CPU time.

import (
	"errors"
	"time"
)

// threadCPUTime fails: per-thread CPU clocks are read only on Linux.
func threadCPUTime() (time.Duration, error) {
	return 0, errors.New("thread CPU clock: supported on linux only")
}

// physicalMemory reports that the machine's memory is unknown.
func physicalMemory() (uint64, bool) { return 0, false }

// mapMemory allocates n bytes on the Go heap.
func mapMemory(n int) ([]byte, error) { return make([]byte, n), nil }

// unmapMemory leaves the memory to the collector.
func unmapMemory([]byte) error { return nil }
