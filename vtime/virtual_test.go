package vtime_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orchestra-go/orchestra/vtime"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// recorder records callback names together with the clock's time when each ran.
type recorder struct {
	clk *vtime.Virtual
	got []string
}

func (r *recorder) fn(name string) func() {
	return func() {
		r.got = append(r.got, fmt.Sprintf("%s@%v", name, r.clk.Now().Sub(t0)))
	}
}

func TestVirtualFiresInDeadlineThenCreationOrder(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	r := &recorder{clk: clk}
	clk.AfterFunc(3*time.Second, r.fn("c"))
	clk.AfterFunc(1*time.Second, r.fn("a1"))
	clk.AfterFunc(2*time.Second, r.fn("b"))
	clk.AfterFunc(1*time.Second, r.fn("a2"))
	clk.AfterFunc(1*time.Second, r.fn("a3"))
	clk.AfterFunc(10*time.Second, r.fn("late"))

	if n := clk.AdvanceTo(t0.Add(5 * time.Second)); n != 5 {
		t.Errorf("AdvanceTo fired %d timers, want 5", n)
	}
	want := []string{"a1@1s", "a2@1s", "a3@1s", "b@2s", "c@3s"}
	if diff := cmp.Diff(want, r.got); diff != "" {
		t.Errorf("firing order (-want +got):\n%s", diff)
	}
	if got, want := clk.Now(), t0.Add(5*time.Second); !got.Equal(want) {
		t.Errorf("Now() after AdvanceTo = %v, want %v", got, want)
	}
	if got := clk.Pending(); got != 1 {
		t.Errorf("Pending() = %d, want 1", got)
	}
}

func TestVirtualCallbacksAddTimersDueInSameAdvance(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	r := &recorder{clk: clk}
	clk.AfterFunc(1*time.Second, func() {
		r.fn("first")()
		// Due before "third" although created after it.
		clk.AfterFunc(500*time.Millisecond, r.fn("added+500ms"))
		// Due now: runs in this AdvanceTo, after everything already due at 1s.
		clk.AfterFunc(0, r.fn("added+0"))
		// Due after t: must wait.
		clk.AfterFunc(time.Hour, r.fn("added+1h"))
	})
	clk.AfterFunc(1*time.Second, r.fn("second"))
	clk.AfterFunc(2*time.Second, r.fn("third"))

	if n := clk.AdvanceTo(t0.Add(3 * time.Second)); n != 5 {
		t.Errorf("AdvanceTo fired %d timers, want 5", n)
	}
	want := []string{"first@1s", "second@1s", "added+0@1s", "added+500ms@1.5s", "third@2s"}
	if diff := cmp.Diff(want, r.got); diff != "" {
		t.Errorf("firing order (-want +got):\n%s", diff)
	}
	if got := clk.Pending(); got != 1 {
		t.Errorf("Pending() = %d, want 1 (the +1h timer)", got)
	}
}

func TestVirtualZeroAndNegativeDelayNeverFireInline(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		t.Run(d.String(), func(t *testing.T) {
			clk := vtime.NewVirtual(t0)
			fired := 0
			clk.AfterFunc(d, func() { fired++ })
			if fired != 0 {
				t.Fatalf("AfterFunc(%v) ran its callback inline", d)
			}
			if next, ok := clk.Next(); !ok || !next.Equal(t0) {
				t.Errorf("Next() = %v, %v; want %v, true", next, ok, t0)
			}
			if n := clk.AdvanceTo(t0); n != 1 || fired != 1 {
				t.Errorf("AdvanceTo(now) fired %d (callback ran %d times), want 1", n, fired)
			}
			if !clk.Now().Equal(t0) {
				t.Errorf("Now() = %v, want %v", clk.Now(), t0)
			}
		})
	}
}

func TestVirtualNeverMovesBackwards(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	fired := 0
	clk.AfterFunc(time.Second, func() { fired++ })
	clk.AdvanceTo(t0.Add(10 * time.Second))
	clk.AfterFunc(time.Second, func() { fired++ }) // due at 11s
	if n := clk.AdvanceTo(t0.Add(5 * time.Second)); n != 0 {
		t.Errorf("AdvanceTo(past) fired %d timers, want 0", n)
	}
	if got, want := clk.Now(), t0.Add(10*time.Second); !got.Equal(want) {
		t.Errorf("Now() after AdvanceTo(past) = %v, want %v", got, want)
	}
	if fired != 1 {
		t.Errorf("callbacks ran %d times, want 1", fired)
	}
}

func TestVirtualStop(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	var got []string
	a := clk.AfterFunc(time.Second, func() { got = append(got, "a") })
	b := clk.AfterFunc(2*time.Second, func() { got = append(got, "b") })
	var c vtime.Timer
	clk.AfterFunc(3*time.Second, func() {
		got = append(got, "stopper")
		if !c.Stop() {
			t.Error("Stop from a callback of a timer due at the same time = false, want true")
		}
	})
	c = clk.AfterFunc(3*time.Second, func() { got = append(got, "c") })

	if !b.Stop() {
		t.Error("first Stop of a pending timer = false, want true")
	}
	if b.Stop() {
		t.Error("second Stop = true, want false")
	}
	if got := clk.Pending(); got != 3 {
		t.Errorf("Pending() after Stop = %d, want 3", got)
	}
	clk.AdvanceTo(t0.Add(time.Hour))
	if a.Stop() {
		t.Error("Stop after the timer fired = true, want false")
	}
	if diff := cmp.Diff([]string{"a", "stopper"}, got); diff != "" {
		t.Errorf("callbacks run (-want +got):\n%s", diff)
	}
	if got := clk.Pending(); got != 0 {
		t.Errorf("Pending() = %d, want 0", got)
	}
}

func TestVirtualStep(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	r := &recorder{clk: clk}
	if clk.Step() {
		t.Error("Step() with no timers = true, want false")
	}
	if _, ok := clk.Next(); ok {
		t.Error("Next() with no timers reported a deadline")
	}
	clk.AfterFunc(2*time.Second, func() {
		r.fn("x")()
		clk.AfterFunc(0, r.fn("x-followup"))
	})
	clk.AfterFunc(2*time.Second, r.fn("y"))
	clk.AfterFunc(3*time.Second, r.fn("z"))

	if !clk.Step() {
		t.Fatal("Step() = false, want true")
	}
	want := []string{"x@2s", "y@2s", "x-followup@2s"}
	if diff := cmp.Diff(want, r.got); diff != "" {
		t.Errorf("after first Step (-want +got):\n%s", diff)
	}
	if got, want := clk.Now(), t0.Add(2*time.Second); !got.Equal(want) {
		t.Errorf("Now() after Step = %v, want %v", got, want)
	}
	if !clk.Step() || len(r.got) != 4 {
		t.Errorf("second Step ran %v, want z as well", r.got)
	}
	if clk.Step() {
		t.Error("Step() after all fired = true, want false")
	}
	if got, want := clk.Now(), t0.Add(3*time.Second); !got.Equal(want) {
		t.Errorf("Step() without timers moved the clock to %v, want %v", got, want)
	}
}

func TestVirtualAdvanceAndSince(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	fired := 0
	clk.AfterFunc(90*time.Second, func() { fired++ })
	if n := clk.Advance(time.Minute); n != 0 {
		t.Errorf("Advance(1m) fired %d, want 0", n)
	}
	if n := clk.Advance(time.Minute); n != 1 || fired != 1 {
		t.Errorf("Advance(1m) fired %d, want 1", n)
	}
	if got := clk.Since(t0); got != 2*time.Minute {
		t.Errorf("Since(start) = %v, want 2m", got)
	}
}

// TestVirtualRandomMatchesModel checks, for seeded random schedules with
// random stops and timers added from callbacks, that the firing order is
// the order of a stable sort by deadline, that each callback sees its own
// deadline as Now, and that Pending stays exact.
func TestVirtualRandomMatchesModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			clk := vtime.NewVirtual(t0)
			type entry struct {
				id       int
				deadline time.Time
				stopped  bool
			}
			var model []*entry
			var fired []int
			var timers []vtime.Timer
			var add func(d time.Duration)
			add = func(d time.Duration) {
				e := &entry{id: len(model), deadline: clk.Now().Add(d)}
				model = append(model, e)
				timers = append(timers, clk.AfterFunc(d, func() {
					if !clk.Now().Equal(e.deadline) {
						t.Errorf("timer %d ran at %v, want its deadline %v", e.id, clk.Now(), e.deadline)
					}
					fired = append(fired, e.id)
					if rng.IntN(4) == 0 {
						add(time.Duration(rng.IntN(5)) * time.Second)
					}
				}))
			}
			for range 200 {
				add(time.Duration(rng.IntN(50)) * time.Second)
			}
			for range 50 {
				i := rng.IntN(len(timers))
				if got, want := timers[i].Stop(), !model[i].stopped; got != want {
					t.Fatalf("Stop of timer %d = %v, want %v", i, got, want)
				}
				model[i].stopped = true
			}
			live := 0
			for _, e := range model {
				if !e.stopped {
					live++
				}
			}
			if got := clk.Pending(); got != live {
				t.Fatalf("Pending() = %d, want %d", got, live)
			}
			for clk.Step() {
			}
			var want []int
			sorted := slices.Clone(model)
			sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].deadline.Before(sorted[j].deadline) })
			for _, e := range sorted {
				if !e.stopped {
					want = append(want, e.id)
				}
			}
			if diff := cmp.Diff(want, fired); diff != "" {
				t.Errorf("firing order differs from the model (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVirtualConcurrentUse adds and stops timers from several goroutines
// while another advances the clock; run it with -race.
func TestVirtualConcurrentUse(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	const workers, perWorker = 4, 500
	var mu sync.Mutex
	fired, stopped := 0, 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				tm := clk.AfterFunc(time.Duration(w*perWorker+i)*time.Millisecond, func() {
					mu.Lock()
					fired++
					mu.Unlock()
				})
				if i%3 == 0 && tm.Stop() {
					mu.Lock()
					stopped++
					mu.Unlock()
				}
				_ = clk.Now()
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			clk.Advance(10 * time.Millisecond)
			clk.Pending()
			clk.Next()
		}
	}()
	wg.Wait()
	<-done
	clk.AdvanceTo(t0.Add(time.Hour))
	mu.Lock()
	defer mu.Unlock()
	if fired+stopped != workers*perWorker {
		t.Errorf("fired %d + stopped %d = %d, want %d", fired, stopped, fired+stopped, workers*perWorker)
	}
	if got := clk.Pending(); got != 0 {
		t.Errorf("Pending() = %d, want 0", got)
	}
}

// BenchmarkVirtualAfterFuncStep measures one AfterFunc plus firing it, with
// a small heap.
func BenchmarkVirtualAfterFuncStep(b *testing.B) {
	clk := vtime.NewVirtual(t0)
	f := func() {}
	b.ReportAllocs()
	for b.Loop() {
		clk.AfterFunc(time.Second, f)
		clk.Step()
	}
}

// BenchmarkVirtualMillionTimers schedules 1,000,000 timers at spread-out
// deadlines and then fires them all with one AdvanceTo: the cost of a
// million AfterFunc+fire cycles with a large heap.
func BenchmarkVirtualMillionTimers(b *testing.B) {
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(1, 2))
	delays := make([]time.Duration, n)
	for i := range delays {
		delays[i] = time.Duration(rng.IntN(365*24*60)) * time.Minute
	}
	f := func() {}
	b.ReportAllocs()
	for b.Loop() {
		clk := vtime.NewVirtual(t0)
		for _, d := range delays {
			clk.AfterFunc(d, f)
		}
		if got := clk.AdvanceTo(t0.Add(366 * 24 * time.Hour)); got != n {
			b.Fatalf("fired %d, want %d", got, n)
		}
	}
}

// BenchmarkVirtualStop measures AfterFunc followed by Stop amid 10,000
// other pending timers.
func BenchmarkVirtualStop(b *testing.B) {
	clk := vtime.NewVirtual(t0)
	f := func() {}
	for i := range 10_000 {
		clk.AfterFunc(time.Duration(i)*time.Second, f)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		clk.AfterFunc(time.Duration(i%10_000)*time.Second, f).Stop()
		i++
	}
}

func TestVirtualNilCallback(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	tm := clk.AfterFunc(time.Second, nil)
	stopped := clk.AfterFunc(time.Second, nil)
	if !stopped.Stop() {
		t.Error("Stop of a pending nil-callback timer = false, want true")
	}
	if got := clk.Pending(); got != 1 {
		t.Errorf("Pending() = %d, want 1", got)
	}
	if n := clk.Advance(time.Second); n != 1 {
		t.Errorf("Advance fired %d timers, want 1", n)
	}
	if tm.Stop() {
		t.Error("Stop after firing = true, want false")
	}
}

// TestVirtualManyStops stops most timers, which makes the clock drop stopped
// entries in bulk, and checks that the rest still fire exactly, in order.
func TestVirtualManyStops(t *testing.T) {
	clk := vtime.NewVirtual(t0)
	var fired []int
	timers := make([]vtime.Timer, 1000)
	for i := range timers {
		// Deadlines in reverse creation order, with ties in pairs.
		timers[i] = clk.AfterFunc(time.Duration(1000-i/2)*time.Second, func() { fired = append(fired, i) })
	}
	var want []int
	for i := range timers {
		if i%10 != 0 {
			if !timers[i].Stop() {
				t.Fatalf("Stop of pending timer %d = false", i)
			}
		}
	}
	for i := range timers {
		if i%10 != 0 && timers[i].Stop() {
			t.Fatalf("second Stop of timer %d = true", i)
		}
	}
	for i := len(timers) - 1; i >= 0; i-- {
		if i%10 == 0 {
			want = append(want, i)
		}
	}
	if got := clk.Pending(); got != len(want) {
		t.Errorf("Pending() = %d, want %d", got, len(want))
	}
	if n := clk.AdvanceTo(t0.Add(time.Hour)); n != len(want) {
		t.Errorf("AdvanceTo fired %d, want %d", n, len(want))
	}
	if diff := cmp.Diff(want, fired); diff != "" {
		t.Errorf("firing order (-want +got):\n%s", diff)
	}
}

// TestVirtualAgain: Again reuses a timer that fired (the same timer, at
// its new deadline, in the order of a timer made then, and stoppable),
// even from its own callback, and makes a new one for a timer that is
// pending or was stopped, which then never fires.
func TestVirtualAgain(t *testing.T) {
	v := vtime.NewVirtual(t0)
	var got []string
	rec := func(s string) func() { return func() { got = append(got, s+"@"+v.Now().Sub(t0).String()) } }
	var a vtime.Timer
	n := 0
	var self func()
	self = func() {
		n++
		got = append(got, "a@"+v.Now().Sub(t0).String())
		if n < 3 {
			if b := v.Again(a, time.Second, self); b != a {
				t.Errorf("Again of the firing timer made a new one")
			}
		}
	}
	a = v.AfterFunc(time.Second, self)
	v.AfterFunc(2*time.Second, rec("b")) // created before a's re-arm at 1s: fires first at 2s
	v.AdvanceTo(t0.Add(5 * time.Second))
	if want := []string{"a@1s", "b@2s", "a@2s", "a@3s"}; !slices.Equal(got, want) {
		t.Fatalf("fired %q, want %q", got, want)
	}
	// A fired timer reused from outside its callback, then stopped.
	if b := v.Again(a, time.Second, rec("c")); b != a || !b.Stop() {
		t.Fatalf("reused timer: same %v, want the same one, pending", b == a)
	}
	// A pending timer is not reused; nor a stopped one.
	p := v.AfterFunc(time.Second, rec("p"))
	if q := v.Again(p, time.Second, rec("q")); q == p {
		t.Fatal("Again reused a pending timer")
	}
	p.Stop()
	if r := v.Again(p, 2*time.Second, rec("r")); r == p {
		t.Fatal("Again reused a stopped timer")
	}
	if v.Again(nil, 3*time.Second, rec("s")) == nil {
		t.Fatal("Again(nil) made no timer")
	}
	got = nil
	v.AdvanceTo(t0.Add(10 * time.Second))
	if want := []string{"q@6s", "r@7s", "s@8s"}; !slices.Equal(got, want) {
		t.Fatalf("fired %q, want %q", got, want)
	}
}

// TestVirtualStopFromOwnCallback: a timer stopped from its own callback has
// fired: Stop reports false, and a timer Again re-arms is pending again.
func TestVirtualStopFromOwnCallback(t *testing.T) {
	v := vtime.NewVirtual(t0)
	var a vtime.Timer
	runs := 0
	a = v.AfterFunc(time.Second, func() {
		runs++
		if a.Stop() {
			t.Error("Stop from the timer's own callback = true, want false")
		}
		if runs == 1 {
			a = v.Again(a, time.Second, func() { runs++ })
			if !a.Stop() {
				t.Error("Stop of the timer Again re-armed = false, want true")
			}
		}
	})
	v.AdvanceTo(t0.Add(time.Hour))
	if runs != 1 {
		t.Errorf("callbacks ran %d times, want 1", runs)
	}
}
