//go:build unix

package httpretry

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time so far, for the
// benchmarks' cpu-ns/op (less disturbed by a shared machine than wall
// time).
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
