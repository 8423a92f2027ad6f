package vtime

import (
	"time"

	"github.com/benbjohnson/clock"
)

// Clock is the time source of every part of orchestra.
//
// Nothing in orchestra calls time.Now, time.Sleep or time.AfterFunc directly:
// it asks a Clock, so that the same code runs on real time ([Real]) and on
// deterministic virtual time ([Virtual]).
type Clock interface {
	// Now returns the current time of the clock.
	Now() time.Time
	// Since returns the time elapsed since t, that is Now().Sub(t).
	Since(t time.Time) time.Duration
	// AfterFunc calls f once, d from now. On a virtual clock f runs on the
	// goroutine that advances the clock; on the real clock it runs on a
	// goroutine of its own.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call made by [Clock.AfterFunc].
type Timer interface {
	// Stop prevents the timer from firing. It reports whether it stopped
	// the timer before it fired; it returns false if the timer has already
	// fired or has already been stopped.
	Stop() bool
}

// Real returns a Clock that follows real time, built on benbjohnson/clock's
// clock.New().
func Real() Clock { return Wrap(clock.New()) }

// Wrap adapts any benbjohnson/clock Clock, including its *clock.Mock, to
// this package's Clock. A nil c gives the real clock.
func Wrap(c clock.Clock) Clock {
	if c == nil {
		c = clock.New()
	}
	return wrapped{c: c}
}

type wrapped struct{ c clock.Clock }

func (w wrapped) Now() time.Time                  { return w.c.Now() }
func (w wrapped) Since(t time.Time) time.Duration { return w.c.Since(t) }
func (w wrapped) AfterFunc(d time.Duration, f func()) Timer {
	return w.c.AfterFunc(d, f)
}
