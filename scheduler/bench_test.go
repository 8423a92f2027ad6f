package scheduler

import (
	"fmt"
	"github.com/orchestra-go/orchestra/internal/cputime"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// benchCluster returns 5,000 nodes (32 cpu, 128Gi, 110 pods; three zones;
// 10% with a PreferNoSchedule taint, 5% with a NoSchedule taint) already
// running 20,000 pods of 100 controllers.
func benchCluster(b testing.TB) *Snapshot {
	b.Helper()
	nodes := make([]*workload.Node, 5000)
	for i := range nodes {
		opts := []nodeOpt{alloc("32", "128Gi", "110"), labels(workload.LabelZone, fmt.Sprintf("z%d", i%3))}
		switch {
		case i%20 == 0:
			opts = append(opts, taint("dedicated", "db", noSch))
		case i%10 == 1:
			opts = append(opts, taint("spot", "", prefer))
		}
		nodes[i] = mkNode(fmt.Sprintf("node-%05d", i), opts...)
	}
	var pods []*workload.Pod
	for i := range 20000 {
		pods = append(pods, mkPod(fmt.Sprintf("old-%d", i), onNode(nodes[(i*37)%len(nodes)].Name),
			requests("250m", "512Mi"), ownedBy(fmt.Sprintf("rs-old-%d", i%100))))
	}
	return snapshot(b, nodes, pods...)
}

// cpuClock measures the process CPU time a benchmark loop uses.
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{cputime.Process()} }

// report adds pods/s (wall time, the goal's figure) and pods/cpu-s (CPU
// time of the whole process, GC included, which tells more on a shared
// machine).
func (c cpuClock) report(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "pods/s")
	}
	if d := cputime.Process() - c.start; c.start > 0 && d > 0 {
		b.ReportMetric(float64(b.N)/d.Seconds(), "pods/cpu-s")
	}
}

// BenchmarkSchedule5000Nodes is the caller's loop at 5,000 nodes: schedule
// a pod of one of 50 Deployments, assume it into the snapshot, and remove
// the pod bound 20,000 pods earlier, so the cluster stays in a steady
// state however long the benchmark runs.
func BenchmarkSchedule5000Nodes(b *testing.B) {
	snap := benchCluster(b)
	pending := make([]workload.Pod, benchRing)
	for i := range pending {
		pending[i] = *mkPod(fmt.Sprintf("web-%d", i), requests("100m", "128Mi"), ownedBy(fmt.Sprintf("rs-web-%d", i%50)))
	}
	benchSteadyState(b, snap, pending)
}

// benchRing is how many pending pods the steady-state loop cycles through.
const benchRing = 1 << 16

// benchSteadyState is the caller's loop: schedule the next of pending,
// assume it into snap, and remove the pod bound 20,000 pods earlier.
func benchSteadyState(b *testing.B, snap *Snapshot, pending []workload.Pod) {
	const window = 20000
	ring := len(pending)
	s := New(Config{Seed: 1})
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for i := 0; b.Loop(); i++ {
		p := &pending[i%ring]
		res, err := s.Schedule(p, snap)
		if err != nil {
			b.Fatal(err)
		}
		p.Spec.NodeName = res.Node
		if err := snap.AddPod(p); err != nil {
			b.Fatal(err)
		}
		if i >= window {
			old := &pending[(i-window)%ring]
			snap.RemovePod(old)
			old.Spec.NodeName = ""
		}
	}
	cpu.report(b)
}

// deploymentsCluster returns 5,000 nodes shaped like
// controller.BenchmarkDeployments150kPods' (4 cpu, 16Gi, 110 pods, no
// labels beyond the hostname, no taints) already running 150,000 pods that
// request nothing, 150 for each of 1,000 controllers, each pod on a random
// node: about 30 pods of about 30 controllers a node.
func deploymentsCluster(b testing.TB) *Snapshot {
	b.Helper()
	nodes := manyNodes(5000, alloc("4", "16Gi", "110"))
	rng := rand.New(rand.NewPCG(1, 2))
	pods := make([]*workload.Pod, 0, 150000)
	for o := range 1000 {
		for k := range 150 {
			pods = append(pods, mkPod(fmt.Sprintf("old-%d-%d", o, k), onNode(nodes[rng.IntN(len(nodes))].Name),
				ownedBy(fmt.Sprintf("rs-old-%d", o))))
		}
	}
	return snapshot(b, nodes, pods...)
}

// BenchmarkSchedule5000NodesDeployments is BenchmarkSchedule5000Nodes'
// loop on deploymentsCluster: each pod belongs to one of the 1,000
// controllers already running, so spreading counts a controller among ~30
// on every node scored.
func BenchmarkSchedule5000NodesDeployments(b *testing.B) {
	snap := deploymentsCluster(b)
	pending := make([]workload.Pod, benchRing)
	for i := range pending {
		pending[i] = *mkPod(fmt.Sprintf("web-%d", i), ownedBy(fmt.Sprintf("rs-old-%d", i%1000)))
	}
	runtime.GC() // do not bill building the 150,000 pods to the loop
	benchSteadyState(b, snap, pending)
}

// BenchmarkSchedule5000NodesPinned schedules DaemonSet pods (required
// matchFields metadata.name In [node]) at 5,000 nodes: the fast path.
func BenchmarkSchedule5000NodesPinned(b *testing.B) {
	snap := benchCluster(b)
	pods := make([]*workload.Pod, 5000)
	for i := range pods {
		pods[i] = mkPod(fmt.Sprintf("ds-%d", i), ownedBy("ds"), tol("", exists, "", ""),
			required(fieldTerm("In", fmt.Sprintf("node-%05d", i))))
	}
	s := New(Config{Seed: 1})
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Schedule(pods[i%len(pods)], snap); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkSchedule5000NodesUnschedulable schedules a pod that fits
// nowhere at 5,000 nodes: every node is filtered and the FitError lists
// them all.
func BenchmarkSchedule5000NodesUnschedulable(b *testing.B) {
	snap := benchCluster(b)
	p := mkPod("huge", requests("64", "1Gi"))
	s := New(Config{Seed: 1})
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for b.Loop() {
		if _, err := s.Schedule(p, snap); err == nil {
			b.Fatal("a 64-cpu pod fitted a 32-cpu node")
		}
	}
	cpu.report(b)
}
