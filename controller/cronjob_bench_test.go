package controller

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// BenchmarkCronJobYear plays one simulated year of a "* * * * *" CronJob
// with the default history limits (525,600 Jobs) through the Manager: the
// CronJob controller and a finisher that completes each Job 10 s after it
// appears. It reports the heap in use after GC at 1, 6 and 12 months
// (heap-1mo-MB, heap-6mo-MB, heap-12mo-MB): flat, since only 3 Jobs and a
// bounded number of events are kept.
func BenchmarkCronJobYear(b *testing.B) {
	b.ReportAllocs()
	var heap [3]float64
	for b.Loop() {
		heap = cronYear(b, 12)
	}
	b.ReportMetric(heap[0], "heap-1mo-MB")
	b.ReportMetric(heap[1], "heap-6mo-MB")
	b.ReportMetric(heap[2], "heap-12mo-MB")
}

// BenchmarkCronJobMonth is BenchmarkCronJobYear's first month (43,200
// Jobs), for quick comparisons.
func BenchmarkCronJobMonth(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		cronYear(b, 1)
	}
}

// cronYear plays months (1 or 12) and returns the heap in use after GC at
// 1, 6 and 12 months.
func cronYear(b *testing.B, months int) [3]float64 {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := vtime.NewVirtual(start)
	s := store.New(store.Config{Clock: c, Seed: 1})
	rec := NewRecorder(s, c, nil)
	deps := Deps{Store: s, Clock: c, Events: rec, Seed: 1}
	fin := &jobFinisher{deps: deps, run: func(*workload.Job) (time.Duration, bool) { return 10 * time.Second, false }}
	m := NewManager(deps, NewCronJob(deps), fin)
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	defer m.Stop()
	cj := newCronJob("hello", "* * * * *")
	workload.Default(cj)
	if _, err := s.Create(cj); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	checkpoints := []time.Time{start.AddDate(0, 1, 0), start.AddDate(0, 6, 0), start.AddDate(1, 0, 0)}
	if months == 1 {
		checkpoints = checkpoints[:1]
	}
	var heap [3]float64
	for i, end := range checkpoints {
		for {
			for m.Step(ctx) {
			}
			next, ok := c.Next()
			if !ok || next.After(end) {
				break
			}
			c.AdvanceTo(next)
		}
		c.AdvanceTo(end)
		for m.Step(ctx) {
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap[i] = float64(ms.HeapAlloc) / (1 << 20)
		b.StartTimer()
	}
	got, _ := s.Get("CronJob", "default", "hello")
	last := got.(*workload.CronJob).Status.LastScheduleTime
	if want := checkpoints[len(checkpoints)-1]; last == nil || !last.Equal(want) {
		b.Fatalf("lastScheduleTime %v, want %v", last, want)
	}
	// 3 finished (the history limit) and the one of the last slot.
	if n := len(s.List("Job", "default", nil)); n != 4 {
		b.Fatalf("%d Jobs kept, want 4", n)
	}
	return heap
}
