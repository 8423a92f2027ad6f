package controller

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronSchedule is a CronJob schedule in a time zone, with orchestra's
// daylight-saving rules (see NewCronJob). It wraps robfig/cron's parsed
// SpecSchedule, which does the field matching, but never lets it walk
// through a clock change.
//
// robfig's SpecSchedule.Next walks real time in the schedule's zone, hour
// by hour. At clock changes that gives:
//   - a wall-clock time that does not exist (clocks go forward, "30 2 * * *"
//     on the last Sunday of March in Europe/Berlin) is never reached: the
//     run is lost for that day;
//   - a wall-clock time that happens twice (clocks go back) is reached
//     twice: "30 2 * * *" runs at 02:30 CEST and again at 02:30 CET;
//   - in zones that shift by 30 minutes (Australia/Lord_Howe) the walk
//     loses its alignment and skips whole days ("0 3 * * *", "@daily").
//
// cronSchedule instead matches wall-clock readings with robfig in UTC (a
// zone without transitions, where robfig is exact) and maps them to
// instants itself, one period of constant UTC offset at a time:
//   - gap: wall-clock times that a forward transition skips fire once, at
//     the transition (the first instant after the gap);
//   - overlap: for a schedule that names particular hours (its hour field
//     is not every hour), a wall-clock time fires at its first occurrence
//     only. A schedule that fires every hour ("* * * * *", "*/5 * * * *",
//     "0 * * * *") is periodic in real time: the repeated hour is an hour
//     of real time like any other and fires as usual, so that an
//     every-minute CronJob does not stop for an hour (ISC cron treats its
//     wildcard jobs the same way).
//
// "@every <duration>" (robfig's constant-delay schedule, which Kubernetes
// accepts through the same parser) has no wall-clock slots: it fires every
// duration in real time, counted from the instant asked about, rounded
// down to the second as robfig does; time zones and DST do not apply. Its
// slots are a chain counted from an anchor (the CronJob's last slot or
// creation): see everySlots.
type cronSchedule struct {
	spec      *cron.SpecSchedule // Location UTC: matches wall-clock readings
	every     cron.Schedule      // an @every schedule, instead of spec
	delay     time.Duration      // every's delay (whole seconds, at least one)
	loc       *time.Location
	everyHour bool
}

// allHours is the hour bit set of a schedule that fires every hour.
const allHours = uint64(1)<<24 - 1

// Errors of parseCronSchedule.
var (
	errUnknownTimeZone = errors.New("unknown time zone")
	errBadSchedule     = errors.New("unparseable schedule")
)

// parseCronSchedule parses a five-field cron expression or @ macro with
// robfig/cron's standard parser, in loc.
func parseCronSchedule(expr string, loc *time.Location) (*cronSchedule, error) {
	if strings.Contains(expr, "TZ") {
		return nil, fmt.Errorf("%w %q: TZ and CRON_TZ are not allowed; use spec.timeZone", errBadSchedule, expr)
	}
	s, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", errBadSchedule, expr, err)
	}
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		cd, ok := s.(cron.ConstantDelaySchedule)
		if !ok || cd.Delay <= 0 {
			return nil, fmt.Errorf("%w %q: unsupported schedule type %T", errBadSchedule, expr, s)
		}
		return &cronSchedule{every: s, delay: cd.Delay, loc: loc}, nil
	}
	spec.Location = time.UTC
	return &cronSchedule{spec: spec, loc: loc, everyHour: spec.Hour&allHours == allHours}, nil
}

// Next returns the first instant after t at which the schedule fires, or
// the zero time if there is none within about five years.
func (s *cronSchedule) Next(t time.Time) time.Time {
	if s.every != nil {
		return s.every.Next(t)
	}
	if s.loc == time.UTC {
		// No transitions: wall-clock readings are the instants.
		return s.specNext(t.UTC())
	}
	p := t                             // an instant in the period of constant offset being searched
	fromWall := wallClock(t.In(s.loc)) // find wall-clock slots after this reading
	for range 64 {
		lp := p.In(s.loc)
		_, off := lp.Zone()
		start, end := lp.ZoneBounds()
		w := s.specNext(fromWall)
		if w.IsZero() {
			return w
		}
		i := w.Add(-time.Duration(off) * time.Second)
		if end.IsZero() || i.Before(end) {
			if !s.everyHour && !start.IsZero() {
				_, prevOff := start.Add(-time.Nanosecond).In(s.loc).Zone()
				if back := time.Duration(prevOff-off) * time.Second; back > 0 && i.Sub(start) < back {
					// Second pass of a repeated hour: these wall-clock
					// times already fired.
					fromWall = start.Add(back + time.Duration(off)*time.Second - time.Second).UTC()
					continue
				}
			}
			return i
		}
		// The slot is past this period. Clocks going forward at end skip
		// the readings [end+off, end+nextOff): a match among them fires at
		// end.
		_, nextOff := end.In(s.loc).Zone()
		if nextOff > off {
			gapStart := end.Add(time.Duration(off) * time.Second).UTC()
			gapEnd := end.Add(time.Duration(nextOff) * time.Second).UTC()
			if n := s.specNext(gapStart.Add(-time.Second)); !n.IsZero() && n.Before(gapEnd) {
				return end
			}
		}
		p = end
		fromWall = end.Add(time.Duration(nextOff)*time.Second - time.Second).UTC()
	}
	return time.Time{}
}

// specNext is s.spec.Next(w) for a wall-clock reading w (in UTC). A
// five-field schedule fires at second 0 only, so the first match after w
// is the first one after the last second of w's minute: starting there
// spares robfig's walk through up to 59 seconds, one at a time.
func (s *cronSchedule) specNext(w time.Time) time.Time {
	if s.spec.Second == 1 {
		w = w.Truncate(time.Minute).Add(59 * time.Second)
	}
	return s.spec.Next(w)
}

// everySlots is missedSlots for an @every schedule, whose slots are the
// chain anchor+d, anchor+2d, ... (the first rounded down to the second, as
// robfig's Next does): the chain's slots in (from, now], computed, not
// walked. Kubernetes starts the chain at from (now - startingDeadlineSeconds
// when the deadline cuts the window), so that a deadline under the interval
// never finds a slot; anchoring it at the last slot keeps the slots where
// they were and lets the deadline only drop late ones.
func everySlots(s *cronSchedule, anchor, from, now time.Time, keep int) slotWindow {
	var w slotWindow
	first := s.every.Next(anchor)
	if first.After(now) || !from.Before(now) {
		return w
	}
	last := int64(now.Sub(first) / s.delay) // index of the latest slot <= now
	lo := int64(0)                          // index of the first slot > from
	if !first.After(from) {
		lo = int64(from.Sub(first)/s.delay) + 1
	}
	if lo > last {
		return w
	}
	slot := func(k int64) time.Time { return first.Add(time.Duration(k) * s.delay) }
	w.Count = int(min(last-lo+1, maxMissedCount))
	w.Latest = slot(last)
	for k := max(lo, last-int64(keep)+1); keep > 0 && k <= last; k++ {
		w.Slots = append(w.Slots, slot(k))
	}
	return w
}

// everyNext is the first slot of an @every schedule's chain from anchor
// that is after now.
func everyNext(s *cronSchedule, anchor, now time.Time) time.Time {
	first := s.every.Next(anchor)
	if first.After(now) {
		return first
	}
	return first.Add(time.Duration(int64(now.Sub(first)/s.delay)+1) * s.delay)
}

// wallClock returns the wall-clock reading of t as a UTC time (the same
// year, month, day, hour, minute and second), so that wall-clock times can
// be compared and matched with no zone rules in the way.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), time.UTC)
}

// maxMissedCount is how far missed slots are counted: more than 100 gives
// the TooManyMissedTimes warning, as in Kubernetes.
const maxMissedCount = 101

// slotWindow is what a schedule says about the slots in (from, now]: how
// many there are (counted up to maxMissedCount), and the latest one.
type slotWindow struct {
	// Count is the number of slots in the window, at most maxMissedCount.
	Count int
	// Latest is the latest slot <= now; zero when Count is 0.
	Latest time.Time
	// Slots holds the latest keep slots of the window, oldest first (for
	// the RunAll policy).
	Slots []time.Time
}

// missedSlots returns the slots of s in (from, now]. It counts at most
// maxMissedCount of them and then finds the latest by searching backwards
// from now in doubling steps, so a CronJob suspended for a year on
// "* * * * *" costs about a hundred Next calls, not half a million. With
// keep > 0 it also returns the latest keep slots, oldest first.
func missedSlots(s *cronSchedule, from, now time.Time, keep int) slotWindow {
	var w slotWindow
	if !from.Before(now) {
		return w
	}
	t := from
	for w.Count < maxMissedCount {
		n := s.Next(t)
		if n.IsZero() || n.After(now) {
			break
		}
		w.Count++
		w.Latest = n
		if keep > 0 {
			w.Slots = append(w.Slots, n)
			if len(w.Slots) > keep {
				w.Slots = w.Slots[1:]
			}
		}
		t = n
	}
	if w.Count < maxMissedCount {
		return w
	}
	// Many slots: find the latest ones near now.
	latest, more := latestSlots(s, w.Latest, now, keep)
	w.Latest = latest
	if keep > 0 {
		if len(more) < keep {
			// The search reached the counted slots: more follows them.
			more = append(w.Slots, more...)
		}
		w.Slots = more[max(0, len(more)-keep):]
	}
	return w
}

// latestSlots returns the latest slot of s in (after, now] (after itself
// is a slot <= now; it is the answer when no later slot exists), and the
// latest max(keep, 1) slots after after, oldest first. It searches
// backwards from now in doubling steps; when it gives fewer slots than
// asked, they are all the slots in (after, now].
func latestSlots(s *cronSchedule, after, now time.Time, keep int) (time.Time, []time.Time) {
	want := max(keep, 1)
	for d := time.Minute; ; d *= 2 {
		start := now.Add(-d)
		if !start.After(after) {
			start = after
		}
		var got []time.Time
		for t := start; ; {
			n := s.Next(t)
			if n.IsZero() || n.After(now) {
				break
			}
			got = append(got, n)
			if len(got) > want {
				got = got[1:]
			}
			t = n
		}
		if len(got) >= want || start.Equal(after) {
			if len(got) == 0 {
				return after, nil
			}
			return got[len(got)-1], got
		}
	}
}
