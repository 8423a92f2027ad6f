package vtime

import (
	"time"

	"github.com/benbjohnson/clock"
)

// Scaled returns a real-time Clock that runs factor times faster than the
// wall clock, starting at start: a time-lapse for demonstrations, where an
// every-minute CronJob fires every second at factor 60. Durations asked of
// AfterFunc are divided by factor. A factor of 1 or less is real time
// (shifted to start).
//
// Only orchestra's own timing (controllers, back-offs, cron slots, grace
// periods, probes) speeds up; what the workloads do with the wall clock
// (network timeouts, sleeps) does not.
func Scaled(start time.Time, factor float64) Clock {
	if factor < 1 {
		factor = 1
	}
	c := clock.New()
	return &scaled{c: c, start: start, origin: c.Now(), factor: factor}
}

type scaled struct {
	c      clock.Clock
	start  time.Time
	origin time.Time
	factor float64
}

func (s *scaled) Now() time.Time {
	elapsed := s.c.Since(s.origin)
	return s.start.Add(time.Duration(float64(elapsed) * s.factor))
}

func (s *scaled) Since(t time.Time) time.Duration { return s.Now().Sub(t) }

func (s *scaled) AfterFunc(d time.Duration, f func()) Timer {
	return s.c.AfterFunc(time.Duration(float64(d)/s.factor), f)
}
