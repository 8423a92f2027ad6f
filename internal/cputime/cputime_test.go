package cputime

import (
	"runtime"
	"testing"
)

// TestClocksAdvance: both clocks move forward while this goroutine spins
// (where the platform has them).
func TestClocksAdvance(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the thread clock is read on Linux only")
	}
	th, pr := StartThread(), StartProcess()
	x := 0
	for i := 0; th.Elapsed() <= 0 || pr.Elapsed() <= 0; i++ {
		x += i // spin until both clocks have ticked
	}
	runtime.UnlockOSThread()
	if th.Elapsed() <= 0 || pr.Elapsed() <= 0 || x < 0 {
		t.Fatalf("thread %v, process %v: want both > 0", th.Elapsed(), pr.Elapsed())
	}
}
