package service

import (
	"fmt"
	"github.com/orchestra-go/orchestra/internal/cputime"
	"sync/atomic"
	"testing"
)

// benchEndpoints returns n ready endpoints with distinct addresses.
func benchEndpoints(n int) []Endpoint {
	eps := make([]Endpoint, n)
	for i := range eps {
		eps[i] = Endpoint{
			Address:   fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			Port:      8080,
			PodName:   fmt.Sprintf("web-%d", i),
			Namespace: "default",
			NodeName:  fmt.Sprintf("node-%d", i%50),
			Zone:      fmt.Sprintf("zone-%d", i%3),
			Ready:     true,
			Serving:   true,
		}
	}
	return eps
}

var (
	sinkEndpoint *Endpoint
	sinkCount    uint64
	sinkCounter  *counter
)

// counter is the shared counter of BenchmarkAtomicAdd, laid out as
// RoundRobin's (on a cache line of its own).
type counter struct {
	_ pad
	n atomic.Uint64
	_ pad
}

// BenchmarkAtomicAdd is the floor for BenchmarkPick: the atomic add on the
// shared counter that every round-robin pick does, reached through a
// pointer to a heap object as Pick reaches its counter, its result used.
// Pick does this and more, so it cannot beat this loop.
func BenchmarkAtomicAdd(b *testing.B) {
	c := new(counter)
	sinkCounter = c // on the heap
	b.ReportAllocs()
	var v uint64
	clock := cputime.StartThread()
	for b.Loop() {
		v = c.n.Add(1)
	}
	clock.Report(b)
	sinkCount = v
}

// BenchmarkAtomicAddParallel is BenchmarkAtomicAdd from every P at once;
// its cpu-ns/op is the process's CPU time (all threads) per op.
func BenchmarkAtomicAddParallel(b *testing.B) {
	c := new(counter)
	sinkCounter = c // on the heap
	b.ReportAllocs()
	clock := cputime.StartProcess()
	b.RunParallel(func(pb *testing.PB) {
		var v uint64
		for pb.Next() {
			v = c.n.Add(1)
		}
		_ = v
	})
	clock.Report(b)
}

// BenchmarkPick measures RoundRobin.Pick over 16 endpoints (goal: at most
// 1.15 times BenchmarkAtomicAdd, 0 allocs). Both also report cpu-ns/op,
// the CPU time of the benchmark's thread per op (Linux): on a machine
// shared with other work, where ns/op counts the waits for a core, compare
// those.
func BenchmarkPick(b *testing.B) {
	p := NewRoundRobin(1)
	if err := p.Update(benchEndpoints(16)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var e *Endpoint
	clock := cputime.StartThread()
	for b.Loop() {
		e, _ = p.Pick()
	}
	clock.Report(b)
	sinkEndpoint = e
}

// BenchmarkPickParallel is BenchmarkPick from every P at once (goal: at
// most 1.15 times BenchmarkAtomicAddParallel); its cpu-ns/op is the
// process's CPU time (all threads) per op.
func BenchmarkPickParallel(b *testing.B) {
	p := NewRoundRobin(1)
	if err := p.Update(benchEndpoints(16)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	clock := cputime.StartProcess()
	b.RunParallel(func(pb *testing.PB) {
		var e *Endpoint
		for pb.Next() {
			e, _ = p.Pick()
		}
		_ = e
	})
	clock.Report(b)
}

// BenchmarkUpdate10000 publishes one readiness change in a 10,000-endpoint
// Service (goal: at most 50 µs).
func BenchmarkUpdate10000(b *testing.B) {
	p := NewRoundRobin(1)
	a := benchEndpoints(10000)
	c := append([]Endpoint(nil), a...)
	c[5000].Ready = false
	if err := p.Update(a); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	clock := cputime.StartThread()
	for b.Loop() {
		eps := a
		if i&1 == 1 {
			eps = c
		}
		i++
		if err := p.Update(eps); err != nil {
			b.Fatal(err)
		}
	}
	clock.Report(b)
}

// BenchmarkUpdateAt10000 publishes one readiness change in a
// 10,000-endpoint Service through RoundRobin.UpdateAt, the path of the
// endpoints controller (goal: at most 50 µs).
func BenchmarkUpdateAt10000(b *testing.B) {
	p := NewRoundRobin(1)
	a := benchEndpoints(10000)
	if err := p.Update(a); err != nil {
		b.Fatal(err)
	}
	on, off := a[5000], a[5000]
	off.Ready = false
	at := []int{5000}
	b.ReportAllocs()
	i := 0
	clock := cputime.StartThread()
	for b.Loop() {
		e := on
		if i&1 == 0 {
			e = off
		}
		i++
		if err := p.UpdateAt(at, []Endpoint{e}); err != nil {
			b.Fatal(err)
		}
	}
	clock.Report(b)
}
