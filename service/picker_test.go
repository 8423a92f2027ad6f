package service

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ready returns ready endpoints named after names, with distinct addresses.
func ready(names ...string) []Endpoint {
	eps := make([]Endpoint, len(names))
	for i, n := range names {
		eps[i] = Endpoint{Address: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), Port: 80, PodName: n, Namespace: "default", NodeName: "node-a", Ready: true, Serving: true}
	}
	return eps
}

func names(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("p%d", i)
	}
	return s
}

func mustUpdate(t testing.TB, p Picker, eps []Endpoint) {
	t.Helper()
	if err := p.Update(eps); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func mustPick(t testing.TB, p Picker) string {
	t.Helper()
	e, err := p.Pick()
	if err != nil {
		t.Fatalf("Pick: %v", err)
	}
	return e.PodName
}

func pickN(t testing.TB, p Picker, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = mustPick(t, p)
	}
	return out
}

// waitGoroutines fails the test if the number of goroutines does not come
// back to at most want within 10 s (goroutines that called wg.Done may not
// have exited yet).
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			t.Fatalf("goroutine leak: %d running, want at most %d", runtime.NumGoroutine(), want)
		}
		runtime.Gosched()
	}
}

// policies builds one picker of each policy.
var policies = []struct {
	name string
	make func(seed uint64, opts ...Option) Picker
}{
	{"RoundRobin", func(s uint64, o ...Option) Picker { return NewRoundRobin(s, o...) }},
	{"Random", func(s uint64, o ...Option) Picker { return NewRandom(s, o...) }},
	{"Weighted", func(s uint64, o ...Option) Picker { return NewWeighted(s, o...) }},
	{"LeastRequest", func(s uint64, o ...Option) Picker { return NewLeastRequest(s, o...) }},
	{"Affinity", func(s uint64, o ...Option) Picker {
		a, err := NewAffinity(NewRoundRobin(s, o...), AffinityConfig{Clock: &fakeClock{}})
		if err != nil {
			panic(err)
		}
		return a
	}},
}

func TestRoundRobinExactCycles(t *testing.T) {
	for _, goroutines := range []int{1, 8} {
		for _, n := range []int{1, 3, 7, 16} {
			t.Run(fmt.Sprintf("%dgoroutines/%dendpoints", goroutines, n), func(t *testing.T) {
				const cycles = 500
				p := NewRoundRobin(42)
				mustUpdate(t, p, ready(names(n)...))
				counts := make([]atomic.Int64, n)
				var wg sync.WaitGroup
				per := n * cycles / goroutines
				for g := range goroutines {
					k := per
					if g == 0 {
						k += n*cycles - per*goroutines
					}
					wg.Go(func() {
						for range k {
							e, err := p.Pick()
							if err != nil {
								t.Error(err)
								return
							}
							var i int
							fmt.Sscanf(e.PodName, "p%d", &i)
							counts[i].Add(1)
						}
					})
				}
				wg.Wait()
				for i := range counts {
					if got := counts[i].Load(); got != cycles {
						t.Errorf("endpoint p%d picked %d times in %d cycles, want exactly %d", i, got, cycles, cycles)
					}
				}
			})
		}
	}
}

func TestRoundRobinEachCycleVisitsAll(t *testing.T) {
	p := NewRoundRobin(7)
	const n = 5
	mustUpdate(t, p, ready(names(n)...))
	seq := pickN(t, p, 20*n)
	for i := 0; i+n <= len(seq); i++ {
		seen := map[string]bool{}
		for _, s := range seq[i : i+n] {
			seen[s] = true
		}
		if len(seen) != n {
			t.Fatalf("picks %d..%d = %v: not every endpoint once", i, i+n-1, seq[i:i+n])
		}
	}
}

func TestRoundRobinStartsAtRandomOffset(t *testing.T) {
	const pickers = 300
	first := map[string]int{}
	for seed := range uint64(pickers) {
		p := NewRoundRobin(seed)
		mustUpdate(t, p, ready("a", "b", "c"))
		first[mustPick(t, p)]++
	}
	// Expected 100 each; the standard deviation is about 8.2.
	for _, n := range []string{"a", "b", "c"} {
		if first[n] < 60 || first[n] > 140 {
			t.Errorf("first picks %v: %q not roughly a third", first, n)
		}
	}
}

func TestSameSeedSamePicks(t *testing.T) {
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			a, b := pol.make(99), pol.make(99)
			eps := ready(names(9)...)
			mustUpdate(t, a, eps)
			mustUpdate(t, b, eps)
			if diff := cmp.Diff(pickN(t, a, 50), pickN(t, b, 50)); diff != "" {
				t.Errorf("same seed, different picks (-a +b):\n%s", diff)
			}
		})
	}
}

func TestRoundRobinUpdateDoesNotRestartRotation(t *testing.T) {
	p := NewRoundRobin(3)
	eps := ready("a", "b", "c", "d")
	mustUpdate(t, p, eps)
	for range 10 {
		last := mustPick(t, p)
		mustUpdate(t, p, eps) // same set again
		next := mustPick(t, p)
		want := map[string]string{"a": "b", "b": "c", "c": "d", "d": "a"}[last]
		if next != want {
			t.Fatalf("after %s and an Update with the same set, picked %s, want %s", last, next, want)
		}
	}
	// Removing the endpoint that was due next continues with the one after.
	for mustPick(t, p) != "a" {
	}
	mustUpdate(t, p, ready("a", "c", "d")) // b removed
	if got := mustPick(t, p); got != "c" {
		t.Errorf("after a with b removed, picked %s, want c", got)
	}
}

// TestRoundRobinFlapping removes and re-adds one endpoint (c) again and
// again. The others must keep exactly equal shares whatever the rhythm.
// When the flaps are not in lockstep with the picks, c gets about its share
// of the time it is present: a little more, as the rotation often reaches
// its place soon after it is back, which the 12% margin allows.
func TestRoundRobinFlapping(t *testing.T) {
	all := ready("a", "b", "c")
	without := []Endpoint{all[0], all[1]}
	run := func(t *testing.T, picksBetween func(flap int) int) {
		p := NewRoundRobin(11)
		counts := map[string]int{}
		present := 0
		for f := range 2000 {
			set := all
			if f%2 == 1 {
				set = without
			}
			k := picksBetween(f)
			if f%2 == 0 {
				present += k
			}
			mustUpdate(t, p, set)
			for _, n := range pickN(t, p, k) {
				counts[n]++
			}
		}
		if d := counts["a"] - counts["b"]; d < -1 || d > 1 {
			t.Errorf("counts %v: a and b differ by %d", counts, d)
		}
		if counts["c"] == 0 {
			t.Errorf("counts %v: c starved", counts)
		}
		t.Logf("counts %v, c present for %d picks", counts, present)
	}
	for _, k := range []int{1, 2, 3, 5, 7, 10} {
		t.Run(fmt.Sprintf("every%d", k), func(t *testing.T) {
			run(t, func(int) int { return k })
		})
	}
	t.Run("irregular", func(t *testing.T) {
		p := NewRoundRobin(11)
		rng := newRand(5)
		counts := map[string]int{}
		present := 0
		for f := range 4000 {
			set := all
			if f%2 == 1 {
				set = without
			}
			k := 1 + rng.IntN(12)
			if f%2 == 0 {
				present += k
			}
			mustUpdate(t, p, set)
			for _, n := range pickN(t, p, k) {
				counts[n]++
			}
		}
		if d := counts["a"] - counts["b"]; d < -1 || d > 1 {
			t.Errorf("counts %v: a and b differ by %d", counts, d)
		}
		want := float64(present) / 3
		if math.Abs(float64(counts["c"])-want) > 0.12*want {
			t.Errorf("counts %v: c got %d, want %.0f ± 12%% (a third of the %d picks while present)", counts, counts["c"], want, present)
		}
	})
}

func TestNoPickOfRemovedEndpointAfterUpdate(t *testing.T) {
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			const n, updates, pickers = 8, 2000, 8
			// Generation g is the set of endpoints g..g+n-1: each Update
			// removes the oldest endpoint for good and adds a new one.
			gen := func(g int) []Endpoint {
				eps := make([]Endpoint, n)
				for i := range eps {
					id := g + i
					eps[i] = Endpoint{Address: fmt.Sprintf("10.%d.%d.%d", id>>16&255, id>>8&255, id&255), Port: 80, PodName: fmt.Sprint(id), Ready: true}
				}
				return eps
			}
			p := pol.make(5)
			mustUpdate(t, p, gen(0))
			var published atomic.Int64 // the newest generation whose Update has returned
			var done atomic.Bool
			var wg sync.WaitGroup
			for range pickers {
				wg.Go(func() {
					for !done.Load() {
						g := published.Load()
						e, err := p.Pick()
						if err != nil {
							t.Error(err)
							return
						}
						var id int64
						fmt.Sscan(e.PodName, &id)
						if id < g {
							t.Errorf("picked endpoint %d, removed by the Update of generation %d that had returned", id, g)
							return
						}
						if r, ok := p.(*LeastRequest); ok {
							req, err := r.Start()
							if err == nil {
								req.Done()
							}
						}
					}
				})
			}
			for g := 1; g <= updates; g++ {
				mustUpdate(t, p, gen(g))
				published.Store(int64(g))
			}
			done.Store(true)
			wg.Wait()
			waitGoroutines(t, before)
		})
	}
}

func TestWraparoundStaysExact(t *testing.T) {
	starts := []uint64{rebaseAt - 10, math.MaxUint64 - 10, math.MaxUint64 - 1, math.MaxUint64}
	for _, n := range []int{3, 7, 10} { // none divides 2^64
		for _, start := range starts {
			for _, goroutines := range []int{1, 8} {
				if start > rebaseAt && goroutines > 1 {
					// In use the counter never passes rebaseAt by more than
					// the number of picks in flight, so it cannot come
					// near 2^64; a start stored there is only checked
					// alone, where no other pick can wrap it before the
					// rebase.
					continue
				}
				t.Run(fmt.Sprintf("n%d/start%#x/%dgoroutines", n, start, goroutines), func(t *testing.T) {
					p := NewRoundRobin(1)
					mustUpdate(t, p, ready(names(n)...))
					p.next.Store(start)
					// Re-publish so the offset is computed from the new
					// counter: the rotation continues where it was.
					mustUpdate(t, p, ready(names(n)...))
					const cycles = 200
					counts := make([]atomic.Int64, n)
					var wg sync.WaitGroup
					for g := range goroutines {
						k := n * cycles / goroutines
						if g == 0 {
							k += n*cycles - k*goroutines
						}
						wg.Go(func() {
							for range k {
								e, err := p.Pick()
								if err != nil {
									t.Error(err)
									return
								}
								var i int
								fmt.Sscanf(e.PodName, "p%d", &i)
								counts[i].Add(1)
							}
						})
					}
					wg.Wait()
					for i := range counts {
						if got := counts[i].Load(); got != cycles {
							t.Errorf("endpoint p%d picked %d times in %d cycles across the wrap, want %d", i, got, cycles, cycles)
						}
					}
					if c := p.next.Load(); c >= rebaseAt {
						t.Errorf("counter %#x was not rebased below %#x", c, uint64(rebaseAt))
					}
				})
			}
		}
	}
}

func TestWraparoundEachCycleVisitsAll(t *testing.T) {
	const n = 3
	p := NewRoundRobin(1)
	mustUpdate(t, p, ready(names(n)...))
	p.next.Store(math.MaxUint64 - 5)
	mustUpdate(t, p, ready(names(n)...))
	seq := pickN(t, p, 30)
	for i := 0; i+n <= len(seq); i++ {
		if seq[i] == seq[i+1] || seq[i] == seq[i+2] {
			t.Fatalf("picks across the wrap %v: an endpoint repeats within a cycle at %d", seq, i)
		}
	}
}

func TestEmptySet(t *testing.T) {
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			p := pol.make(1)
			if _, err := p.Pick(); !errors.Is(err, ErrNoEndpoints) {
				t.Errorf("new picker: Pick error %v, want ErrNoEndpoints", err)
			}
			mustUpdate(t, p, ready("a"))
			mustPick(t, p)
			notReady := ready("a", "b")
			for i := range notReady {
				notReady[i].Ready, notReady[i].Serving = false, false
			}
			mustUpdate(t, p, notReady)
			if _, err := p.Pick(); !errors.Is(err, ErrNoEndpoints) {
				t.Errorf("no ready endpoint: Pick error %v, want ErrNoEndpoints", err)
			}
			mustUpdate(t, p, nil)
			if _, err := p.Pick(); !errors.Is(err, ErrNoEndpoints) {
				t.Errorf("nil set: Pick error %v, want ErrNoEndpoints", err)
			}
		})
	}
}

func TestZeroValuePickers(t *testing.T) {
	for _, p := range []Picker{&RoundRobin{}, &Random{}, &Weighted{}, &LeastRequest{}} {
		if _, err := p.Pick(); !errors.Is(err, ErrNoEndpoints) {
			t.Errorf("%T zero value: Pick error %v, want ErrNoEndpoints", p, err)
		}
		mustUpdate(t, p, ready("a", "b"))
		mustPick(t, p)
	}
}

func TestUsable(t *testing.T) {
	ep := func(name, node string, ready, serving, terminating bool) Endpoint {
		return Endpoint{Address: "10.1.1." + name[len(name)-1:], Port: 80, PodName: name, NodeName: node, Ready: ready, Serving: serving, Terminating: terminating}
	}
	tests := []struct {
		name string
		in   []Endpoint
		opts []Option
		want []string
	}{
		{"ready only", []Endpoint{ep("r1", "n1", true, true, false), ep("u2", "n1", false, false, false), ep("t3", "n1", false, true, true), ep("r4", "n2", true, true, false)}, nil, []string{"r1", "r4"}},
		{"no ready: serving and terminating", []Endpoint{ep("u1", "n1", false, false, false), ep("t2", "n1", false, true, true), ep("x3", "n1", false, false, true), ep("s4", "n1", false, true, false), ep("t5", "n2", false, true, true)}, nil, []string{"t2", "t5"}},
		{"no ready, none serving+terminating", []Endpoint{ep("s1", "n1", false, true, false), ep("x2", "n1", false, false, true)}, nil, nil},
		{"empty", nil, nil, nil},
		{"local: ready on the node", []Endpoint{ep("r1", "n1", true, true, false), ep("r2", "n2", true, true, false), ep("r3", "n1", true, true, false)}, []Option{Local("n1")}, []string{"r1", "r3"}},
		{"local: falls back on the node only", []Endpoint{ep("t1", "n1", false, true, true), ep("r2", "n2", true, true, false), ep("t3", "n2", false, true, true)}, []Option{Local("n1")}, []string{"t1"}},
		{"local: nothing on the node, never another node", []Endpoint{ep("r1", "n2", true, true, false), ep("t2", "n2", false, true, true)}, []Option{Local("n1")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := buildOptions(tt.opts)
			out, _, err := usable(tt.in, &o, [2]*key{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range out {
				got = append(got, e.PodName)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("usable (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFallbackToServingTerminating(t *testing.T) {
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			p := pol.make(1)
			eps := ready("a", "b", "c")
			eps[0].Ready, eps[0].Terminating = false, true                        // serving, terminating
			eps[1].Ready, eps[1].Serving = false, false                           // gone
			eps[2].Ready, eps[2].Serving, eps[2].Terminating = false, false, true // terminating, not serving
			mustUpdate(t, p, eps)
			for _, got := range pickN(t, p, 10) {
				if got != "a" {
					t.Fatalf("picked %s, want only a (serving and terminating)", got)
				}
			}
			eps[1].Ready, eps[1].Serving = true, true
			mustUpdate(t, p, eps)
			for _, got := range pickN(t, p, 10) {
				if got != "b" {
					t.Fatalf("picked %s, want only b once it is ready", got)
				}
			}
		})
	}
}

func TestLocalNeverFallsBack(t *testing.T) {
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			p := pol.make(1, Local("node-b"))
			eps := ready("a", "b", "c") // all on node-a
			mustUpdate(t, p, eps)
			if e, err := p.Pick(); !errors.Is(err, ErrNoEndpoints) {
				t.Fatalf("Local(node-b) with endpoints only on node-a: Pick = %v, %v; want ErrNoEndpoints", e, err)
			}
			eps[1].NodeName = "node-b"
			mustUpdate(t, p, eps)
			for _, got := range pickN(t, p, 10) {
				if got != "b" {
					t.Fatalf("picked %s, want only b (on node-b)", got)
				}
			}
			eps[1].Ready = false // not ready, not terminating: no local endpoint
			mustUpdate(t, p, eps)
			if _, err := p.Pick(); !errors.Is(err, ErrNoEndpoints) {
				t.Fatalf("local endpoint not ready: Pick error %v, want ErrNoEndpoints", err)
			}
		})
	}
}

func TestLocalEmptyNodeName(t *testing.T) {
	p := NewRoundRobin(1, Local(""))
	err := p.Update(ready("a"))
	if err == nil || !strings.Contains(err.Error(), "Local") {
		t.Fatalf("Update with Local(\"\"): error %v, want one naming the option", err)
	}
}

func TestUpdateRejectsBadEndpoints(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Endpoint)
		want   string
	}{
		{"empty address", func(e *Endpoint) { e.Address = "" }, `endpoints[1] (pod "default/b"): address is empty`},
		{"port 0", func(e *Endpoint) { e.Port = 0 }, `endpoints[1] (pod "default/b"): port 0 is not in 1-65535`},
		{"port too big", func(e *Endpoint) { e.Port = 70000 }, `port 70000 is not in 1-65535`},
		{"negative weight", func(e *Endpoint) { e.Weight = -1 }, `weight -1 is not in 0-1000000`},
		{"weight too big", func(e *Endpoint) { e.Weight = MaxWeight + 1 }, `weight 1000001`},
	}
	for _, pol := range policies {
		for _, tt := range tests {
			t.Run(pol.name+"/"+tt.name, func(t *testing.T) {
				p := pol.make(1)
				mustUpdate(t, p, ready("x"))
				eps := ready("a", "b", "c")
				tt.mutate(&eps[1])
				err := p.Update(eps)
				if !errors.Is(err, ErrInvalidEndpoint) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Update error %v, want ErrInvalidEndpoint mentioning %q", err, tt.want)
				}
				if got := mustPick(t, p); got != "x" {
					t.Errorf("after a rejected Update, picked %s, want the previous set (x)", got)
				}
			})
		}
	}
}

func TestUpdateCopiesInput(t *testing.T) {
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			p := pol.make(1)
			eps := ready("a")
			mustUpdate(t, p, eps)
			eps[0].PodName = "changed"
			if got := mustPick(t, p); got != "a" {
				t.Errorf("caller changed its slice after Update; Pick returned %s, want a", got)
			}
		})
	}
}

func TestRandomChiSquare(t *testing.T) {
	const n, picks = 10, 100_000
	p := NewRandom(2024)
	mustUpdate(t, p, ready(names(n)...))
	counts := map[string]int{}
	for _, s := range pickN(t, p, picks) {
		counts[s]++
	}
	exp := float64(picks) / n
	chi2 := 0.0
	for _, s := range names(n) {
		d := float64(counts[s]) - exp
		chi2 += d * d / exp
	}
	// 9 degrees of freedom: P(chi2 > 27.88) = 0.001.
	if chi2 > 27.88 {
		t.Errorf("chi-square %.2f over counts %v exceeds 27.88 (p = 0.001)", chi2, counts)
	}
	// Not round robin in disguise: consecutive picks repeat sometimes.
	seq := pickN(t, p, 1000)
	repeats := 0
	for i := 1; i < len(seq); i++ {
		if seq[i] == seq[i-1] {
			repeats++
		}
	}
	if repeats < 50 || repeats > 150 {
		t.Errorf("%d immediate repeats in 1000 random picks over 10 endpoints, want about 100", repeats)
	}
}

func TestRandomDifferentSeedsDiffer(t *testing.T) {
	a, b := NewRandom(1), NewRandom(2)
	eps := ready(names(10)...)
	mustUpdate(t, a, eps)
	mustUpdate(t, b, eps)
	if cmp.Equal(pickN(t, a, 30), pickN(t, b, 30)) {
		t.Error("seeds 1 and 2 made the same 30 picks")
	}
}
