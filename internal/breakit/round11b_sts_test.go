package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

func r11bSet(t *testing.T, c *orchestra.Cluster) *workload.StatefulSet {
	t.Helper()
	o, err := c.Get("StatefulSet", "default", "db")
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.StatefulSet)
}

// updateStrategy OnDelete: a template change touches no pod; a pod deleted
// by hand comes back at the update revision. status.currentRevision never
// moves to the update revision, even once every pod runs it
// (completeRollingUpdate only acts under RollingUpdate): currentReplicas
// falls to 0 while updatedReplicas reaches replicas. Source:
// pkg/controller/statefulset/stateful_set_control.go updateStatefulSet
// (OnDelete short-circuit), completeRollingUpdate.
func TestR11bStatefulSetOnDeleteKeepsCurrentRevision(t *testing.T) {
	c := newCluster(t, "a")
	spec := "  replicas: 2\n  updateStrategy: {type: OnDelete}"
	applyYAML(t, c, stsYAML("db", spec, "db:1"))
	advance(t, c, time.Minute)
	v1 := r11bSet(t, c).Status.CurrentRevision
	applyYAML(t, c, stsYAML("db", spec, "db:2"))
	advance(t, c, time.Minute)
	st := r11bSet(t, c).Status
	if st.UpdateRevision == v1 || st.CurrentRevision != v1 || st.UpdatedReplicas != 0 || st.CurrentReplicas != 2 {
		t.Fatalf("after the template change: status %+v, want update revision new, current %s, 0 updated, 2 current", st, v1)
	}
	for _, p := range pods(t, c, "app=db") {
		if p.Spec.Containers[0].Image != "db:1" {
			t.Fatalf("pod %s runs %s: OnDelete must not replace it", p.Name, p.Spec.Containers[0].Image)
		}
	}
	for _, n := range []string{"db-1", "db-0"} {
		if err := c.DeletePod("default", n, nil); err != nil {
			t.Fatal(err)
		}
		advance(t, c, time.Minute)
	}
	for _, p := range pods(t, c, "app=db") {
		if p.Spec.Containers[0].Image != "db:2" {
			t.Errorf("pod %s runs %s after its deletion, want db:2", p.Name, p.Spec.Containers[0].Image)
		}
	}
	st = r11bSet(t, c).Status
	if st.CurrentRevision != v1 || st.CurrentReplicas != 0 || st.UpdatedReplicas != 2 || st.ReadyReplicas != 2 {
		t.Errorf("every pod updated under OnDelete: status %+v, want currentRevision still %s, currentReplicas 0, updatedReplicas 2", st, v1)
	}
}

// A partition at or above replicas holds every pod at the current
// revision: the template change makes an update revision that no pod
// takes (updatedReplicas 0), and currentRevision stays. Lowering the
// partition to 1 then updates db-2 and db-1 only. Source:
// pkg/controller/statefulset/stateful_set_control.go updateStatefulSet
// (updateMin = partition; newVersionedStatefulSetPod: ordinals below the
// partition get the current revision);
// https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#partitions
// ("If a partition is greater than its .spec.replicas, updates to its
// .spec.template will not be propagated to its Pods").
func TestR11bStatefulSetPartitionAboveReplicas(t *testing.T) {
	c := newCluster(t, "a")
	part := func(n string) string {
		return "  replicas: 3\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: " + n + "}}"
	}
	applyYAML(t, c, stsYAML("db", part("5"), "db:1"))
	advance(t, c, time.Minute)
	v1 := r11bSet(t, c).Status.CurrentRevision
	applyYAML(t, c, stsYAML("db", part("5"), "db:2"))
	advance(t, c, 2*time.Minute)
	st := r11bSet(t, c).Status
	if st.UpdateRevision == v1 || st.CurrentRevision != v1 || st.UpdatedReplicas != 0 || st.CurrentReplicas != 3 {
		t.Fatalf("partition 5 of 3 replicas: status %+v, want no pod updated", st)
	}
	applyYAML(t, c, stsYAML("db", part("1"), "db:2"))
	advance(t, c, 5*time.Minute)
	want := map[string]string{"db-0": "db:1", "db-1": "db:2", "db-2": "db:2"}
	for _, p := range pods(t, c, "app=db") {
		if got := p.Spec.Containers[0].Image; got != want[p.Name] {
			t.Errorf("partition 1: pod %s runs %s, want %s", p.Name, got, want[p.Name])
		}
	}
	if st := r11bSet(t, c).Status; st.UpdatedReplicas != 2 || st.CurrentRevision != v1 {
		t.Errorf("partition 1: status %+v, want 2 updated and the current revision kept", st)
	}
}
