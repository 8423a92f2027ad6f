package orchestra

import (
	"context"
	"fmt"
	"sync"

	"github.com/orchestra-go/orchestra/workload"
)

// WaitFor waits until cond holds while another goroutine drives the cluster
// (Run, in real time), and returns nil as soon as it does. cond is checked
// each time the cluster has done all the work that is ready, as RunUntil
// checks its condition, so it sees a settled state: the scheduler, the
// controllers and the Services' pickers and proxy have acted on every store
// change made before that pass of the cluster's loop began, the caller's
// Apply and Delete calls before WaitFor included. It
// returns ctx's error when ctx ends first, and an error wrapping ErrClosed
// when the cluster is closed while cond does not hold (nothing changes any
// more). A nil cond is an error wrapping workload.ErrInvalid.
//
// WaitFor is the real-time counterpart of RunUntil, which drives a
// virtual-time cluster itself: WaitFor drives nothing. When no Run drives
// the cluster at the call, cond is checked at once, then each time a Run
// (or an Advance on another goroutine) has done the work that is ready.
// cond runs on the caller's goroutine. Give ctx a deadline: a condition
// that never holds waits for as long as ctx lasts.
//
//	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
//	defer cancel()
//	err := c.WaitFor(ctx, func() bool {
//		d, err := orchestra.GetAs[*workload.Deployment](c, "default", "web")
//		return err == nil && controller.DeploymentComplete(d)
//	})
func (c *Cluster) WaitFor(ctx context.Context, cond func() bool) error {
	if cond == nil {
		return fmt.Errorf("orchestra: wait: nil condition: %w", workload.ErrInvalid)
	}
	// The first check needs a pass of the loop that begins after this
	// call, so that it has seen every change made before it; a pass in
	// progress may have missed the latest ones.
	var need uint64
	if c.running() {
		_, begun, _ := c.settled.state()
		need = begun + 1
		c.wake()
	}
	first, last := true, uint64(0) // last: the pass cond was last checked after
	for {
		done, _, settled := c.settled.state()
		if done >= need && (first || done > last) {
			if cond() {
				return nil
			}
			first, last = false, done
		}
		if c.isClosed() {
			if done < need && cond() {
				return nil
			}
			return fmt.Errorf("orchestra: wait: %w", ErrClosed)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.closeCh: // check cond one last time, then ErrClosed
		case <-settled:
		}
	}
}

// running reports whether a Run drives the cluster.
func (c *Cluster) running() bool {
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	return c.runCancel != nil
}

// settleSignal counts the passes of the cluster's loop (drain): begun when
// a pass starts, done when the last pass to finish with nothing left to do
// had started, and wakes the goroutines waiting for the next such pass.
type settleSignal struct {
	mu          sync.Mutex
	begun, done uint64
	ch          chan struct{} // closed at the next settle; made when someone waits
}

// begin records the start of a pass and returns its number.
func (s *settleSignal) begin() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begun++
	return s.begun
}

// settle records that pass gen has done all the work that was ready, and
// wakes the waiters.
func (s *settleSignal) settle(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = max(s.done, gen)
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// state returns the last settled pass, the last begun, and a channel closed
// at the next settle.
func (s *settleSignal) state() (done, begun uint64, next <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.done, s.begun, s.ch
}
