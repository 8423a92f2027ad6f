package controller

import (
	"context"
	"fmt"
	"runtime"
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

// dsJoinBatch is how many nodes one iteration of
// BenchmarkDaemonSetNodeJoin joins.
const dsJoinBatch = 250

// BenchmarkDaemonSetNodeJoin times nodes joining a cluster of 1,000 or
// 10,000 nodes that run a DaemonSet, one at a time: the node event, the
// per-node sync that creates its pod, the status write, and the sync the
// pod's event causes. Goal: ns/join at 10,000 nodes at most 1.5x ns/join
// at 1,000.
//
// To measure that ratio robustly, each iteration joins a fixed batch of
// dsJoinBatch nodes (timed) and then removes them again (untimed, so the
// cluster keeps its size) and collects the garbage (untimed, so that a
// collection falls into no batch by chance: the collector's cost per join
// does not grow with the cluster, its timing does); a warm-up batch runs
// before the timer starts. The figure to compare is the ns/join metric,
// e.g. with -benchtime 20x -count 5.
func BenchmarkDaemonSetNodeJoin(b *testing.B) {
	for _, nodes := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			d := newDSBench(b, nodes)
			d.createDS()
			d.settle()
			joined := 0
			batch := func() { // the timer runs on entry and on return
				b.StopTimer()
				names := make([]string, dsJoinBatch)
				for j := range names {
					names[j] = fmt.Sprintf("join-%d", joined)
					joined++
				}
				b.StartTimer()
				for _, name := range names {
					if _, err := d.store.Create(dsNode(name)); err != nil {
						b.Fatal(err)
					}
					d.settle()
				}
				b.StopTimer()
				o, err := d.store.Peek("DaemonSet", "default", "agent")
				if err != nil {
					b.Fatal(err)
				}
				if got := o.(*workload.DaemonSet).Status.CurrentNumberScheduled; got != int32(nodes+dsJoinBatch) {
					b.Fatalf("currentNumberScheduled %d, want %d", got, nodes+dsJoinBatch)
				}
				for _, name := range names {
					if _, err := d.store.Delete("Node", "", name, store.DeleteOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				d.settle() // the pods, never bound, are deleted
				runtime.GC()
				b.StartTimer()
			}
			batch() // warm-up
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				batch()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*dsJoinBatch), "ns/join")
		})
	}
}
