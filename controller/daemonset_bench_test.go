package controller

import (
	"context"
	"fmt"
	"testing"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// dsBench is the harness without a *testing.T: a virtual clock, a store
// and a Manager running the DaemonSet controller. No runtime, no
// scheduler: the benchmarks time the controller's own work.
type dsBench struct {
	b     *testing.B
	store *store.Store
	mgr   *Manager
}

func newDSBench(b *testing.B, nodes int) *dsBench {
	b.Helper()
	c := vtime.NewVirtual(harnessStart)
	s := store.New(store.Config{Clock: c, Seed: 1})
	rec := NewRecorder(s, c, nil)
	// The same event cap at every size: the recorder deletes its oldest
	// event once at the cap, which would otherwise count at 10,000 nodes
	// and not at 1,000.
	rec.Max = 500
	deps := Deps{Store: s, Clock: c, Events: rec, Seed: 1}
	for i := 0; i < nodes; i++ {
		n := dsNode(fmt.Sprintf("node-%05d", i))
		workload.Default(n)
		if _, err := s.Create(n); err != nil {
			b.Fatal(err)
		}
	}
	m := NewManager(deps, NewDaemonSet(deps))
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Stop)
	return &dsBench{b: b, store: s, mgr: m}
}

func (d *dsBench) settle() {
	for i := 0; d.mgr.Step(context.Background()); i++ {
		if i > 1000 {
			d.b.Fatal("no progress limit reached")
		}
	}
}

func (d *dsBench) createDS() {
	ds := testDS("agent")
	ds.UID = ""
	workload.Default(ds)
	if _, err := d.store.Create(ds); err != nil {
		d.b.Fatal(err)
	}
}

// BenchmarkDaemonSetConverge10000 times a new DaemonSet converging on
// 10,000 nodes: the full sync that creates the 10,000 pods (and their
// events and revision), then the per-node syncs their watch events cause,
// until the controller is idle. Goal: <= 100 ms.
func BenchmarkDaemonSetConverge10000(b *testing.B) {
	const nodes = 10000
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		d := newDSBench(b, nodes)
		d.createDS()
		b.StartTimer()
		d.settle()
		b.StopTimer()
		if n := len(d.store.List("Pod", "default", nil)); n != nodes {
			b.Fatalf("%d pods, want %d", n, nodes)
		}
		d.mgr.Stop()
		b.StartTimer()
	}
}

// BenchmarkDaemonSetNodeJoin times one node joining a cluster of 1,000 or
// 10,000 nodes that run a DaemonSet: the node event, the per-node sync
// that creates its pod, the status write, and the sync the pod's event
// causes. Goal: the cost at 10,000 nodes at most 1.5x the cost at 1,000.
// Each joined node is removed again (untimed), so the cluster keeps its
// size.
func BenchmarkDaemonSetNodeJoin(b *testing.B) {
	for _, nodes := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			d := newDSBench(b, nodes)
			d.createDS()
			d.settle()
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				name := fmt.Sprintf("join-%d", i)
				i++
				n := dsNode(name)
				if _, err := d.store.Create(n); err != nil {
					b.Fatal(err)
				}
				d.settle()
				b.StopTimer()
				o, err := d.store.Get("DaemonSet", "default", "agent")
				if err != nil {
					b.Fatal(err)
				}
				if got := o.(*workload.DaemonSet).Status.CurrentNumberScheduled; got != int32(nodes+1) {
					b.Fatalf("currentNumberScheduled %d, want %d", got, nodes+1)
				}
				if _, err := d.store.Delete("Node", "", name, store.DeleteOptions{}); err != nil {
					b.Fatal(err)
				}
				d.settle() // the pod, never bound, is deleted
				b.StartTimer()
			}
		})
	}
}
