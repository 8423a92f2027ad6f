package controller

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustSchedule(t testing.TB, expr, zone string) *cronSchedule {
	t.Helper()
	s, err := parseCronSchedule(expr, mustLoc(t, zone))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// at parses "2006-01-02 15:04" as a wall-clock time in loc; the offset
// suffix "+01:00" picks one of two instants with the same wall time.
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	if len(s) > len("2006-01-02 15:04") {
		v, err := time.Parse("2006-01-02 15:04-07:00", s)
		if err != nil {
			t.Fatal(err)
		}
		return v.In(loc)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// enumerate lists the instants at which s fires in (from, to].
func enumerate(s *cronSchedule, from, to time.Time) []time.Time {
	var out []time.Time
	for t := s.Next(from); !t.IsZero() && !t.After(to); t = s.Next(t) {
		out = append(out, t.UTC())
	}
	return out
}

func fmtTimes(loc *time.Location, ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.In(loc).Format("01-02 15:04 MST")
	}
	return out
}

// TestCronScheduleDST pins the daylight-saving rules on the 2026 clock
// changes of Europe/Berlin and America/Los_Angeles.
func TestCronScheduleDST(t *testing.T) {
	tests := []struct {
		name, expr, zone string
		from, to         string
		want             []string
	}{{
		name: "berlin spring: 02:30 does not exist, runs at 03:00 CEST",
		expr: "30 2 * * *", zone: "Europe/Berlin", from: "2026-03-28 00:00", to: "2026-03-31 00:00",
		want: []string{"03-28 02:30 CET", "03-29 03:00 CEST", "03-30 02:30 CEST"},
	}, {
		name: "berlin autumn: 02:30 happens twice, runs once",
		expr: "30 2 * * *", zone: "Europe/Berlin", from: "2026-10-24 00:00", to: "2026-10-27 00:00",
		want: []string{"10-24 02:30 CEST", "10-25 02:30 CEST", "10-26 02:30 CET"},
	}, {
		name: "berlin spring: every 20 minutes at 2 am collapses to one run after the gap",
		expr: "*/20 2 * * *", zone: "Europe/Berlin", from: "2026-03-29 00:00", to: "2026-03-29 12:00",
		want: []string{"03-29 03:00 CEST"},
	}, {
		name: "berlin autumn: every 20 minutes at 2 am runs in the first pass only",
		expr: "*/20 2 * * *", zone: "Europe/Berlin", from: "2026-10-25 00:00", to: "2026-10-25 12:00",
		want: []string{"10-25 02:00 CEST", "10-25 02:20 CEST", "10-25 02:40 CEST"},
	}, {
		name: "berlin autumn: hours 2 and 3 run once each",
		expr: "0 2,3 * * *", zone: "Europe/Berlin", from: "2026-10-25 00:00", to: "2026-10-25 12:00",
		want: []string{"10-25 02:00 CEST", "10-25 03:00 CET"},
	}, {
		name: "berlin autumn: an hourly schedule runs every real hour",
		expr: "0 * * * *", zone: "Europe/Berlin", from: "2026-10-25 00:30", to: "2026-10-25 04:00",
		want: []string{"10-25 01:00 CEST", "10-25 02:00 CEST", "10-25 02:00 CET", "10-25 03:00 CET", "10-25 04:00 CET"},
	}, {
		name: "berlin spring: an hourly schedule loses nothing",
		expr: "0 * * * *", zone: "Europe/Berlin", from: "2026-03-29 00:30", to: "2026-03-29 04:00",
		want: []string{"03-29 01:00 CET", "03-29 03:00 CEST", "03-29 04:00 CEST"},
	}, {
		name: "berlin spring: every minute, the gap is one minute of real time",
		expr: "* * * * *", zone: "Europe/Berlin", from: "2026-03-29 01:58", to: "2026-03-29 03:01",
		want: []string{"03-29 01:59 CET", "03-29 03:00 CEST", "03-29 03:01 CEST"},
	}, {
		name: "los angeles spring: 02:30 does not exist, runs at 03:00 PDT",
		expr: "30 2 * * *", zone: "America/Los_Angeles", from: "2026-03-07 00:00", to: "2026-03-10 00:00",
		want: []string{"03-07 02:30 PST", "03-08 03:00 PDT", "03-09 02:30 PDT"},
	}, {
		name: "los angeles autumn: 01:30 happens twice, runs once",
		expr: "30 1 * * *", zone: "America/Los_Angeles", from: "2026-10-31 00:00", to: "2026-11-03 00:00",
		want: []string{"10-31 01:30 PDT", "11-01 01:30 PDT", "11-02 01:30 PST"},
	}, {
		name: "los angeles autumn: 02:30 happens once",
		expr: "30 2 * * *", zone: "America/Los_Angeles", from: "2026-10-31 00:00", to: "2026-11-03 00:00",
		want: []string{"10-31 02:30 PDT", "11-01 02:30 PST", "11-02 02:30 PST"},
	}, {
		name: "los angeles spring: a weekly Sunday 2:15 job still runs",
		expr: "15 2 * * 0", zone: "America/Los_Angeles", from: "2026-03-01 03:00", to: "2026-03-16 00:00",
		want: []string{"03-08 03:00 PDT", "03-15 02:15 PDT"},
	}, {
		name: "utc has no transitions",
		expr: "@daily", zone: "UTC", from: "2026-03-28 00:00", to: "2026-03-31 00:00",
		want: []string{"03-29 00:00 UTC", "03-30 00:00 UTC", "03-31 00:00 UTC"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			s := mustSchedule(t, tc.expr, tc.zone)
			got := fmtTimes(loc, enumerate(s, at(t, loc, tc.from), at(t, loc, tc.to)))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fires (-want +got):\n%s", diff)
			}
		})
	}
}

// oracleFires computes, minute by minute, when a minute-resolution
// schedule must fire in (from, to] under orchestra's rules: a matching
// wall-clock minute fires at its first occurrence (at every occurrence
// for schedules that fire every hour); matching wall-clock minutes that a
// forward transition skips fire once at the transition.
func oracleFires(s *cronSchedule, from, to time.Time) []time.Time {
	matches := func(w time.Time) bool {
		return s.spec.Next(w.Add(-time.Second)).Equal(w)
	}
	offset := func(t time.Time) int {
		_, o := t.In(s.loc).Zone()
		return o
	}
	var out []time.Time
	for m := from.Truncate(time.Minute).Add(time.Minute); !m.After(to); m = m.Add(time.Minute) {
		fired := false
		if ob, oa := offset(m.Add(-time.Minute)), offset(m); oa > ob {
			wEnd := wallClock(m.In(s.loc))
			for w := wEnd.Add(-time.Duration(oa-ob) * time.Second); w.Before(wEnd); w = w.Add(time.Minute) {
				if matches(w) {
					fired = true
				}
			}
		}
		w := wallClock(m.In(s.loc))
		if matches(w) {
			first := true
			if !s.everyHour && offset(m.Add(-3*time.Hour)) > offset(m) {
				for k := 1; k <= 180; k++ {
					if wallClock(m.Add(-time.Duration(k) * time.Minute).In(s.loc)).Equal(w) {
						first = false
					}
				}
			}
			if first {
				fired = true
			}
		}
		if fired {
			out = append(out, m.UTC())
		}
	}
	return out
}

// TestCronScheduleOracle checks Next against the minute-by-minute oracle
// over many schedules and zones, around every 2026 transition of each
// zone (including 30-minute shifts).
func TestCronScheduleOracle(t *testing.T) {
	exprs := []string{
		"* * * * *", "*/7 * * * *", "0 * * * *", "30 * * * *", "15 * * * *", "45 * * * *",
		"30 2 * * *", "0 2 * * *", "*/15 2 * * *", "59 1 * * *", "0 3 * * *", "0 1,2,3 * * *",
		"*/7 0-4 * * *", "@daily", "@hourly", "0 0 * * 0", "15 2 * * 0", "0 */2 * * *", "5 1-3 * * *",
	}
	zones := []string{
		"UTC", "Europe/Berlin", "America/Los_Angeles", "Australia/Lord_Howe", "Pacific/Chatham",
		"Asia/Kolkata", "America/Sao_Paulo", "America/Havana", "Europe/Dublin",
	}
	for _, zone := range zones {
		loc := mustLoc(t, zone)
		// The 2026 transitions of the zone, found by stepping hours.
		var around []time.Time
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		_, prev := start.In(loc).Zone()
		for h := start; h.Year() == 2026; h = h.Add(time.Hour) {
			if _, o := h.In(loc).Zone(); o != prev {
				around = append(around, h)
				prev = o
			}
		}
		if len(around) == 0 {
			around = []time.Time{time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
		}
		for _, expr := range exprs {
			s, err := parseCronSchedule(expr, loc)
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range around {
				from, to := tr.Add(-8*time.Hour), tr.Add(8*time.Hour)
				want := oracleFires(s, from, to)
				got := enumerate(s, from, to)
				if diff := cmp.Diff(fmtTimes(loc, want), fmtTimes(loc, got)); diff != "" {
					t.Errorf("%s in %s around %s (-oracle +Next):\n%s", expr, zone, tr.In(loc), diff)
				}
			}
		}
	}
}

func TestParseCronSchedule(t *testing.T) {
	tests := []struct {
		expr    string
		wantErr bool
	}{
		{"* * * * *", false},
		{"@yearly", false},
		{"@annually", false},
		{"@monthly", false},
		{"@weekly", false},
		{"@daily", false},
		{"@midnight", false},
		{"@hourly", false},
		{"0 9 * * MON-FRI", false},
		{"0 0 ? * *", false},
		{"@every 1h", false},
		{"TZ=UTC * * * * *", true},
		{"CRON_TZ=UTC * * * * *", true},
		{"* * * *", true},
		{"0 0 0 * * *", true},
		{"61 * * * *", true},
		{"", true},
	}
	for _, tc := range tests {
		_, err := parseCronSchedule(tc.expr, time.UTC)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseCronSchedule(%q) error = %v, want error %v", tc.expr, err, tc.wantErr)
		}
		if err != nil && !errors.Is(err, errBadSchedule) {
			t.Errorf("parseCronSchedule(%q) error %v does not wrap errBadSchedule", tc.expr, err)
		}
	}
}

// TestMissedSlots is the table of the pure slot arithmetic: how many slots
// lie in (from, now] (counted to 101), and the latest one, over schedules,
// zones and windows, including windows of a year on an every-minute
// schedule.
func TestMissedSlots(t *testing.T) {
	tests := []struct {
		expr, zone   string
		from, now    string
		keep         int
		wantCount    int
		wantLatest   string // "" for none
		wantSlotsLen int
	}{
		{"* * * * *", "UTC", "2026-01-01 00:00", "2026-01-01 00:00", 0, 0, "", 0},
		{"* * * * *", "UTC", "2026-01-01 00:00", "2026-01-01 00:00", 0, 0, "", 0},
		{"* * * * *", "UTC", "2026-01-01 00:00", "2026-01-01 00:01", 0, 1, "2026-01-01 00:01", 0},
		{"* * * * *", "UTC", "2026-01-01 00:00", "2026-01-01 02:00", 0, 101, "2026-01-01 02:00", 0},
		{"* * * * *", "UTC", "2026-01-01 00:00", "2026-01-01 01:40", 0, 100, "2026-01-01 01:40", 0},
		{"* * * * *", "UTC", "2026-01-01 00:00", "2026-01-01 01:41", 0, 101, "2026-01-01 01:41", 0},
		{"* * * * *", "UTC", "2026-01-01 00:00", "2027-01-01 00:00", 0, 101, "2027-01-01 00:00", 0},
		{"* * * * *", "UTC", "2025-01-01 00:00", "2026-07-01 12:34", 5, 101, "2026-07-01 12:34", 5},
		{"*/5 * * * *", "UTC", "2026-01-01 00:00", "2026-01-01 00:14", 0, 2, "2026-01-01 00:10", 0},
		{"0 9 * * 1-5", "Europe/Berlin", "2026-01-01 00:00", "2026-12-31 23:00", 0, 101, "2026-12-31 09:00", 0},
		{"0 9 * * 1-5", "Europe/Berlin", "2026-01-02 00:00", "2026-01-05 08:00", 0, 1, "2026-01-02 09:00", 0},
		{"* 9 * * 1-5", "America/Los_Angeles", "2025-06-01 00:00", "2026-06-06 12:00", 3, 101, "2026-06-05 09:59", 3},
		{"@yearly", "Asia/Tokyo", "2020-01-01 00:00", "2026-06-01 00:00", 0, 6, "2026-01-01 00:00", 0},
		{"0 0 30 2 *", "UTC", "2020-01-01 00:00", "2026-06-01 00:00", 0, 0, "", 0},
		{"* * * * *", "UTC", "2026-01-01 00:00", "2026-01-01 00:03", 10, 3, "2026-01-01 00:03", 3},
		{"30 2 * * *", "Europe/Berlin", "2026-03-28 12:00", "2026-03-29 12:00", 0, 1, "2026-03-29 03:00", 0},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s %s (%s, %s]", tc.expr, tc.zone, tc.from, tc.now)
		t.Run(name, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			s := mustSchedule(t, tc.expr, tc.zone)
			w := missedSlots(s, at(t, loc, tc.from), at(t, loc, tc.now), tc.keep)
			if w.Count != tc.wantCount {
				t.Errorf("count = %d, want %d", w.Count, tc.wantCount)
			}
			var want time.Time
			if tc.wantLatest != "" {
				want = at(t, loc, tc.wantLatest)
			}
			if !w.Latest.Equal(want) {
				t.Errorf("latest = %v, want %v", w.Latest.In(loc), want)
			}
			if len(w.Slots) != tc.wantSlotsLen {
				t.Fatalf("slots = %v, want %d of them", w.Slots, tc.wantSlotsLen)
			}
			// The kept slots are the latest ones, consecutive, oldest first.
			for i := len(w.Slots) - 1; i >= 0; i-- {
				if i == len(w.Slots)-1 {
					if !w.Slots[i].Equal(w.Latest) {
						t.Errorf("last kept slot %v is not the latest %v", w.Slots[i], w.Latest)
					}
					continue
				}
				if !s.Next(w.Slots[i]).Equal(w.Slots[i+1]) {
					t.Errorf("kept slots %v are not consecutive", w.Slots)
				}
			}
		})
	}
}

// TestMissedSlotsBruteForce compares missedSlots with counting every slot,
// for many windows (to catch off-by-ones at 100 and 101).
func TestMissedSlotsBruteForce(t *testing.T) {
	for _, expr := range []string{"* * * * *", "*/3 * * * *", "0 * * * *", "*/10 9-17 * * 1-5", "30 2 * * *"} {
		for _, zone := range []string{"UTC", "Europe/Berlin"} {
			s := mustSchedule(t, expr, zone)
			from := time.Date(2026, 3, 26, 0, 0, 0, 0, time.UTC)
			for _, span := range []time.Duration{0, time.Minute, 99 * time.Minute, 100 * time.Minute, 101 * time.Minute, 102 * time.Minute, 7 * time.Hour, 50 * time.Hour, 9 * 24 * time.Hour} {
				now := from.Add(span).Add(17 * time.Second)
				all := enumerate(s, from, now)
				w := missedSlots(s, from, now, 4)
				if want := min(len(all), maxMissedCount); w.Count != want {
					t.Errorf("%s %s +%v: count %d, want %d", expr, zone, span, w.Count, want)
				}
				var latest time.Time
				var keep []time.Time
				if len(all) > 0 {
					latest = all[len(all)-1]
					keep = all[max(0, len(all)-4):]
				}
				if !w.Latest.Equal(latest) {
					t.Errorf("%s %s +%v: latest %v, want %v", expr, zone, span, w.Latest, latest)
				}
				if diff := cmp.Diff(fmtTimes(time.UTC, keep), fmtTimes(time.UTC, w.Slots)); diff != "" {
					t.Errorf("%s %s +%v: kept slots (-want +got):\n%s", expr, zone, span, diff)
				}
			}
		}
	}
}

// TestEveryScheduleFiresEveryDuration: "@every 90s", which Kubernetes
// accepts, fires every 90 s of real time whatever the zone.
func TestEveryScheduleFiresEveryDuration(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseCronSchedule("@every 90s", berlin)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC) // across Berlin's spring-forward
	if got := s.Next(t0); !got.Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("Next(%v) = %v, want 90 s later", t0, got)
	}
}

// TestSpecNextMatchesRobfig: the shortcut of specNext (start at the last
// second of the minute) gives robfig's answer for readings at any second
// and nanosecond, on schedules of every shape.
func TestSpecNextMatchesRobfig(t *testing.T) {
	exprs := []string{"* * * * *", "*/7 * * * *", "5 * * * *", "59 23 * * *", "0 0 29 2 *", "30 2 * * 0", "@hourly", "@monthly"}
	base := time.Date(2027, 12, 31, 23, 58, 0, 0, time.UTC)
	offsets := []time.Duration{0, time.Nanosecond, time.Second, 30*time.Second + 5, 59 * time.Second, 59*time.Second + 999999999, time.Minute, 61 * time.Minute}
	for _, expr := range exprs {
		s := mustSchedule(t, expr, "UTC")
		for _, d := range offsets {
			w := base.Add(d)
			if got, want := s.specNext(w), s.spec.Next(w); !got.Equal(want) {
				t.Errorf("%q after %v: specNext %v, robfig %v", expr, w, got, want)
			}
		}
	}
}

// TestEverySlotsBruteForce compares everySlots and everyNext with walking
// robfig's chain from the anchor, over windows that the deadline cuts
// (from after the anchor) or not.
func TestEverySlotsBruteForce(t *testing.T) {
	for _, expr := range []string{"@every 1h", "@every 90s", "@every 1m", "@every 2h30m"} {
		s := mustSchedule(t, expr, "Europe/Berlin")
		anchor := time.Date(2026, 3, 29, 0, 0, 0, 400, time.UTC) // not on a second
		for _, cut := range []time.Duration{0, 30 * time.Second, time.Hour, 5 * time.Hour} {
			for _, span := range []time.Duration{0, time.Minute, 59 * time.Minute, time.Hour, 3*time.Hour + 7*time.Second, 200 * time.Hour} {
				from, now := anchor.Add(cut), anchor.Add(span)
				var all []time.Time
				next := s.every.Next(anchor)
				for ; !next.After(now); next = s.every.Next(next) {
					if next.After(from) {
						all = append(all, next)
					}
				}
				w := everySlots(s, anchor, from, now, 3)
				if want := min(len(all), maxMissedCount); w.Count != want {
					t.Errorf("%s cut %v span %v: count %d, want %d", expr, cut, span, w.Count, want)
				}
				var latest time.Time
				var keep []time.Time
				if len(all) > 0 {
					latest, keep = all[len(all)-1], all[max(0, len(all)-3):]
				}
				if !w.Latest.Equal(latest) {
					t.Errorf("%s cut %v span %v: latest %v, want %v", expr, cut, span, w.Latest, latest)
				}
				if diff := cmp.Diff(fmtTimes(time.UTC, keep), fmtTimes(time.UTC, w.Slots)); diff != "" {
					t.Errorf("%s cut %v span %v: kept slots (-want +got):\n%s", expr, cut, span, diff)
				}
				if got := everyNext(s, anchor, now); !got.Equal(next) {
					t.Errorf("%s span %v: everyNext %v, want %v", expr, span, got, next)
				}
			}
		}
	}
}
