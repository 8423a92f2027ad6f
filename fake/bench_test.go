package fake

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// BenchmarkContainerEvents drives 1,000,000 container starts and exits
// through the virtual clock: 1,000 pods with restartPolicy Always whose
// container runs for 1 s and exits, so they crash-loop, advanced with
// Virtual.Step. It reports the wall time per event (goal: 1,000,000
// events in <= 2 s, that is <= 2000 ns/event).
func BenchmarkContainerEvents(b *testing.B) {
	const pods, events = 1000, 1_000_000
	b.ReportAllocs()
	var total uint64
	for b.Loop() {
		b.StopTimer()
		clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		r, err := New(Config{Clock: clk, Behaviors: []Behavior{{RunFor: workload.Ptr(time.Second), ExitCode: 1}}})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if err := r.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}, Spec: workload.NodeSpec{PodCIDR: "10.0.0.0/16"}}); err != nil {
			b.Fatal(err)
		}
		for i := range pods {
			if err := r.CreatePod(ctx, benchPod(fmt.Sprintf("p-%04d", i), "n")); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for r.ContainerEvents() < events {
			if !clk.Step() {
				b.Fatal("clock has no timers left")
			}
		}
		total += r.ContainerEvents()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(total), "ns/event")
}

func benchPod(name, node string) *workload.Pod {
	return &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "bench"}},
		Spec: workload.PodSpec{
			NodeName:      node,
			RestartPolicy: workload.RestartPolicyAlways,
			Containers:    []workload.Container{{Name: "main", Image: "busybox"}},
		},
	}
}

// BenchmarkPodDeepCopy is the yardstick for BenchmarkContainerEvents: one
// deep copy of the benchmark's pod with a running status. A container
// event costs a few of these.
func BenchmarkPodDeepCopy(b *testing.B) {
	clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r, err := New(Config{Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}); err != nil {
		b.Fatal(err)
	}
	if err := r.CreatePod(context.Background(), benchPod("p", "n")); err != nil {
		b.Fatal(err)
	}
	clk.Advance(0)
	p, err := r.GetPod("default", "p")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.DeepCopy()
	}
}
