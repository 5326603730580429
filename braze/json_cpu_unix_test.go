//go:build unix

package braze

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the CPU time (user+system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a "cpu-ns/op" metric: the process CPU time per iteration.
// On a loaded machine wall-clock ns/op includes time spent waiting for a
// core; CPU time does not, so it is the steadier figure for allocation-free
// single-goroutine benchmarks.
func reportCPU(b *testing.B, start time.Duration) {
	if used := processCPU() - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
