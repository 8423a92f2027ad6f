package service

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSmoothCycle(t *testing.T) {
	tests := []struct {
		name    string
		weights []int64
		want    []uint32
	}{
		{"nginx 5,1,1", []int64{5, 1, 1}, []uint32{0, 0, 1, 0, 2, 0, 0}},
		{"gcd reduced", []int64{10, 2, 2}, []uint32{0, 0, 1, 0, 2, 0, 0}},
		{"2,1", []int64{2, 1}, []uint32{0, 1, 0}},
		{"1,2,3", []int64{1, 2, 3}, []uint32{2, 1, 0, 2, 1, 2}},
		{"equal: plain round robin", []int64{4, 4, 4}, nil},
		{"single", []int64{3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := smoothCycle(slices.Clone(tt.weights), 1<<22)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("smoothCycle(%v) (-want +got):\n%s", tt.weights, diff)
			}
		})
	}
}

func weighted(ws ...int32) []Endpoint {
	eps := ready(names(len(ws))...)
	for i, w := range ws {
		eps[i].Weight = w
		eps[i].PodName = string(rune('a' + i))
	}
	return eps
}

func TestWeightedOrder511(t *testing.T) {
	for seed := range uint64(20) {
		p := NewWeighted(seed)
		mustUpdate(t, p, weighted(5, 1, 1))
		got := strings.Join(pickN(t, p, 14), "")
		// The first pick is at a random place in the cycle; the order is
		// always a rotation of nginx's a a b a c a a.
		if !strings.Contains("aabacaa"+"aabacaa"+"aabacaa", got) {
			t.Errorf("seed %d: picks %s are not the cycle a a b a c a a", seed, got)
		}
	}
}

func TestWeightedZeroMeansOne(t *testing.T) {
	p := NewWeighted(1)
	mustUpdate(t, p, weighted(0, 1, 2))
	counts := map[string]int{}
	for _, s := range pickN(t, p, 400) {
		counts[s]++
	}
	if diff := cmp.Diff(map[string]int{"a": 100, "b": 100, "c": 200}, counts); diff != "" {
		t.Errorf("weights 0,1,2 over 100 cycles (-want +got):\n%s", diff)
	}
}

func TestWeightedExactProportionsConcurrent(t *testing.T) {
	p := NewWeighted(3)
	ws := []int32{7, 3, 1, 1, 12}
	mustUpdate(t, p, weighted(ws...))
	const cycles, goroutines = 100, 8
	total := 24 * cycles
	results := make(chan []string, goroutines)
	for range goroutines {
		go func() { results <- pickN(t, p, total/goroutines) }()
	}
	counts := map[string]int{}
	for range goroutines {
		for _, s := range <-results {
			counts[s]++
		}
	}
	for i, w := range ws {
		name := string(rune('a' + i))
		if counts[name] != int(w)*cycles {
			t.Errorf("%s (weight %d) picked %d times in %d cycles, want %d", name, w, counts[name], cycles, int(w)*cycles)
		}
	}
}

func TestWeightedSameSetKeepsRotation(t *testing.T) {
	p := NewWeighted(4)
	eps := weighted(5, 1, 1)
	mustUpdate(t, p, eps)
	var got []string
	for range 14 {
		got = append(got, mustPick(t, p))
		mustUpdate(t, p, eps)
	}
	if !strings.Contains(strings.Repeat("aabacaa", 3), strings.Join(got, "")) {
		t.Errorf("picks %v with an unchanged Update between each: not the cycle", got)
	}
}

func TestWeightedLargeSetsUseDeadlineOrder(t *testing.T) {
	// Over the exact-SWRR budget: proportions stay exact and the picks of
	// each endpoint stay evenly spread.
	p := NewWeighted(1, func(o *options) { o.swrrBudget = 10 })
	ws := []int32{5, 1, 1}
	mustUpdate(t, p, weighted(ws...))
	seq := strings.Join(pickN(t, p, 70), "")
	if got := strings.Count(seq, "a"); got != 50 {
		t.Errorf("a picked %d of 70, want 50 (%s)", got, seq)
	}
	if strings.Contains(seq, "bb") || strings.Contains(seq, "cc") || strings.Contains(seq, "aaaaaa") {
		t.Errorf("picks %s are not smooth", seq)
	}
	c := edfCycle([]int64{5, 1, 1}, 7)
	if diff := cmp.Diff([]uint32{0, 0, 0, 1, 2, 0, 0}, c); diff != "" {
		t.Errorf("edfCycle(5,1,1) (-want +got):\n%s", diff)
	}
}

func TestWeightedScalesHugeWeights(t *testing.T) {
	w := []int64{MaxWeight, MaxWeight - 1, 1, 3}
	c := smoothCycle(w, 1<<22)
	if len(c) > maxCycle+len(w) {
		t.Fatalf("cycle of %d entries, want at most %d", len(c), maxCycle+len(w))
	}
	counts := make([]int, 4)
	for _, i := range c {
		counts[i]++
	}
	if counts[2] < 1 || counts[3] < 1 || counts[0] < counts[1] || counts[1] < 1000*counts[3] {
		t.Errorf("scaled counts %v do not keep the proportions of %v", counts, []int{MaxWeight, MaxWeight - 1, 1, 3})
	}
}

func ExampleWeighted() {
	p := NewWeighted(0)
	eps := []Endpoint{
		{Address: "10.0.0.1", Port: 80, PodName: "a", Ready: true, Weight: 5},
		{Address: "10.0.0.2", Port: 80, PodName: "b", Ready: true, Weight: 1},
		{Address: "10.0.0.3", Port: 80, PodName: "c", Ready: true, Weight: 1},
	}
	if err := p.Update(eps); err != nil {
		panic(err)
	}
	// Where the cycle starts depends on the seed; the order does not.
	for range 7 {
		e, _ := p.Pick()
		fmt.Print(e.PodName, " ")
	}
	fmt.Println()
	// Output: a a a b a c a
}
