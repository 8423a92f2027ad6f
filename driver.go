package orchestra

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// maxDrainRounds bounds the rounds of one drain: more means a hot loop (two
// controllers fighting over an object), which is a bug worth a clear error.
const maxDrainRounds = 1 << 20

// drain does all the work that is ready now: runtime reports into the
// store, store changes to observers and controllers, ready keys reconciled,
// until nothing is left. It never advances the clock.
func (c *Cluster) drain(ctx context.Context) error {
	gen := c.settled.begin()
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i > maxDrainRounds {
			return fmt.Errorf("orchestra: the cluster did not settle at %s: a controller hot loop", c.clock.Now().UTC().Format(time.RFC3339))
		}
		progress := c.runPending()
		progress = c.mirror.step(ctx) || progress
		progress = c.notify() || progress
		progress = c.kubelet.Step(ctx) || progress
		if len(c.bridge.started) > 0 {
			// The pods just started: their first reports carry their
			// finalizer (kubelet.unconfirmed).
			progress = c.mirror.step(ctx) || progress
		}
		if len(c.bridge.started) > 0 || c.bridge.promised {
			c.bridge.confirm()
		}
		progress = c.notify() || progress
		progress = c.plane.Step(ctx) || progress
		progress = c.notify() || progress
		if !progress {
			c.settled.settle(gen) // wakes WaitFor
			return nil
		}
	}
}

// notifyBatch is how many store changes notify takes from the watch at a
// time.
const notifyBatch = 256

// notify delivers store changes to the observers.
func (c *Cluster) notify() bool {
	c.obsMu.Lock()
	w, obs := c.obsWatch, c.observers
	c.obsMu.Unlock()
	if w == nil {
		return false
	}
	if c.obsBatch == nil {
		c.obsBatch = make([]store.Event, 0, notifyBatch)
	}
	progress, used := false, 0
	for {
		evs := w.TryNextBatch(c.obsBatch)
		if len(evs) == 0 {
			clear(c.obsBatch[:used]) // keep no object alive past this call
			break
		}
		progress = true
		for k := range evs {
			for _, fn := range obs {
				fn(evs[k])
			}
		}
		used = max(used, len(evs))
	}
	if err := w.Err(); err != nil {
		// The observers fell more than a watch buffer behind: the changes
		// in between are lost to them. Say so, and follow from now on
		// rather than go silent.
		c.logger.Error("OnChange observers missed changes; watching again from now", "err", err)
		nw, werr := c.store.Watch("", c.store.ResourceVersion())
		c.obsMu.Lock()
		if werr == nil && c.obsWatch == w {
			c.obsWatch = nw
		} else if werr == nil {
			nw.Stop()
		}
		c.obsMu.Unlock()
		w.Stop()
		progress = true
	}
	return progress
}

// Advance plays the cluster forward by d in virtual time: it does all the
// work that is ready, then jumps the clock to the next deadline (a
// container finishing, a requeue, a cron slot) and repeats, until d has
// passed. It never sleeps. Advance(0) does all the work of the current
// instant. It returns ErrNotVirtual when the cluster's clock is not a
// *vtime.Virtual, and an error wrapping workload.ErrInvalid, changing
// nothing, for a negative d: virtual time only moves forward.
func (c *Cluster) Advance(d time.Duration) error {
	if c.virtual == nil {
		return ErrNotVirtual
	}
	if d < 0 {
		return fmt.Errorf("orchestra: advance by %v: negative (virtual time only moves forward): %w", d, workload.ErrInvalid)
	}
	return c.AdvanceTo(c.virtual.Now().Add(d))
}

// AdvanceTo plays the cluster forward to the virtual time end, as Advance
// does. It returns ErrNotVirtual when the cluster's clock is not a
// *vtime.Virtual, and an error wrapping workload.ErrInvalid, changing
// nothing, when end is before the cluster's time.
func (c *Cluster) AdvanceTo(end time.Time) error {
	if c.virtual == nil {
		return ErrNotVirtual
	}
	if now := c.virtual.Now(); end.Before(now) {
		return fmt.Errorf("orchestra: advance to %s: before the cluster's time %s (virtual time only moves forward): %w",
			end.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano), workload.ErrInvalid)
	}
	_, err := c.runUntil(end, nil)
	return err
}

// RunUntil plays the cluster forward in virtual time until cond holds
// or limit has passed. It reports whether cond held.
//
// cond is checked each time the cluster has done all the work that is
// ready, before the clock's next timers fire, and those may be due at the
// same instant (on the fake runtime, a container that starts at once
// starts on a timer due at the instant its pod is created). So cond can
// hold in a state that the same instant then moves past (three pods
// scheduled, all Pending, no endpoint to pick yet); ask for the state you
// need, such as pods that are ready.
//
// A nil cond never holds: RunUntil plays the whole limit, as Advance(limit)
// does, and reports false. A negative limit is an error wrapping
// workload.ErrInvalid, as for Advance.
func (c *Cluster) RunUntil(cond func() bool, limit time.Duration) (bool, error) {
	if c.virtual == nil {
		return false, ErrNotVirtual
	}
	if limit < 0 {
		return false, fmt.Errorf("orchestra: run until: limit %v is negative (virtual time only moves forward): %w", limit, workload.ErrInvalid)
	}
	return c.runUntil(c.virtual.Now().Add(limit), cond)
}

func (c *Cluster) runUntil(end time.Time, cond func() bool) (bool, error) {
	c.pendMu.Lock()
	closing := c.closing
	c.pendMu.Unlock()
	if closing {
		return false, ErrClosed
	}
	c.enterLoop()
	defer c.exitLoop()
	ctx := context.Background()
	v := c.virtual
	for {
		if err := c.drain(ctx); err != nil {
			return false, err
		}
		if cond != nil && cond() {
			return true, nil
		}
		next, ok := v.Next()
		if !ok || next.After(end) {
			break
		}
		v.AdvanceTo(next)
	}
	if v.Now().Before(end) {
		v.AdvanceTo(end)
		if err := c.drain(ctx); err != nil {
			return false, err
		}
	}
	return cond != nil && cond(), nil
}

// Run drives the cluster in real time until ctx is done, then returns
// ctx's error, after every goroutine it started has ended. All the work is
// done on the calling goroutine: runtime reports, controllers and the
// scheduler wake it when they have work. Another goroutine waits for a
// state of the cluster with WaitFor.
func (c *Cluster) Run(ctx context.Context) error {
	if c.virtual != nil {
		return ErrVirtual
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One Run drives the cluster at a time; another waits its turn, or
	// for its own context.
	select {
	case c.runSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.runSem }()
	c.pendMu.Lock()
	if c.closing {
		c.pendMu.Unlock()
		return ErrClosed
	}
	c.runCancel = cancel
	c.pendMu.Unlock()
	c.enterLoop()
	defer c.exitLoop()
	defer func() {
		c.pendMu.Lock()
		c.runCancel = nil
		c.pendMu.Unlock()
	}()
	if c.closed {
		// Close ran between the check above and enterLoop: it cancelled
		// ctx and tore the cluster down.
		return context.Canceled
	}
	for {
		if err := c.drain(ctx); err != nil {
			return err
		}
		cases := []reflect.SelectCase{
			{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())},
			{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.kick)},
		}
		var chans []<-chan struct{}
		chans = append(chans, c.mirror.wait()...)
		chans = append(chans, c.kubelet.Wait()...)
		chans = append(chans, c.plane.Wait()...)
		c.obsMu.Lock()
		if c.obsWatch != nil {
			chans = append(chans, c.obsWatch.Ready())
		}
		c.obsMu.Unlock()
		for _, ch := range chans {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)})
		}
		if i, _, _ := reflect.Select(cases); i == 0 {
			return ctx.Err()
		}
	}
}

// Close stops the control plane and the watches the cluster holds; a Run
// in progress ends (with context.Canceled) first. A fake runtime the
// cluster made itself (Config.Runtime nil) is closed too; a runtime the
// caller passed is the caller's to close. Close is idempotent. Afterwards
// the store can still be read (Get, List, Events), while Apply, Delete,
// DeletePod, Run, Advance and RunUntil return ErrClosed.
func (c *Cluster) Close() {
	c.pendMu.Lock()
	if !c.closing {
		close(c.closeCh)
	}
	c.closing = true
	if c.runCancel != nil {
		c.runCancel()
	}
	c.pendMu.Unlock()
	c.loopMu.Lock()
	defer c.loopMu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	c.plane.Stop()
	c.planeUp.Store(false)
	c.kubelet.Stop()
	c.mirror.stop()
	if er, ok := c.rt.(workload.EventReporter); ok {
		er.SetEventSink(nil)
	}
	c.closeServices()
	if c.cfg.Runtime == nil && c.fake != nil {
		c.fake.Close() // the cluster made it, so the cluster stops it
	}
	c.obsMu.Lock()
	if c.obsWatch != nil {
		c.obsWatch.Stop()
	}
	c.obsMu.Unlock()
}
