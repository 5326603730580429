//go:build unix

package perfreport

import (
	"syscall"
	"time"
)

// rusageCPU returns the process's user+sys CPU time so far (0 if getrusage
// fails).
func rusageCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
