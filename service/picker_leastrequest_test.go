package service

import (
	"fmt"
	"sync"
	"testing"
)

func TestLeastRequestAvoidsBusyEndpoint(t *testing.T) {
	p := NewLeastRequest(1)
	eps := ready("a", "b", "c", "d")
	mustUpdate(t, p, eps)
	var busy, others []Request
	for range 200 { // loads even out, 50 each
		r, err := p.Start()
		if err != nil {
			t.Fatal(err)
		}
		if r.Endpoint.PodName == "a" {
			busy = append(busy, r)
		} else {
			others = append(others, r)
		}
	}
	for _, r := range others {
		r.Done() // only a's requests stay in flight
	}
	if len(busy) < 40 {
		t.Fatalf("a got %d of 200 requests, want about 50", len(busy))
	}
	// a has requests in flight, the others none: the two draws are
	// distinct, so a always loses.
	for range 1000 {
		if got := mustPick(t, p); got == "a" {
			t.Fatalf("picked a, which has %d requests in flight while others have none", len(busy))
		}
	}
	for _, r := range busy {
		r.Done()
	}
	if n := p.InFlight(eps[0].Address, 80); n != 0 {
		t.Errorf("a has %d in flight after every Done, want 0", n)
	}
}

func TestLeastRequestBalancesInFlight(t *testing.T) {
	p := NewLeastRequest(2)
	eps := ready("a", "b")
	mustUpdate(t, p, eps)
	// With two endpoints both are drawn every time: starts alternate.
	for i := range 100 {
		if _, err := p.Start(); err != nil {
			t.Fatal(err)
		}
		a, b := p.InFlight(eps[0].Address, 80), p.InFlight(eps[1].Address, 80)
		if d := a - b; d < -1 || d > 1 {
			t.Fatalf("after %d starts, in flight a=%d b=%d", i+1, a, b)
		}
	}
}

func TestLeastRequestCountsSurviveUpdate(t *testing.T) {
	p := NewLeastRequest(3)
	eps := ready("a", "b", "c")
	mustUpdate(t, p, eps)
	var reqs []Request
	for range 30 {
		r, err := p.Start()
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r)
	}
	before := p.InFlight(eps[0].Address, 80)
	mustUpdate(t, p, ready("a", "b")) // c leaves; a and b stay
	if got := p.InFlight(eps[0].Address, 80); got != before {
		t.Errorf("a had %d in flight, %d after an Update that kept it", before, got)
	}
	if got := p.InFlight(eps[2].Address, 80); got != 0 {
		t.Errorf("removed c reports %d in flight, want 0", got)
	}
	for _, r := range reqs {
		r.Done() // requests to the removed c end too, harmlessly
	}
	for _, e := range eps[:2] {
		if got := p.InFlight(e.Address, 80); got != 0 {
			t.Errorf("%s has %d in flight after every Done", e.PodName, got)
		}
	}
	Request{}.Done() // the zero Request: no-op
}

func TestLeastRequestConcurrent(t *testing.T) {
	p := NewLeastRequest(4)
	eps := ready(names(8)...)
	mustUpdate(t, p, eps)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				r, err := p.Start()
				if err != nil {
					t.Error(err)
					return
				}
				r.Done()
			}
		})
	}
	wg.Wait()
	for _, e := range eps {
		if n := p.InFlight(e.Address, e.Port); n != 0 {
			t.Errorf("%s: %d in flight after all Done", e.PodName, n)
		}
	}
}

func ExampleLeastRequest() {
	p := NewLeastRequest(0)
	err := p.Update([]Endpoint{
		{Address: "10.0.0.1", Port: 80, PodName: "web-a", Ready: true},
		{Address: "10.0.0.2", Port: 80, PodName: "web-b", Ready: true},
	})
	if err != nil {
		panic(err)
	}
	first, _ := p.Start() // in flight until Done
	second, _ := p.Start()
	fmt.Println(first.Endpoint.PodName != second.Endpoint.PodName)
	first.Done()
	second.Done()
	// Output: true
}
