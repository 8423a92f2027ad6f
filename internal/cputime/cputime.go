package cputime

import (
	"runtime"
	"testing"
	"time"
)

// Clock measures the CPU time a benchmark loop uses.
type Clock struct {
	t0     time.Duration
	thread bool
}

// StartThread starts a clock of the calling goroutine's CPU time: it locks
// the goroutine to its thread until Report.
func StartThread() *Clock {
	runtime.LockOSThread()
	return &Clock{t0: Thread(), thread: true}
}

// StartProcess starts a clock of the whole process's CPU time (every
// thread, user and system), for benchmarks that run on every P.
func StartProcess() *Clock { return &Clock{t0: Process()} }

// Elapsed returns the CPU time since the clock started.
func (c *Clock) Elapsed() time.Duration {
	if c.thread {
		return Thread() - c.t0
	}
	return Process() - c.t0
}

// Report stops the clock and reports the CPU time per op as cpu-ns/op;
// nothing where the clock cannot be read.
func (c *Clock) Report(b *testing.B) {
	d := c.Elapsed()
	if c.thread {
		runtime.UnlockOSThread()
	}
	if c.t0 > 0 && d > 0 && b.N > 0 {
		b.ReportMetric(float64(d)/float64(b.N), "cpu-ns/op")
	}
}
