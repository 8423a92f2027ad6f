package service

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeClock is a settable clock; tests move it by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newAffinity(t *testing.T, timeout time.Duration) (*Affinity, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, err := NewAffinity(NewRoundRobin(1), AffinityConfig{Timeout: timeout, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return a, clk
}

func pickFor(t *testing.T, a *Affinity, ip string) string {
	t.Helper()
	e, err := a.PickFor(ip)
	if err != nil {
		t.Fatalf("PickFor(%s): %v", ip, err)
	}
	return e.PodName
}

func TestAffinitySticks(t *testing.T) {
	a, clk := newAffinity(t, 0)
	mustUpdate(t, a, ready("a", "b", "c"))
	first := pickFor(t, a, "192.0.2.1")
	for range 100 {
		clk.Advance(time.Minute)
		mustPick(t, a) // other traffic moves the rotation on
		if got := pickFor(t, a, "192.0.2.1"); got != first {
			t.Fatalf("client moved from %s to %s within the timeout", first, got)
		}
	}
	// Another client gets the rotation's next endpoint, not the first one's.
	other := map[string]bool{}
	for i := range 3 {
		other[pickFor(t, a, fmt.Sprintf("192.0.2.%d", 10+i))] = true
	}
	if len(other) != 3 {
		t.Errorf("three new clients got %v, want three different endpoints", other)
	}
}

func TestAffinityTimeout(t *testing.T) {
	const timeout = 30 * time.Second
	a, clk := newAffinity(t, timeout)
	mustUpdate(t, a, ready("a", "b", "c"))
	first := pickFor(t, a, "192.0.2.1")
	clk.Advance(timeout) // exactly the timeout since the last request: still sticks
	if got := pickFor(t, a, "192.0.2.1"); got != first {
		t.Fatalf("at exactly the timeout: moved from %s to %s", first, got)
	}
	// Each request restarts the timeout.
	for range 5 {
		clk.Advance(timeout - time.Second)
		if got := pickFor(t, a, "192.0.2.1"); got != first {
			t.Fatalf("request within the timeout of the previous one moved from %s to %s", first, got)
		}
	}
	clk.Advance(timeout + time.Nanosecond)
	if got := pickFor(t, a, "192.0.2.1"); got == first {
		t.Fatalf("after the timeout, still on %s; want the rotation's next endpoint", got)
	}
}

func TestAffinityDefaultTimeout(t *testing.T) {
	a, clk := newAffinity(t, 0)
	mustUpdate(t, a, ready("a", "b", "c"))
	first := pickFor(t, a, "192.0.2.1")
	clk.Advance(10800 * time.Second)
	if got := pickFor(t, a, "192.0.2.1"); got != first {
		t.Fatalf("after 10800 s: moved from %s to %s", first, got)
	}
	clk.Advance(10800*time.Second + time.Second)
	if got := pickFor(t, a, "192.0.2.1"); got == first {
		t.Fatalf("after more than 10800 s idle, still on %s", got)
	}
}

func TestAffinityMovesOffUnreadyEndpoint(t *testing.T) {
	a, _ := newAffinity(t, 0)
	eps := ready("a", "b", "c")
	mustUpdate(t, a, eps)
	first := pickFor(t, a, "192.0.2.1")
	for i := range eps {
		if eps[i].PodName == first {
			eps[i].Ready = false
		}
	}
	mustUpdate(t, a, eps)
	second := pickFor(t, a, "192.0.2.1")
	if second == first {
		t.Fatalf("endpoint %s is not ready, but the client still got it", first)
	}
	// The client now sticks to its new endpoint, even when the old one is
	// back.
	mustUpdate(t, a, ready("a", "b", "c"))
	for range 10 {
		if got := pickFor(t, a, "192.0.2.1"); got != second {
			t.Fatalf("client moved from %s to %s", second, got)
		}
	}
}

func TestAffinityNoEndpoints(t *testing.T) {
	a, _ := newAffinity(t, 0)
	if _, err := a.PickFor("192.0.2.1"); !errors.Is(err, ErrNoEndpoints) {
		t.Fatalf("PickFor with no endpoints: %v, want ErrNoEndpoints", err)
	}
	mustUpdate(t, a, ready("a"))
	pickFor(t, a, "192.0.2.1")
	mustUpdate(t, a, nil)
	if _, err := a.PickFor("192.0.2.1"); !errors.Is(err, ErrNoEndpoints) {
		t.Fatalf("PickFor after all endpoints left: %v, want ErrNoEndpoints", err)
	}
	if n := a.Len(); n != 0 {
		t.Errorf("table holds %d clients after a failed pick, want 0", n)
	}
}

func TestAffinityEmptyClientIPHasNoAffinity(t *testing.T) {
	a, _ := newAffinity(t, 0)
	mustUpdate(t, a, ready("a", "b"))
	if pickFor(t, a, "") == pickFor(t, a, "") {
		t.Error("two picks without a client IP got the same endpoint from a round robin of two")
	}
	if n := a.Len(); n != 0 {
		t.Errorf("table holds %d clients, want 0", n)
	}
}

func TestAffinityDropsExpiredClients(t *testing.T) {
	a, clk := newAffinity(t, time.Minute)
	mustUpdate(t, a, ready("a", "b"))
	for i := range 1000 {
		pickFor(t, a, fmt.Sprintf("ip-%d", i))
	}
	clk.Advance(2 * time.Minute)
	for i := range 200 {
		pickFor(t, a, fmt.Sprintf("new-%d", i))
	}
	if n := a.Len(); n > 400 {
		t.Errorf("table holds %d clients, want expired ones dropped (at most 400)", n)
	}
}

func TestAffinityConfigValidation(t *testing.T) {
	tests := []struct {
		timeout time.Duration
		want    time.Duration // 0: error
	}{
		{0, DefaultAffinityTimeout},
		{time.Second, time.Second},
		{86400 * time.Second, 86400 * time.Second},
		{86401 * time.Second, 0},
		{-time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.timeout.String(), func(t *testing.T) {
			a, err := NewAffinity(NewRoundRobin(1), AffinityConfig{Timeout: tt.timeout})
			if tt.want == 0 {
				if err == nil || !strings.Contains(err.Error(), "timeoutSeconds") {
					t.Fatalf("error %v, want one naming timeoutSeconds", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.timeout != tt.want {
				t.Errorf("timeout %v, want %v", a.timeout, tt.want)
			}
		})
	}
	if _, err := NewAffinity(nil, AffinityConfig{}); err == nil {
		t.Error("NewAffinity(nil): no error")
	}
}

func ExampleAffinity() {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, err := NewAffinity(NewRoundRobin(0), AffinityConfig{Timeout: time.Hour, Clock: clk})
	if err != nil {
		panic(err)
	}
	err = a.Update([]Endpoint{
		{Address: "10.0.0.1", Port: 80, PodName: "web-a", Ready: true},
		{Address: "10.0.0.2", Port: 80, PodName: "web-b", Ready: true},
	})
	if err != nil {
		panic(err)
	}
	for range 3 {
		e, _ := a.PickFor("192.0.2.7")
		fmt.Println(e.PodName)
	}
	clk.t = clk.t.Add(2 * time.Hour) // idle for longer than the timeout
	e, _ := a.PickFor("192.0.2.7")
	fmt.Println(e.PodName)
	// Output:
	// web-b
	// web-b
	// web-b
	// web-a
}
