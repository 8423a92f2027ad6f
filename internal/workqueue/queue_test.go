package workqueue_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orchestra-go/orchestra/internal/workqueue"
	"github.com/orchestra-go/orchestra/vtime"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// run executes a scenario script against a fresh queue on a virtual clock and
// returns a transcript of what it observed. One step a line:
//
//	add K | after K DUR | limited K | forget K | done K | shutdown
//	advance DUR          moves the clock forward, firing due timers
//	get                  records "get K" or "get -"
//	len                  records "len N"
//	requeues K           records "requeues K N"
//	timers               records "timers N" (pending clock timers)
//	ready                records "ready" or "not ready" (non-blocking receive)
func run(t *testing.T, script string, opts ...workqueue.Option) []string {
	t.Helper()
	clk := vtime.NewVirtual(t0)
	q := workqueue.New(clk, opts...)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		dur := func(s string) time.Duration {
			d, err := time.ParseDuration(s)
			if err != nil {
				t.Fatalf("bad duration in %q: %v", line, err)
			}
			return d
		}
		switch f[0] {
		case "add":
			q.Add(f[1])
		case "after":
			q.AddAfter(f[1], dur(f[2]))
		case "limited":
			q.AddRateLimited(f[1])
		case "forget":
			q.Forget(f[1])
		case "done":
			q.Done(f[1])
		case "shutdown":
			q.ShutDown()
		case "advance":
			clk.Advance(dur(f[1]))
		case "get":
			k, ok := q.Get()
			if !ok {
				k = "-"
			}
			out = append(out, "get "+k)
		case "len":
			out = append(out, fmt.Sprint("len ", q.Len()))
		case "requeues":
			out = append(out, fmt.Sprint("requeues ", f[1], " ", q.NumRequeues(f[1])))
		case "timers":
			out = append(out, fmt.Sprint("timers ", clk.Pending()))
		case "ready":
			select {
			case <-q.Ready():
				out = append(out, "ready")
			default:
				out = append(out, "not ready")
			}
		default:
			t.Fatalf("unknown step %q", line)
		}
	}
	return out
}

func lines(s string) []string {
	return strings.Split(strings.TrimSpace(s), "\n")
}

func TestQueueScenarios(t *testing.T) {
	tests := []struct {
		name   string
		opts   []workqueue.Option
		script string
		want   string
	}{{
		name: "FIFO and de-duplication of queued keys",
		script: `
			add a
			add b
			add a
			len
			get
			get
			get`,
		want: `
			len 2
			get a
			get b
			get -`,
	}, {
		name: "key added while processing is held back until Done",
		script: `
			add a
			get
			add a
			add a
			len
			get
			done a
			len
			get
			done a
			get`,
		want: `
			get a
			len 0
			get -
			len 1
			get a
			get -`,
	}, {
		name: "Done of a key not being processed does nothing",
		script: `
			done a
			add a
			done a
			get
			get`,
		want: `
			get a
			get -`,
	}, {
		name: "requeue after Done goes to the back",
		script: `
			add a
			add b
			get
			add a
			done a
			add c
			get
			get
			get`,
		want: `
			get a
			get b
			get a
			get c`,
	}, {
		name: "AddAfter waits for its deadline",
		script: `
			after a 5s
			get
			advance 4999ms
			get
			advance 1ms
			get
			timers`,
		want: `
			get -
			get -
			get a
			timers 0`,
	}, {
		name: "AddAfter with d <= 0 adds now",
		script: `
			after a 0s
			after b -1s
			get
			get
			timers`,
		want: `
			get a
			get b
			timers 0`,
	}, {
		name: "an earlier AddAfter replaces a later one",
		script: `
			after a 10s
			after a 5s
			timers
			advance 5s
			get
			done a
			advance 5s
			get`,
		want: `
			timers 1
			get a
			get -`,
	}, {
		name: "a later AddAfter does not postpone an earlier one",
		script: `
			after a 5s
			after a 10s
			advance 5s
			get
			done a
			advance 5s
			get
			timers`,
		want: `
			get a
			get -
			timers 0`,
	}, {
		name: "delayed keys come out in deadline order, ties in call order",
		script: `
			after c 3s
			after a 1s
			after b 1s
			add now
			advance 3s
			get
			get
			get
			get`,
		want: `
			get now
			get a
			get b
			get c`,
	}, {
		name: "a due key that is already queued is not queued twice",
		script: `
			after a 1s
			add a
			advance 1s
			len
			get
			get`,
		want: `
			len 1
			get a
			get -`,
	}, {
		name: "Add keeps a pending AddAfter, so a requested wake-up is not lost",
		script: `
			after a 5s
			add a
			get
			done a
			advance 5s
			get`,
		want: `
			get a
			get a`,
	}, {
		name: "a key falling due while processing is queued at Done",
		script: `
			add a
			get
			after a 1s
			advance 1s
			get
			done a
			get`,
		want: `
			get a
			get -
			get a`,
	}, {
		name: "AddRateLimited backs off exponentially per key",
		script: `
			limited a
			limited b
			requeues a
			advance 5ms
			get
			get
			done a
			done b
			limited a
			advance 9ms
			get
			advance 1ms
			get
			done a
			limited a
			advance 19ms
			get
			advance 1ms
			get
			requeues a`,
		want: `
			requeues a 1
			get a
			get b
			get -
			get a
			get -
			get a
			requeues a 3`,
	}, {
		name: "Forget resets the back-off",
		script: `
			limited a
			limited a
			limited a
			forget a
			requeues a
			advance 4ms
			get
			advance 1ms
			get
			done a
			forget a
			limited a
			advance 5ms
			get`,
		want: `
			requeues a 0
			get -
			get a
			get a`,
	}, {
		name: "configured back-off with cap",
		opts: []workqueue.Option{workqueue.WithBackoff(time.Second, 3*time.Second)},
		script: `
			limited a
			advance 1s
			get
			done a
			limited a
			advance 2s
			get
			done a
			limited a
			advance 2999ms
			get
			advance 1ms
			get
			done a
			limited a
			advance 3s
			get`,
		want: `
			get a
			get a
			get -
			get a
			get a`,
	}, {
		name: "ShutDown stops timers, ignores adds, still hands out queued keys",
		script: `
			add a
			add b
			after c 1s
			limited d
			get
			add a
			shutdown
			timers
			add e
			after f 0s
			after g 1s
			limited h
			timers
			get
			done a
			done b
			advance 1h
			get
			shutdown`,
		want: `
			get a
			timers 0
			timers 0
			get b
			get -`,
	}, {
		name: "Ready is signalled once per batch and again for new keys",
		script: `
			ready
			add a
			add b
			ready
			ready
			get
			get
			get
			add a
			ready
			get
			done a
			ready
			after c 1s
			advance 1s
			ready
			get`,
		want: `
			not ready
			ready
			not ready
			get a
			get b
			get -
			not ready
			get -
			ready
			ready
			get a`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.script, tc.opts...)
			want := lines(tc.want)
			for i := range want {
				want[i] = strings.TrimSpace(want[i])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("transcript (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackoffDelays(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		opts []workqueue.Option
		want []time.Duration // delays of the first AddRateLimited calls
	}{
		{"defaults", nil, []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms}},
		{"configured", []workqueue.Option{workqueue.WithBackoff(time.Second, time.Minute)},
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}},
		{"capped", []workqueue.Option{workqueue.WithBackoff(time.Second, 3*time.Second)},
			[]time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{"zero base keeps the default", []workqueue.Option{workqueue.WithBackoff(0, time.Second)},
			[]time.Duration{5 * ms, 10 * ms, 20 * ms}},
		{"negative base keeps the default", []workqueue.Option{workqueue.WithBackoff(-time.Second, time.Second)},
			[]time.Duration{5 * ms, 10 * ms, 20 * ms}},
		{"max below base is raised to base", []workqueue.Option{workqueue.WithBackoff(time.Second, ms)},
			[]time.Duration{time.Second, time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := delays(t, len(tc.want), tc.opts...)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("back-off delays (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBackoffDefaultCapNoOverflow checks that many failures reach the
// default cap of 1000s and stay there, with no overflow.
func TestBackoffDefaultCapNoOverflow(t *testing.T) {
	got := delays(t, 100)
	for i, d := range got {
		want := min(workqueue.DefaultBaseDelay<<i, workqueue.DefaultMaxDelay)
		if i >= 30 {
			want = workqueue.DefaultMaxDelay
		}
		if d != want {
			t.Errorf("delay after %d failures = %v, want %v", i+1, d, want)
		}
	}
}

// delays returns the first n back-off delays of a queue built with opts,
// read off the deadlines AddRateLimited sets on a virtual clock.
func delays(t *testing.T, n int, opts ...workqueue.Option) []time.Duration {
	t.Helper()
	clk := vtime.NewVirtual(t0)
	q := workqueue.New(clk, opts...)
	var got []time.Duration
	for range n {
		q.AddRateLimited("k")
		next, ok := clk.Next()
		if !ok {
			t.Fatal("AddRateLimited set no timer")
		}
		got = append(got, next.Sub(clk.Now()))
		clk.Step()
		if k, ok := q.Get(); !ok || k != "k" {
			t.Fatalf("Get() = %q, %v after the back-off; want k, true", k, ok)
		}
		q.Done("k")
	}
	return got
}

// randomRun drives a queue on a virtual clock with a seeded random mix of
// calls and returns the order of Get results. Along the way it checks that
// no key is handed out while it is being processed, and at the end that
// every key requested after its last hand-out was handed out again.
func randomRun(t *testing.T, seed uint64) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	clk := vtime.NewVirtual(t0)
	q := workqueue.New(clk, workqueue.WithBackoff(time.Millisecond, 50*time.Millisecond))
	keys := []string{"a", "b", "c", "d", "e", "f"}
	processing := map[string]bool{}
	lastAdd := map[string]int{} // step of the last add of any kind
	lastGet := map[string]int{} // step of the last Get of the key
	var order []string
	get := func(step int) {
		k, ok := q.Get()
		if !ok {
			return
		}
		if processing[k] {
			t.Fatalf("seed %d step %d: %q handed out while being processed", seed, step, k)
		}
		processing[k] = true
		lastGet[k] = step
		order = append(order, fmt.Sprintf("%s@%v", k, clk.Since(t0)))
	}
	for step := 1; step <= 2000; step++ {
		k := keys[rng.IntN(len(keys))]
		switch rng.IntN(8) {
		case 0:
			q.Add(k)
			lastAdd[k] = step
		case 1:
			q.AddAfter(k, time.Duration(rng.IntN(20))*time.Millisecond)
			lastAdd[k] = step
		case 2:
			q.AddRateLimited(k)
			lastAdd[k] = step
		case 3:
			q.Forget(k)
		case 4, 5:
			get(step)
		case 6:
			for _, p := range slices.Sorted(maps.Keys(processing)) {
				if rng.IntN(2) == 0 {
					delete(processing, p)
					q.Done(p)
				}
			}
		case 7:
			clk.Advance(time.Duration(rng.IntN(10)) * time.Millisecond)
		}
	}
	// Finish all work: mark everything done, then drain and fire timers.
	for {
		for _, p := range slices.Sorted(maps.Keys(processing)) {
			delete(processing, p)
			q.Done(p)
		}
		before := len(order)
		for q.Len() > 0 {
			get(3000)
		}
		if len(order) == before && len(processing) == 0 && !clk.Step() {
			break
		}
	}
	for k, a := range lastAdd {
		if lastGet[k] < a {
			t.Errorf("seed %d: %q was added at step %d but last handed out at step %d", seed, k, a, lastGet[k])
		}
	}
	return order
}

func TestQueueRandomDeterministicAndSafe(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		first := randomRun(t, seed)
		second := randomRun(t, seed)
		if diff := cmp.Diff(first, second); diff != "" {
			t.Fatalf("seed %d: two runs differ (-first +second):\n%s", seed, diff)
		}
	}
}

// TestQueueConcurrentRealClock runs producers and several consumers on the
// real clock; run it with -race. Consumers wait on Ready and stop when told.
func TestQueueConcurrentRealClock(t *testing.T) {
	q := workqueue.New(vtime.Real(), workqueue.WithBackoff(time.Microsecond, time.Millisecond))
	defer q.ShutDown()
	const producers, perProducer, consumers = 4, 200, 3

	var mu sync.Mutex
	busy := map[string]bool{}
	handled := map[string]int{}
	allSeen := make(chan struct{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-q.Ready():
				}
				for {
					k, ok := q.Get()
					if !ok {
						break
					}
					mu.Lock()
					if busy[k] {
						t.Errorf("%q handed to two consumers at once", k)
					}
					busy[k] = true
					mu.Unlock()
					runtime.Gosched() // give others a chance to Get k meanwhile
					mu.Lock()
					busy[k] = false
					handled[k]++
					if len(handled) == producers*perProducer/2 {
						select {
						case <-allSeen:
						default:
							close(allSeen)
						}
					}
					mu.Unlock()
					q.Done(k)
				}
			}
		}()
	}
	var pwg sync.WaitGroup
	for p := range producers {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for i := range perProducer {
				// Half the keys are shared between producers.
				k := fmt.Sprintf("k%d", (p*perProducer+i)%(producers*perProducer/2))
				switch i % 3 {
				case 0:
					q.Add(k)
				case 1:
					q.AddAfter(k, time.Duration(i%5)*time.Microsecond)
				case 2:
					q.AddRateLimited(k)
				}
			}
		}()
	}
	pwg.Wait()
	select {
	case <-allSeen:
	case <-time.After(10 * time.Second):
		mu.Lock()
		n := len(handled)
		mu.Unlock()
		t.Errorf("only %d of %d keys handled within 10s", n, producers*perProducer/2)
	}
	close(stop)
	wg.Wait()
}

func TestQueueRealClockAddAfter(t *testing.T) {
	q := workqueue.New(nil) // nil clock: real time
	defer q.ShutDown()
	q.AddAfter("a", time.Millisecond)
	q.AddAfter("never", time.Hour)
	select {
	case <-q.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("AddAfter on the real clock did not make the key ready within 10s")
	}
	if k, ok := q.Get(); !ok || k != "a" {
		t.Errorf("Get() = %q, %v; want a, true", k, ok)
	}
}

// TestFinishIsForgetDoneAddAfter: Finish(k, d) behaves as Forget(k),
// Done(k) and, for d > 0, AddAfter(k, d): two queues driven by the same
// random calls, one with Finish and one with the three, hand out the same
// keys at the same times and hold the same back-offs and timers.
func TestFinishIsForgetDoneAddAfter(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		type side struct {
			clk *vtime.Virtual
			q   *workqueue.Queue
			out []string
		}
		var sides [2]*side
		for i := range sides {
			clk := vtime.NewVirtual(t0)
			sides[i] = &side{clk: clk, q: workqueue.New(clk, workqueue.WithBackoff(time.Millisecond, 50*time.Millisecond))}
		}
		keys := []string{"a", "b", "c"}
		for step := 0; step < 1500; step++ {
			k := keys[rng.IntN(len(keys))]
			op := rng.IntN(7)
			d := time.Duration(rng.IntN(4)) * time.Millisecond // 0: no requeue
			for i, s := range sides {
				switch op {
				case 0:
					s.q.Add(k)
				case 1:
					s.q.AddRateLimited(k)
				case 2, 3:
					got, ok := s.q.Get()
					s.out = append(s.out, fmt.Sprint(got, ok, s.clk.Since(t0)))
				case 4, 5:
					if i == 0 {
						s.q.Finish(k, d)
					} else {
						s.q.Forget(k)
						s.q.Done(k)
						if d > 0 {
							s.q.AddAfter(k, d)
						}
					}
				case 6:
					s.clk.Advance(time.Millisecond)
				}
				s.out = append(s.out, fmt.Sprint(s.q.Len(), s.q.NumRequeues(k), s.clk.Pending()))
			}
		}
		if diff := cmp.Diff(sides[1].out, sides[0].out); diff != "" {
			t.Fatalf("seed %d: Finish differs from Forget, Done, AddAfter (-three +Finish):\n%s", seed, diff)
		}
	}
}

// TestTakeFinishTakenIsGetFinish: Take and FinishTaken (the item handed
// out, no lookup) behave as Get and Finish: two queues driven by the same
// random calls hand out the same keys at the same times and hold the same
// back-offs and timers. A key finished while not taken is finished by
// name on both sides.
func TestTakeFinishTakenIsGetFinish(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 12))
		type side struct {
			clk   *vtime.Virtual
			q     *workqueue.Queue
			out   []string
			taken map[string]workqueue.Taken
		}
		var sides [2]*side
		for i := range sides {
			clk := vtime.NewVirtual(t0)
			sides[i] = &side{clk: clk, q: workqueue.New(clk, workqueue.WithBackoff(time.Millisecond, 50*time.Millisecond)),
				taken: map[string]workqueue.Taken{}}
		}
		keys := []string{"a", "b", "c"}
		for step := 0; step < 1500; step++ {
			k := keys[rng.IntN(len(keys))]
			op := rng.IntN(8)
			d := time.Duration(rng.IntN(4)) * time.Millisecond // 0: no requeue
			for i, s := range sides {
				switch op {
				case 0:
					s.q.Add(k)
				case 1:
					s.q.AddRateLimited(k)
				case 2, 3:
					var got string
					var ok bool
					if i == 0 {
						got, ok = s.q.Get()
					} else {
						var tk workqueue.Taken
						tk, ok = s.q.Take()
						got = tk.Key
						if ok {
							s.taken[got] = tk
						}
					}
					s.out = append(s.out, fmt.Sprint(got, ok, s.clk.Since(t0)))
				case 4, 5:
					tk, ok := s.taken[k]
					delete(s.taken, k)
					if i == 1 && ok {
						s.q.FinishTaken(tk, d)
					} else {
						s.q.Finish(k, d)
					}
				case 6:
					delete(s.taken, k)
					s.q.Done(k)
				case 7:
					s.clk.Advance(time.Millisecond)
				}
				s.out = append(s.out, fmt.Sprint(s.q.Len(), s.q.NumRequeues(k), s.clk.Pending()))
			}
		}
		if diff := cmp.Diff(sides[0].out, sides[1].out); diff != "" {
			t.Fatalf("seed %d: Take and FinishTaken differ from Get and Finish (-Get +Take):\n%s", seed, diff)
		}
	}
}
