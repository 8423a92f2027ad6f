package orchestra_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// BenchmarkContainerEventsThroughDriver plays fake containers that run for
// one second and exit, over and over (restartPolicy Always, so they
// crash-loop with back-off), through the whole cluster in virtual time,
// until 1,000,000 container start and exit events have happened. Each
// event goes runtime -> mirror -> store -> watchers -> controllers.
// Goal: <= 2 s per op.
func BenchmarkContainerEventsThroughDriver(b *testing.B) {
	const pods, target = 1000, 1_000_000
	for b.Loop() {
		clock := vtime.NewVirtual(t0)
		f, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{{RunFor: workload.Ptr(time.Second)}}})
		if err != nil {
			b.Fatal(err)
		}
		c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 10; i++ {
			if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("node-%d", i)}}); err != nil {
				b.Fatal(err)
			}
		}
		events := 0
		restarts := map[string]int32{}
		c.OnChange(func(ev store.Event) {
			p, ok := ev.Object.(*workload.Pod)
			if !ok || len(p.Status.ContainerStatuses) == 0 {
				return
			}
			cs := p.Status.ContainerStatuses[0]
			if n := cs.RestartCount; n > restarts[p.Name] {
				events += 2 * int(n-restarts[p.Name]) // an exit and a start
				restarts[p.Name] = n
			}
		})
		for i := 0; i < pods; i++ {
			if _, err := c.Apply(&workload.Pod{
				ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("p-%d", i)},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "loop"}}},
			}); err != nil {
				b.Fatal(err)
			}
		}
		ok, err := c.RunUntil(func() bool { return events >= target }, 1000*time.Hour)
		if err != nil || !ok {
			b.Fatalf("reached %d events: %v", events, err)
		}
		c.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/target, "ns/event")
}
