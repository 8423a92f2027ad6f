package breakit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// Deleting a Namespace deletes everything in it, as Kubernetes' namespace
// controller does: the Namespace is Active with the "kubernetes"
// finalizer from its creation; deleted, it is Terminating, new content in
// it is refused with NamespaceLifecycle's words, its Deployment, Service,
// StatefulSet and Job go, their pods after their grace period (30 s
// here), and then the Namespace itself. Objects of other namespaces stay.
// default, kube-system and kube-public may not be deleted.
func TestR10lNamespaceDeletionEmptiesIt(t *testing.T) {
	c := newCluster(t, "n1", "n2")
	applyYAML(t, c, `
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 30
      containers: [{name: main, image: nginx}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: team-a}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: team-a}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 30
      containers: [{name: main, image: mysql}]
  volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: team-a}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-b}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: nginx}]}
`)
	advance(t, c, time.Minute)
	ns := getNS(t, c, "team-a")
	if ns.Status.Phase != workload.NamespaceActive || strings.Join(ns.Spec.Finalizers, ",") != workload.FinalizerKubernetes {
		t.Fatalf("new Namespace: phase %q, finalizers %v; want Active, [kubernetes]", ns.Status.Phase, ns.Spec.Finalizers)
	}
	if n := len(pods(t, c, "")); n != 7 { // 3 web, 2 db, 1 job (done), 1 team-b
		t.Fatalf("%d pods before the deletion, want 7", n)
	}
	// An applied Namespace manifest without finalizers keeps them.
	applyYAML(t, c, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {team: a}}\n")
	if ns := getNS(t, c, "team-a"); strings.Join(ns.Spec.Finalizers, ",") != workload.FinalizerKubernetes {
		t.Fatalf("re-applied Namespace finalizers %v, want [kubernetes]", ns.Spec.Finalizers)
	}

	if err := c.Delete("Namespace", "", "team-a", ""); err != nil {
		t.Fatal(err)
	}
	if ns := getNS(t, c, "team-a"); ns.Status.Phase != workload.NamespaceTerminating || ns.DeletionTimestamp == nil {
		t.Fatalf("deleted Namespace: phase %q, deletionTimestamp %v; want Terminating", ns.Status.Phase, ns.DeletionTimestamp)
	}
	_, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "late", Namespace: "team-a"}, Spec: workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "i"}}}})
	if !errors.Is(err, store.ErrForbidden) || !strings.Contains(err.Error(), "unable to create new content in namespace team-a because it is being terminated") {
		t.Fatalf("create in a terminating namespace: %v, want ErrForbidden with NamespaceLifecycle's message", err)
	}
	advance(t, c, 5*time.Second)
	if ps := pods(t, c, ""); len(ps) != 6 { // the Job's finished pod is gone at once; the others terminate
		t.Fatalf("5 s after: %d pods, want 6 (5 terminating in team-a, 1 in team-b)", len(ps))
	}
	for _, p := range pods(t, c, "") {
		if p.Namespace == "team-a" && p.DeletionTimestamp == nil {
			t.Fatalf("pod %s is not terminating", p.Name)
		}
	}
	if _, err := c.Get("Namespace", "", "team-a"); err != nil {
		t.Fatalf("the Namespace went before its pods: %v", err)
	}
	advance(t, c, 30*time.Second)
	if _, err := c.Get("Namespace", "", "team-a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Namespace after its content went: %v, want not found", err)
	}
	for _, kind := range workload.Kinds {
		if workload.IsClusterScoped(kind) || kind == "Event" {
			continue
		}
		if objs, _ := c.List(kind, "team-a", ""); len(objs) != 0 {
			t.Errorf("%d %s left in team-a", len(objs), kind)
		}
	}
	if ps := pods(t, c, ""); len(ps) != 1 || ps[0].Namespace != "team-b" {
		t.Fatalf("pods left: %d, want team-b's one", len(ps))
	}
	// Its events went with it; team-b's stay.
	teamB := 0
	for _, e := range c.Events() {
		switch e.InvolvedObject.Namespace {
		case "team-a":
			t.Errorf("event %s %s of deleted namespace team-a is still kept", e.InvolvedObject.Name, e.Reason)
		case "team-b":
			teamB++
		}
	}
	if teamB == 0 {
		t.Error("team-b's events went too")
	}
	// The name is free again, and the new Namespace is Active.
	applyYAML(t, c, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n")
	if ns := getNS(t, c, "team-a"); ns.Status.Phase != workload.NamespaceActive {
		t.Fatalf("recreated Namespace phase %q", ns.Status.Phase)
	}

	applyYAML(t, c, "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n")
	for _, name := range []string{"default", "kube-system"} {
		if err := c.Delete("Namespace", "", name, ""); !errors.Is(err, store.ErrForbidden) || !strings.Contains(err.Error(), "this namespace may not be deleted") {
			t.Errorf("delete Namespace %s: %v, want ErrForbidden", name, err)
		}
	}
}

// A Namespace whose content keeps a finalizer nobody removes stays
// Terminating (Kubernetes' "namespace stuck in Terminating"), and goes as
// soon as the finalizer is removed.
func TestR10lNamespaceWaitsForFinalizedContent(t *testing.T) {
	c := newCluster(t, "n1")
	applyYAML(t, c, `
apiVersion: v1
kind: Namespace
metadata: {name: stuck}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: stuck, finalizers: [example.com/protect]}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`)
	advance(t, c, time.Second)
	if err := c.Delete("Namespace", "", "stuck", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Hour)
	if ns := getNS(t, c, "stuck"); ns.Status.Phase != workload.NamespaceTerminating {
		t.Fatalf("phase %q, want Terminating while the claim is held", ns.Status.Phase)
	}
	if err := c.Store().RemoveFinalizer("PersistentVolumeClaim", "stuck", "data", "", "example.com/protect"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	if _, err := c.Get("Namespace", "", "stuck"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Namespace once its last object went: %v, want not found", err)
	}
}

func getNS(t *testing.T, c interface {
	Get(kind, namespace, name string) (workload.Object, error)
}, name string) *workload.Namespace {
	t.Helper()
	o, err := c.Get("Namespace", "", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*workload.Namespace)
}
