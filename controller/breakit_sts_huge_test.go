package controller

import (
	"math"
	"runtime"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

// TestStsHugeReplicasBoundedDecision: a StatefulSet scaled to 2^31-1
// (which validation accepts, as Kubernetes) must not make its sync
// allocate in proportion to spec.replicas: decideStatefulSet allocates
// slices of spec.replicas entries, and Cluster.Scale("sts", ..., 2^31-1)
// then Advance died with "fatal error: out of memory" (a 16 GiB slice),
// taking the embedding process with it. With OrderedReady and one pod
// there is one pod to create; the decision at 2^20 replicas must allocate
// well under 1 MiB.
func TestStsHugeReplicasBoundedDecision(t *testing.T) {
	in := stsInput{Set: testSts(1<<20, "", 0), CurrentRevision: "r1", UpdateRevision: "r1",
		CurrentTemplate: &workload.PodTemplateSpec{}, UpdateTemplate: &workload.PodTemplateSpec{},
		Pods: []*workload.Pod{stsPod(0, "r1", "ready")}}
	before := totalAlloc()
	decideStatefulSet(in, rsNow)
	if d := totalAlloc() - before; d > 1<<20 {
		t.Errorf("a decision at 2^20 replicas with 1 pod allocated %d bytes, want under 1 MiB", d)
	}
}

// TestStsHugeParallelBurst: a Parallel StatefulSet of 2^31-1 replicas
// with pods at ordinals 1 and 3 creates the missing ordinals in order,
// 0, 2, 4, ..., at most BurstReplicas (500) in one sync (the creations'
// events bring the next sync), and the decision does not walk or allocate
// by spec.replicas. Kubernetes has no such bound (since 1.28 a Parallel
// sync creates every missing pod, in slowStartBatch batches, PR #117865),
// but a sync of 2^31-1 creations would exhaust the embedding process.
func TestStsHugeParallelBurst(t *testing.T) {
	in := stsInput{Set: testSts(math.MaxInt32, workload.ParallelPodManagement, 0), CurrentRevision: "r1", UpdateRevision: "r1",
		CurrentTemplate: &workload.PodTemplateSpec{}, UpdateTemplate: &workload.PodTemplateSpec{},
		Pods: []*workload.Pod{stsPod(3, "r1", "ready"), stsPod(1, "r1", "ready")}}
	before := totalAlloc()
	d := decideStatefulSet(in, rsNow)
	if a := totalAlloc() - before; a > 8<<20 {
		t.Errorf("a Parallel decision at 2^31-1 replicas allocated %d bytes, want under 8 MiB (500 pods)", a)
	}
	if len(d.Create) != BurstReplicas {
		t.Fatalf("%d pods created in one sync, want %d", len(d.Create), BurstReplicas)
	}
	for i, want := range []string{"db-0", "db-2", "db-4", "db-5"} {
		if d.Create[i].Name != want {
			t.Errorf("create #%d is %s, want %s", i, d.Create[i].Name, want)
		}
	}
	if last := d.Create[BurstReplicas-1].Name; last != "db-501" {
		t.Errorf("last create is %s, want db-501", last)
	}
	if len(d.Delete) != 0 {
		t.Errorf("deleted %d pods, want none", len(d.Delete))
	}
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
