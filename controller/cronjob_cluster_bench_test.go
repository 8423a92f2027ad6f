package controller_test

import (
	"os"
	"runtime"
	"testing"
	"time"

	orchestra "github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// BenchmarkCronJobClusterMonth plays the hello CronJob manifest
// ("* * * * *", default history limits) for 30 days through the whole
// cluster with the fake runtime: the CronJob controller, the Job
// controller, the scheduler, the runtime mirror and the garbage collector
// (43,200 Jobs and pods). It reports the heap in use after GC at the end.
func BenchmarkCronJobClusterMonth(b *testing.B) {
	b.ReportAllocs()
	data, err := os.ReadFile("../examples/manifests/k8s-hello-cronjob-v1.yaml")
	if err != nil {
		b.Skip(err)
	}
	var heap float64
	for b.Loop() {
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(start), Seed: 1, Controllers: cronControllers()})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
			b.Fatal(err)
		}
		objs, _, err := workload.Decode(data, "hello")
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range objs {
			if _, err := c.Apply(o); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Advance(30 * 24 * time.Hour); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if got := len(createdJobs(c)); got == 0 {
			b.Fatal("no Jobs created")
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = float64(ms.HeapAlloc) / (1 << 20)
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(heap, "heap-MB")
}
