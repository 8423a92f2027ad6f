//go:build linux

package bench

import (
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// cpuClock measures the CPU time of the goroutine it is started on: it
// locks the goroutine to its thread and reads the thread's CPU clock. On a
// machine shared with other work, a benchmark's wall-clock ns/op counts
// the time its thread waits for a core; this does not.
type cpuClock struct {
	t0      time.Duration
	process bool
}

func startCPUClock() *cpuClock {
	runtime.LockOSThread()
	return &cpuClock{t0: threadCPU()}
}

// startProcessCPUClock measures the CPU time of the whole process (every
// thread, user and system), for benchmarks that run on every P.
func startProcessCPUClock() *cpuClock {
	return &cpuClock{t0: processCPU(), process: true}
}

// report stops the clock and reports the CPU time per op as cpu-ns/op.
func (c *cpuClock) report(b *testing.B) {
	var d time.Duration
	if c.process {
		d = processCPU() - c.t0
	} else {
		d = threadCPU() - c.t0
		runtime.UnlockOSThread()
	}
	if d > 0 && b.N > 0 {
		b.ReportMetric(float64(d)/float64(b.N), "cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func threadCPU() time.Duration {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
