package vtime_test

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/orchestra-go/orchestra/vtime"
)

func TestWrapMock(t *testing.T) {
	mock := clock.NewMock()
	mock.Set(t0)
	clk := vtime.Wrap(mock)
	if !clk.Now().Equal(t0) {
		t.Errorf("Now() = %v, want %v", clk.Now(), t0)
	}
	// The Mock runs AfterFunc callbacks on a goroutine of their own.
	fired := make(chan struct{})
	clk.AfterFunc(time.Second, func() { close(fired) })
	stopped := clk.AfterFunc(time.Second, func() { t.Error("stopped timer fired") })
	if !stopped.Stop() {
		t.Error("Stop of a pending mock timer = false, want true")
	}
	mock.Add(2 * time.Second)
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("mock AfterFunc did not fire within 10s of mock.Add")
	}
	if got := clk.Since(t0); got != 2*time.Second {
		t.Errorf("Since(start) = %v, want 2s", got)
	}
}

func TestRealFiresAndStops(t *testing.T) {
	for name, clk := range map[string]vtime.Clock{"Real": vtime.Real(), "Wrap(nil)": vtime.Wrap(nil)} {
		t.Run(name, func(t *testing.T) {
			start := clk.Now()
			done := make(chan struct{})
			clk.AfterFunc(time.Millisecond, func() { close(done) })
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("real AfterFunc did not fire within 10s")
			}
			if clk.Since(start) <= 0 {
				t.Errorf("Since(start) = %v, want > 0", clk.Since(start))
			}
			long := clk.AfterFunc(time.Hour, func() { t.Error("stopped timer fired") })
			if !long.Stop() {
				t.Error("Stop of a pending real timer = false, want true")
			}
		})
	}
}
