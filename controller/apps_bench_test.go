package controller_test

import (
	"context"
	"fmt"
	"github.com/orchestra-go/orchestra/internal/cputime"
	"log/slog"
	"runtime"
	"testing"
	"time"

	orchestra "github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/api/resource"
)

// BenchmarkDeployments150kPods plays 1,000 Deployments of 150 replicas
// (150,000 pods, Kubernetes' supported maximum) onto 5,000 fake nodes of
// 110 pods each, through the whole cluster in virtual time, until every
// pod is Running and Ready. Goal: <= 2 s and <= 1 GiB heap per op. It
// reports the heap in use at the end (heap-MiB).
func BenchmarkDeployments150kPods(b *testing.B) { benchDeployments(b, 1000, 150, 5000) }

// BenchmarkDeployments15kPods is the same at a tenth of the size.
func BenchmarkDeployments15kPods(b *testing.B) { benchDeployments(b, 100, 150, 500) }

func benchDeployments(b *testing.B, deployments, replicas, nodes int) {
	b.ReportAllocs()
	var heap uint64
	warnings := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		clock := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		f, err := fake.New(fake.Config{Clock: clock, Seed: 1, WatchBuffer: 1 << 21})
		if err != nil {
			b.Fatal(err)
		}
		c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1, MaxEvents: 1000, Controllers: appsControllers(),
			Logger: slog.New(&countWarnings{n: &warnings})})
		if err != nil {
			b.Fatal(err)
		}
		for i := range nodes {
			n := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("node-%04d", i)}}
			n.Status.Capacity = workload.ResourceList{"pods": resource.MustParse("110"), "cpu": resource.MustParse("4"), "memory": resource.MustParse("16Gi")}
			if err := f.AddNode(n); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Advance(0); err != nil {
			b.Fatal(err)
		}
		cpu0 := cputime.Process()
		b.StartTimer()
		for i := range deployments {
			name := fmt.Sprintf("app-%04d", i)
			_, err := c.Apply(&workload.Deployment{
				ObjectMeta: workload.ObjectMeta{Name: name},
				Spec: workload.DeploymentSpec{
					Replicas: workload.Ptr(int32(replicas)),
					Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": name}},
					Template: workload.PodTemplateSpec{
						ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": name}},
						Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
					},
				},
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		ready := func() bool {
			for i := range deployments {
				o, err := c.Store().Peek("Deployment", "default", fmt.Sprintf("app-%04d", i))
				if err != nil || o.(*workload.Deployment).Status.AvailableReplicas != int32(replicas) {
					return false
				}
			}
			return true
		}
		ok, err := c.RunUntil(ready, time.Hour)
		if err != nil || !ok {
			b.Fatalf("not all ready: %v", err)
		}
		b.StopTimer()
		cpu += cputime.Process() - cpu0
		for i := range deployments {
			o, err := c.Get("Deployment", "default", fmt.Sprintf("app-%04d", i))
			if err != nil {
				b.Fatal(err)
			}
			if st := o.(*workload.Deployment).Status; st.AvailableReplicas != int32(replicas) || st.ReadyReplicas != int32(replicas) {
				b.Fatalf("app-%04d: %+v", i, st)
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = ms.HeapAlloc
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(warnings)/float64(b.N), "warnings/op")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// countWarnings is a slog handler that counts warnings (the cluster logs
// one when a watch overflows and the controllers resync).
type countWarnings struct{ n *int }

func (h *countWarnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *countWarnings) Handle(context.Context, slog.Record) error    { *h.n++; return nil }
func (h *countWarnings) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *countWarnings) WithGroup(string) slog.Handler                { return h }
