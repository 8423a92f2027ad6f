package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/workload"
)

func r4rsYAML(replicas string) string {
	return `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: ` + replicas + `
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: c, image: web, resources: {requests: {cpu: "1"}}}]
`
}

// r4live returns the names of the pods matching sel that are not being
// deleted and have not finished.
func r4live(t *testing.T, c *orchestra.Cluster, sel string) []string {
	t.Helper()
	var out []string
	for _, p := range pods(t, c, sel) {
		if p.DeletionTimestamp == nil && p.Status.Phase != workload.PodSucceeded && p.Status.Phase != workload.PodFailed {
			out = append(out, p.Name)
		}
	}
	return out
}

func r4ctrl(p *workload.Pod) string {
	if r := workload.ControllerOf(p); r != nil {
		return r.Kind + "/" + r.Name
	}
	return ""
}

// A ReplicaSet adopts running orphan pods that match its selector (a
// controller reference is added) and counts them; a pod whose labels stop
// matching is released (the reference removed) and replaced.
// https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#non-template-pod-acquisitions ;
// https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#isolating-pods-from-a-replicaset
func TestR4RSAdoptAndRelease(t *testing.T) {
	c := newCluster(t, "a")
	orphan := r3pod("orphan")
	orphan.Labels = map[string]string{"app": "web"}
	r3apply(t, c, orphan)
	advance(t, c, time.Second)
	applyYAML(t, c, r4rsYAML("2"))
	advance(t, c, time.Second)
	if live := r4live(t, c, "app=web"); len(live) != 2 {
		t.Fatalf("live pods %v, want 2 (the orphan adopted, one created)", live)
	}
	if got := r4ctrl(r3getPod(t, c, "orphan")); got != "ReplicaSet/web" {
		t.Fatalf("orphan controller %q, want ReplicaSet/web", got)
	}
	// Release: relabel the adopted pod.
	p := r3getPod(t, c, "orphan")
	p.Labels = map[string]string{"app": "debug"}
	r3apply(t, c, p)
	advance(t, c, time.Second)
	if got := r4ctrl(r3getPod(t, c, "orphan")); got != "" {
		t.Errorf("relabelled pod still controlled by %q", got)
	}
	if live := r4live(t, c, "app=web"); len(live) != 2 {
		t.Errorf("live app=web pods %v after the release, want 2", live)
	}
}

// Orphans that have finished are not adopted: the ReplicaSet controller
// claims only active pods (syncReplicaSet: FilterActivePods before
// claimPods, pkg/controller/replicaset/replica_set.go), so a Succeeded
// orphan keeps no owner and is not garbage-collected with the ReplicaSet.
func TestR4RSDoesNotAdoptFinishedOrphan(t *testing.T) {
	c := newCluster(t, "a")
	done := r3pod("done")
	done.Labels = map[string]string{"app": "web"}
	done.Spec.RestartPolicy = "Never"
	r3apply(t, c, done)
	runUntil(t, c, time.Hour, "done Succeeded", func() bool {
		return r3getPod(t, c, "done").Status.Phase == workload.PodSucceeded
	})
	applyYAML(t, c, r4rsYAML("1"))
	advance(t, c, time.Second)
	if got := r4ctrl(r3getPod(t, c, "done")); got != "" {
		t.Errorf("the Succeeded orphan was adopted by %s", got)
	}
	if live := r4live(t, c, "app=web"); len(live) != 1 {
		t.Errorf("live pods %v, want 1", live)
	}
}

// Scale-down deletes an unscheduled (Pending, no node) pod before
// scheduled ones (controller.ActivePods ordering, rule 1: "Unassigned <
// assigned"), and a lower controller.kubernetes.io/pod-deletion-cost before
// a higher one. pkg/controller/controller_utils.go ActivePodsWithRanks.Less ;
// https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#pod-deletion-cost
func TestR4RSScaleDownOrder(t *testing.T) {
	c := newCluster(t)
	r4node(t, c, "a", map[string]string{"cpu": "2"}, nil)
	applyYAML(t, c, r4rsYAML("3"))
	advance(t, c, time.Minute)
	var pending string
	for _, p := range pods(t, c, "app=web") {
		if p.Spec.NodeName == "" {
			pending = p.Name
		}
	}
	if pending == "" {
		t.Fatalf("want one of three 1-cpu pods unscheduled on a 2-cpu node")
	}
	applyYAML(t, c, r4rsYAML("2"))
	advance(t, c, time.Second)
	if o := r3get(t, c, "Pod", "default", pending); o != nil && o.GetObjectMeta().DeletionTimestamp == nil {
		t.Errorf("scale 3->2 kept the unscheduled pod %s", pending)
	}
	live := r4live(t, c, "app=web")
	if len(live) != 2 {
		t.Fatalf("live %v", live)
	}
	// Deletion cost: the pod with cost 100 is kept.
	keep := r3getPod(t, c, live[0])
	keep.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "100"}
	r3apply(t, c, keep)
	lose := r3getPod(t, c, live[1])
	lose.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "-5"}
	r3apply(t, c, lose)
	advance(t, c, time.Second)
	applyYAML(t, c, r4rsYAML("1"))
	advance(t, c, time.Second)
	if live := r4live(t, c, "app=web"); len(live) != 1 || live[0] != keep.Name {
		t.Errorf("after scale 2->1 live %v, want [%s] (deletion cost 100 vs -5)", live, keep.Name)
	}
	applyYAML(t, c, r4rsYAML("0"))
	advance(t, c, time.Second)
	if live := r4live(t, c, "app=web"); len(live) != 0 {
		t.Errorf("replicas 0: live %v", live)
	}
}

// A ReplicaSet whose selector does not match its template's labels is
// rejected: `selector` does not match template `labels`.
// pkg/apis/apps/validation/validation.go ValidateReplicaSetSpec.
func TestR4RSSelectorMismatchRejected(t *testing.T) {
	c := newCluster(t, "a")
	objs, _, err := workload.Decode([]byte(`
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: bad}
spec:
  replicas: 1
  selector: {matchExpressions: [{key: app, operator: In, values: [web]}, {key: track, operator: DoesNotExist}]}
  template:
    metadata: {labels: {app: web, track: canary}}
    spec: {containers: [{name: c, image: web}]}
`), "bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(objs[0]); err == nil {
		t.Errorf("ReplicaSet whose selector excludes its template labels was accepted")
	}
}
