package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

const r8rRS = `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  minReadySeconds: 30
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: main, image: nginx}]
`

func r8rRSStatus(t *testing.T, c interface {
	Get(kind, ns, name string) (workload.Object, error)
}) workload.ReplicaSetStatus {
	t.Helper()
	o, err := c.Get("ReplicaSet", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.ReplicaSet).Status
}

// TestR8rReplicaSetWakesForOwnershipAndAvailability: the ReplicaSet
// controller, which now wakes only for what a sync reads, still sees a
// pod become available after minReadySeconds with no pod event, a pod
// orphaned by its user (adopted back), and a pod relabelled out of its
// selector (released and replaced).
func TestR8rReplicaSetWakesForOwnershipAndAvailability(t *testing.T) {
	c := newCluster(t, "node-a", "node-b")
	applyYAML(t, c, r8rRS)
	advance(t, c, time.Second)
	if st := r8rRSStatus(t, c); st.ReadyReplicas != 3 || st.AvailableReplicas != 0 {
		t.Fatalf("after 1s: %+v, want 3 ready, 0 available", st)
	}
	advance(t, c, 30*time.Second)
	if st := r8rRSStatus(t, c); st.AvailableReplicas != 3 {
		t.Fatalf("after minReadySeconds: %+v, want 3 available", st)
	}
	ps := pods(t, c, "app=web")
	if len(ps) != 3 {
		t.Fatalf("%d pods, want 3", len(ps))
	}
	// Orphan one: the ReplicaSet adopts it again, and makes no fourth.
	cp := ps[0].DeepCopy()
	cp.OwnerReferences = nil
	if _, err := c.Store().Update(cp); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	o, err := c.Get("Pod", "default", ps[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	if ref := workload.ControllerOf(o); ref == nil || ref.Name != "web" {
		t.Fatalf("orphaned pod not adopted again: owners %+v", o.GetObjectMeta().OwnerReferences)
	}
	if n := len(pods(t, c, "app=web")); n != 3 {
		t.Fatalf("%d pods after the orphaning, want 3", n)
	}
	// Relabel one out of the selector: released, and replaced.
	cp = o.(*workload.Pod).DeepCopy()
	cp.Labels = map[string]string{"app": "other"}
	if _, err := c.Store().Update(cp); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	o, err = c.Get("Pod", "default", ps[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	if ref := workload.ControllerOf(o); ref != nil {
		t.Fatalf("relabelled pod still owned by %s", ref.Name)
	}
	if n := len(pods(t, c, "app=web")); n != 3 {
		t.Fatalf("%d pods of the selector after the relabel, want 3", n)
	}
	if st := r8rRSStatus(t, c); st.Replicas != 3 || st.ReadyReplicas != 3 || st.AvailableReplicas != 2 {
		t.Fatalf("after the relabel: %+v, want 3 replicas, 3 ready, 2 available", st)
	}
	advance(t, c, 30*time.Second)
	if st := r8rRSStatus(t, c); st.AvailableReplicas != 3 {
		t.Fatalf("30s after the replacement: %+v, want 3 available", st)
	}
	// Relabel it back: adopted again, and one pod too many is deleted.
	cp = o.(*workload.Pod).DeepCopy()
	cp.Labels = map[string]string{"app": "web"}
	if _, err := c.Store().Update(cp); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	active := 0
	for _, p := range pods(t, c, "app=web") {
		if p.DeletionTimestamp == nil {
			active++
		}
	}
	if st := r8rRSStatus(t, c); active != 3 || st.Replicas != 3 {
		t.Fatalf("after the relabel back: %d active pods, status %+v; want 3", active, st)
	}
}
