package service

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// rebuildUpdate is Update with the comparison against the last list
// disabled: the reference behaviour of a full rebuild.
func rebuildUpdate(p *RoundRobin, eps []Endpoint) error {
	p.mu.Lock()
	p.all = nil
	p.mu.Unlock()
	return p.Update(eps)
}

// randomEndpoint returns endpoint i of a small pool with random
// conditions, on one of two nodes; a few share their key.
func randomEndpoint(r *rand.Rand, i int) Endpoint {
	addr := fmt.Sprintf("10.0.0.%d", i%17+1) // i and i+17 share a key
	e := Endpoint{Address: addr, Port: 80, PodName: fmt.Sprintf("p%d", i), Namespace: "default",
		NodeName: []string{"node-a", "node-b"}[r.IntN(2)]}
	switch r.IntN(4) {
	case 0:
		e.Ready, e.Serving = true, true
	case 1:
		e.Serving, e.Terminating = true, true
	case 2:
		e.Terminating = true
	default:
		e.Ready, e.Serving = r.IntN(2) == 0, true
	}
	return e
}

// TestRoundRobinIncrementalUpdatesMatchRebuild drives three pickers with
// the same random changes of a fixed-length list: one through UpdateAt,
// one through Update (which compares and patches), one through a full
// rebuild each time. Every pick of the three must agree: the incremental
// paths keep the rebuild's rotation, fallback, Local view and duplicates.
func TestRoundRobinIncrementalUpdatesMatchRebuild(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		opts []Option
	}{
		{"small", 5, nil},
		{"large", 60, nil},
		{"local", 40, []Option{Local("node-a")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(tc.n)))
			at, diff, ref := NewRoundRobin(3, tc.opts...), NewRoundRobin(3, tc.opts...), NewRoundRobin(3, tc.opts...)
			list := make([]Endpoint, tc.n)
			for i := range list {
				list[i] = randomEndpoint(r, i)
			}
			for _, p := range []*RoundRobin{at, diff, ref} {
				if err := p.Update(list); err != nil {
					t.Fatal(err)
				}
			}
			for step := range 400 {
				// Change 0 to 3 endpoints (an index may repeat: the last wins).
				var idx []int
				var eps []Endpoint
				for range r.IntN(4) {
					i := r.IntN(tc.n)
					e := randomEndpoint(r, i)
					idx, eps = append(idx, i), append(eps, e)
					list[i] = e
				}
				if err := at.UpdateAt(idx, eps); err != nil {
					t.Fatalf("step %d: UpdateAt: %v", step, err)
				}
				next := append([]Endpoint(nil), list...) // fresh strings headers are fine too
				if err := diff.Update(next); err != nil {
					t.Fatalf("step %d: Update: %v", step, err)
				}
				if err := rebuildUpdate(ref, list); err != nil {
					t.Fatalf("step %d: rebuild: %v", step, err)
				}
				for k := range r.IntN(2 * tc.n) {
					want, werr := ref.Pick()
					for _, np := range []struct {
						name string
						p    *RoundRobin
					}{{"Update", diff}, {"UpdateAt", at}} {
						name, p := np.name, np.p
						got, err := p.Pick()
						if !errors.Is(err, werr) && err != werr {
							t.Fatalf("step %d pick %d: %s: err %v, want %v", step, k, name, err, werr)
						}
						if werr == nil && *got != *want {
							t.Fatalf("step %d pick %d: %s picked %+v, want %+v", step, k, name, *got, *want)
						}
					}
				}
				if d := cmp.Diff(ref.current(), at.current()); d != "" {
					t.Fatalf("step %d: UpdateAt endpoints differ (-rebuild +UpdateAt):\n%s", step, d)
				}
			}
		})
	}
}

func TestRoundRobinUpdateAtErrorsChangeNothing(t *testing.T) {
	p := NewRoundRobin(1)
	if err := p.Update(eps3()); err != nil {
		t.Fatal(err)
	}
	before := p.current()
	bad := eps3()[0]
	bad.Port = 0
	for _, tc := range []struct {
		name    string
		at      []int
		eps     []Endpoint
		want    string
		invalid bool
	}{
		{"index too large", []int{3}, eps3()[:1], "at[0]: index 3 is not in [0, 3)", false},
		{"negative index", []int{0, -1}, eps3()[:2], "at[1]: index -1 is not in [0, 3)", false},
		{"lengths differ", []int{0}, nil, "1 indexes for 0 endpoints", false},
		{"bad endpoint", []int{1, 2}, []Endpoint{eps3()[1], bad}, "endpoints[2]", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := p.UpdateAt(tc.at, tc.eps)
			if err == nil || !contains(err.Error(), tc.want) {
				t.Fatalf("UpdateAt = %v, want an error containing %q", err, tc.want)
			}
			if got := errors.Is(err, ErrInvalidEndpoint); got != tc.invalid {
				t.Errorf("errors.Is(err, ErrInvalidEndpoint) = %v, want %v", got, tc.invalid)
			}
			if d := cmp.Diff(before, p.current()); d != "" {
				t.Errorf("endpoints changed (-before +after):\n%s", d)
			}
		})
	}
}

// TestRoundRobinUpdateAtRemovesAtOnce checks that once UpdateAt returns,
// no pick returns the endpoint it made unready, and that it comes back.
func TestRoundRobinUpdateAtRemovesAtOnce(t *testing.T) {
	p := NewRoundRobin(1)
	eps := eps3()
	if err := p.Update(eps); err != nil {
		t.Fatal(err)
	}
	off := eps[1]
	off.Ready = false
	if err := p.UpdateAt([]int{1}, []Endpoint{off}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if e, _ := p.Pick(); e.Address == off.Address {
			t.Fatalf("picked %s after UpdateAt made it unready", e.Address)
		}
	}
	if err := p.UpdateAt([]int{1}, []Endpoint{eps[1]}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for range 30 {
		e, _ := p.Pick()
		seen[e.Address]++
	}
	if d := cmp.Diff(map[string]int{eps[0].Address: 10, eps[1].Address: 10, eps[2].Address: 10}, seen); d != "" {
		t.Errorf("picks per endpoint (-want +got):\n%s", d)
	}
}

func eps3() []Endpoint {
	return []Endpoint{
		{Address: "10.0.0.1", Port: 80, Ready: true, Serving: true},
		{Address: "10.0.0.2", Port: 80, Ready: true, Serving: true},
		{Address: "10.0.0.3", Port: 80, Ready: true, Serving: true},
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestRoundRobinZeroValueUpdateAt(t *testing.T) {
	var p RoundRobin
	if err := p.UpdateAt(nil, nil); err != nil {
		t.Fatalf("UpdateAt(nil, nil) on the zero value = %v", err)
	}
	if _, err := p.Pick(); !errors.Is(err, ErrNoEndpoints) {
		t.Fatalf("Pick = %v, want ErrNoEndpoints", err)
	}
	if err := p.UpdateAt([]int{0}, eps3()[:1]); err == nil {
		t.Fatal("UpdateAt of index 0 with no endpoints succeeded")
	}
}

// TestRoundRobinMaxEndpoints checks the bound that keeps every position of
// an arena within a 32-bit byte offset, and that a longer list is refused
// before any of it is read, changing nothing.
func TestRoundRobinMaxEndpoints(t *testing.T) {
	if last := uint64(arenaCap(maxEndpoints)-1) * uint64(endpointSize); last > math.MaxUint32-uint64(endpointSize)+1 {
		t.Fatalf("the last endpoint of an arena for %d endpoints is at offset %d: past 32 bits", maxEndpoints, last)
	}
	if next := uint64(arenaCap(maxEndpoints+5)-1) * uint64(endpointSize); next <= math.MaxUint32-uint64(endpointSize)+1 {
		t.Errorf("maxEndpoints %d is more than 5 below the longest list that fits", maxEndpoints)
	}
	if raceEnabled {
		t.Skip("the list below claims more endpoints than it holds, which checkptr (on with -race) refuses")
	}
	p := NewRoundRobin(1)
	mustUpdate(t, p, eps3())
	before := p.current()
	// A list too long to allocate here: its header claims maxEndpoints+1
	// endpoints over one, which Update must refuse without reading.
	var one Endpoint
	huge := unsafe.Slice(&one, maxEndpoints+1)
	err := p.Update(huge)
	if err == nil || !strings.Contains(err.Error(), "at most 26843541") {
		t.Fatalf("Update of %d endpoints = %v, want an error naming the bound", len(huge), err)
	}
	if d := cmp.Diff(before, p.current()); d != "" {
		t.Errorf("a refused Update changed the endpoints (-before +after):\n%s", d)
	}
}
