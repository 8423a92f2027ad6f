package workqueue_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/internal/workqueue"
	"github.com/orchestra-go/orchestra/vtime"
)

// racyClock models the real clock's race between Stop and firing: its
// timers never stop (Stop reports false, as for a timer that has just
// fired), and the test runs their callbacks by hand, in any order.
type racyClock struct {
	now       time.Time
	callbacks []func()
}

type racyTimer struct{}

func (racyTimer) Stop() bool { return false }

func (c *racyClock) Now() time.Time                  { return c.now }
func (c *racyClock) Since(t time.Time) time.Duration { return c.now.Sub(t) }
func (c *racyClock) AfterFunc(d time.Duration, f func()) vtime.Timer {
	c.callbacks = append(c.callbacks, f)
	return racyTimer{}
}

func TestQueueIgnoresStaleTimerCallbacks(t *testing.T) {
	clk := &racyClock{now: t0}
	q := workqueue.New(clk)
	q.AddAfter("a", 10*time.Second) // callback 0
	q.AddAfter("a", 5*time.Second)  // replaces it: callback 1
	clk.callbacks[1]()
	if k, ok := q.Get(); !ok || k != "a" {
		t.Fatalf("Get() = %q, %v; want a, true", k, ok)
	}
	q.Done("a")                     // "a" is idle now; its state may be reused
	q.AddAfter("a", 10*time.Second) // callback 2

	clk.callbacks[0]() // the replaced timer fires late
	if k, ok := q.Get(); ok {
		t.Fatalf("stale callback queued %q", k)
	}
	clk.callbacks[2]()
	if k, ok := q.Get(); !ok || k != "a" {
		t.Fatalf("Get() = %q, %v; want a, true", k, ok)
	}
	q.Done("a")

	q.AddAfter("a", time.Second) // callback 3
	q.ShutDown()
	clk.callbacks[3]() // fires after ShutDown could not stop it
	if k, ok := q.Get(); ok {
		t.Fatalf("callback after ShutDown queued %q", k)
	}
}
