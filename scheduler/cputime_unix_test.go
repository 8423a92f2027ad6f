//go:build unix

package scheduler

import (
	"syscall"
	"time"
)

// processCPUTime returns the user and system time the process has used, so
// that benchmarks can report throughput per CPU second, which a busy
// machine disturbs far less than wall time.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
