package breakit_test

import (
	"errors"
	stdslices "slices"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// r3get returns the object, or nil when it does not exist.
func r3get(t *testing.T, c *orchestra.Cluster, kind, ns, name string) workload.Object {
	t.Helper()
	o, err := c.Get(kind, ns, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("get %s %s/%s: %v", kind, ns, name, err)
	}
	return o
}

func r3list(t *testing.T, c *orchestra.Cluster, kind, ns, sel string) []workload.Object {
	t.Helper()
	objs, err := c.List(kind, ns, sel)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func r3names(objs []workload.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetObjectMeta().Name)
	}
	stdslices.Sort(out)
	return out
}

func r3pod(name string) *workload.Pod {
	return &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "c", Image: "web"}}},
	}
}

func r3svc(name string) *workload.Service {
	return &workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: name},
		Spec: workload.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports:    []workload.ServicePort{{Port: 80}},
		},
	}
}

func r3ref(o workload.Object, block bool) workload.OwnerReference {
	m := o.GetObjectMeta()
	r := workload.OwnerReference{APIVersion: "v1", Kind: o.Kind(), Name: m.Name, UID: m.UID}
	if block {
		r.BlockOwnerDeletion = workload.Ptr(true)
	}
	return r
}

func r3apply(t *testing.T, c *orchestra.Cluster, o workload.Object) workload.Object {
	t.Helper()
	out, err := c.Apply(o)
	if err != nil {
		t.Fatalf("apply %s %s: %v", o.Kind(), o.GetObjectMeta().Name, err)
	}
	return out
}

// Foreground deletion of owner A whose blocking dependent D also has a
// live owner B: Kubernetes' garbage collector (attemptToDeleteItem,
// pkg/controller/garbagecollector/garbagecollector.go, case "len(solid) !=
// 0") removes A's reference from D ("otherwise the referenced objects will
// be stuck with the FinalizerDeletingDependents and never get deleted"),
// and the graph builder requeues A when D's references change, so A goes
// while D lives on with B.
// https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion
func TestR3GCForegroundOwnerWithSharedDependent(t *testing.T) {
	c := newCluster(t, "a")
	a := r3apply(t, c, r3svc("owner-a"))
	b := r3apply(t, c, r3svc("owner-b"))
	d := r3pod("dep")
	d.OwnerReferences = []workload.OwnerReference{r3ref(a, true), r3ref(b, false)}
	r3apply(t, c, d)
	advance(t, c, 10*time.Second)
	if err := c.Delete("Service", "default", "owner-a", "Foreground"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Minute)
	if o := r3get(t, c, "Service", "default", "owner-a"); o != nil {
		m := o.GetObjectMeta()
		t.Errorf("owner-a still exists 5m after a Foreground delete (finalizers %v, deletionTimestamp %v); its only dependent has another live owner and should just lose the reference", m.Finalizers, since(m.DeletionTimestamp))
	}
	p := r3get(t, c, "Pod", "default", "dep")
	if p == nil {
		t.Fatal("dep was deleted although owner-b lives")
	}
	if refs := p.GetObjectMeta().OwnerReferences; len(refs) != 1 || refs[0].Name != "owner-b" {
		t.Errorf("dep owners %v, want only owner-b", refs)
	}
}

// Foreground deletion of a Deployment: the Deployment and its ReplicaSet
// stay (deletionTimestamp, foregroundDeletion finalizer) until the pods are
// gone; the ReplicaSet controller does not replace pods of a ReplicaSet
// being deleted; in the end all three are gone.
// https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion ;
// pkg/controller/replicaset/replica_set.go syncReplicaSet (no manageReplicas
// when rs.DeletionTimestamp != nil).
func TestR3GCForegroundDeployment(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployment)
	advance(t, c, time.Minute)
	before := pods(t, c, "app=web")
	if len(before) != 3 {
		t.Fatalf("%d pods, want 3", len(before))
	}
	created := 0
	if err := c.OnChange(func(ev store.Event) {
		if ev.Type == store.Added && ev.Object.Kind() == "Pod" {
			created++
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Deployment", "default", "web", "Foreground"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	dep := r3get(t, c, "Deployment", "default", "web")
	if dep == nil {
		t.Fatal("the Deployment went at once on a Foreground delete; it must wait for its dependents")
	}
	if m := dep.GetObjectMeta(); m.DeletionTimestamp == nil || !stdslices.Contains(m.Finalizers, "foregroundDeletion") {
		t.Errorf("deployment: deletionTimestamp %v finalizers %v, want set and foregroundDeletion", since(m.DeletionTimestamp), m.Finalizers)
	}
	rss := r3list(t, c, "ReplicaSet", "default", "app=web")
	if len(rss) != 1 {
		t.Fatalf("%d ReplicaSets one second into the delete, want 1", len(rss))
	}
	runUntil(t, c, 10*time.Minute, "foreground delete finished", func() bool {
		return r3get(t, c, "Deployment", "default", "web") == nil
	})
	if n := len(r3list(t, c, "ReplicaSet", "default", "")); n != 0 {
		t.Errorf("%d ReplicaSets left after the Deployment went", n)
	}
	if n := len(pods(t, c, "")); n != 0 {
		t.Errorf("%d pods left after the Deployment went", n)
	}
	if created != 0 {
		t.Errorf("%d pods created during the foreground delete; a terminating ReplicaSet must not replace its pods", created)
	}
}

// Orphan deletion of a Deployment: the Deployment goes, its ReplicaSet
// stays without the owner reference and keeps its pods. Applying the
// Deployment again adopts the ReplicaSet (same template hash) and creates
// no pod. https://kubernetes.io/docs/concepts/architecture/garbage-collection/#orphaned-dependents ;
// pkg/controller/deployment/deployment_controller.go getReplicaSetsForDeployment
// (ClaimReplicaSets adopts orphans whose labels match).
func TestR3GCOrphanDeploymentThenReadopt(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployment)
	advance(t, c, time.Minute)
	before := r3names(func() []workload.Object {
		var o []workload.Object
		for _, p := range pods(t, c, "app=web") {
			o = append(o, p)
		}
		return o
	}())
	if err := c.Delete("Deployment", "default", "web", "Orphan"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 10*time.Minute)
	if r3get(t, c, "Deployment", "default", "web") != nil {
		t.Fatal("deployment still there 10m after an Orphan delete")
	}
	rss := r3list(t, c, "ReplicaSet", "default", "")
	if len(rss) != 1 {
		t.Fatalf("%d ReplicaSets after the orphaning delete, want 1", len(rss))
	}
	if refs := rss[0].GetObjectMeta().OwnerReferences; len(refs) != 0 {
		t.Errorf("orphaned ReplicaSet still has owners %v", refs)
	}
	if rs := rss[0].GetObjectMeta(); rs.DeletionTimestamp != nil {
		t.Errorf("orphaned ReplicaSet is being deleted")
	}
	ps := pods(t, c, "app=web")
	if len(ps) != 3 {
		t.Fatalf("%d pods after orphaning, want 3", len(ps))
	}
	for _, p := range ps {
		if cr := workload.ControllerOf(p); cr == nil || cr.Name != rss[0].GetObjectMeta().Name {
			t.Errorf("pod %s controller %v, want the ReplicaSet", p.Name, cr)
		}
	}
	applyYAML(t, c, deployment)
	advance(t, c, time.Minute)
	rss = r3list(t, c, "ReplicaSet", "default", "")
	if len(rss) != 1 {
		t.Fatalf("%d ReplicaSets after re-applying the Deployment, want the orphan adopted", len(rss))
	}
	dep := r3get(t, c, "Deployment", "default", "web")
	if cr := workload.ControllerOf(rss[0]); cr == nil || cr.UID != dep.GetObjectMeta().UID {
		t.Errorf("ReplicaSet controller %v, want the new Deployment (uid %s)", cr, dep.GetObjectMeta().UID)
	}
	var after []workload.Object
	for _, p := range pods(t, c, "app=web") {
		after = append(after, p)
	}
	if got := r3names(after); !stdslices.Equal(got, before) {
		t.Errorf("pods %v after re-adoption, want the same %v", got, before)
	}
}

// Orphan deletion of a ReplicaSet, then a new ReplicaSet with the same
// selector: the new one adopts the running pods instead of creating its
// own. https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#deleting-just-a-replicaset ;
// "Once the original is deleted, you can create a new ReplicaSet to
// replace it. As long as the old and new .spec.selector are the same, then
// the new one will adopt the old Pods."
func TestR3GCOrphanReplicaSetAdoptedByNew(t *testing.T) {
	c := newCluster(t, "a")
	const rs = `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: %s}
spec:
  replicas: 2
  selector: {matchLabels: {app: fe}}
  template:
    metadata: {labels: {app: fe}}
    spec: {containers: [{name: c, image: web}]}`
	applyYAML(t, c, strings.Replace(rs, "%s", "fe-1", 1))
	advance(t, c, time.Minute)
	before := pods(t, c, "app=fe")
	if len(before) != 2 {
		t.Fatalf("%d pods", len(before))
	}
	if err := c.Delete("ReplicaSet", "default", "fe-1", "Orphan"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Minute)
	for _, p := range pods(t, c, "app=fe") {
		if len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil {
			t.Errorf("pod %s after orphaning: owners %v deletionTimestamp %v", p.Name, p.OwnerReferences, since(p.DeletionTimestamp))
		}
	}
	applyYAML(t, c, strings.Replace(rs, "%s", "fe-2", 1))
	advance(t, c, time.Minute)
	after := pods(t, c, "app=fe")
	if len(after) != 2 {
		t.Errorf("%d pods after the new ReplicaSet, want the 2 orphans adopted", len(after))
	}
	for _, p := range after {
		if cr := workload.ControllerOf(p); cr == nil || cr.Name != "fe-2" {
			t.Errorf("pod %s controller %v, want fe-2", p.Name, cr)
		}
	}
}

// An ownerReference whose UID is not the UID of the object of that name
// (the owner was deleted and re-created with the same name) is dangling:
// the garbage collector deletes the dependent even though an object of
// that name exists. https://kubernetes.io/docs/concepts/architecture/garbage-collection/#owners-dependents
// (owner references are resolved by UID); garbagecollector.go
// isDangling compares the UID of the live object.
func TestR3GCOwnerSameNameOtherUID(t *testing.T) {
	c := newCluster(t, "a")
	owner := r3apply(t, c, r3svc("owner"))
	ref := r3ref(owner, false)
	if err := c.Delete("Service", "default", "owner", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	r3apply(t, c, r3svc("owner")) // same name, new UID
	d := r3pod("dep")
	d.OwnerReferences = []workload.OwnerReference{ref}
	r3apply(t, c, d)
	advance(t, c, 2*time.Minute)
	if p := r3get(t, c, "Pod", "default", "dep"); p != nil && p.GetObjectMeta().DeletionTimestamp == nil {
		t.Errorf("dep, whose owner's UID no longer exists, is not being garbage collected")
	}
}

// A namespaced owner must be in the dependent's namespace; otherwise the
// reference is treated as absent and the dependent is garbage collected
// (with a Warning event OwnerRefInvalidNamespace).
// https://kubernetes.io/docs/concepts/architecture/garbage-collection/#owners-dependents :
// "A namespaced owner must exist in the same namespace as the dependent.
// If it does not, the owner reference is treated as absent, and the
// dependent is subject to deletion once all owners are verified absent."
func TestR3GCCrossNamespaceOwnerIsAbsent(t *testing.T) {
	c := newCluster(t, "a")
	owner := r3apply(t, c, r3svc("owner"))
	d := r3pod("dep")
	d.Namespace = "other"
	d.OwnerReferences = []workload.OwnerReference{r3ref(owner, false)}
	r3apply(t, c, d)
	advance(t, c, 2*time.Minute)
	if p := r3get(t, c, "Pod", "other", "dep"); p != nil && p.GetObjectMeta().DeletionTimestamp == nil {
		t.Errorf("other/dep names an owner in namespace default; Kubernetes treats that reference as absent and deletes the pod, orchestra keeps it")
	}
}

// The controllers set controller: true and blockOwnerDeletion: true on the
// owner references of what they create (metav1.NewControllerRef), which is
// what makes Foreground deletion wait for them.
// staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/controller_ref.go NewControllerRef.
func TestR3GCControllerRefsBlockOwnerDeletion(t *testing.T) {
	c := newCluster(t, "a")
	applyYAML(t, c, deployment)
	applyYAML(t, c, statefulSet)
	applyYAML(t, c, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}
spec:
  selector: {matchLabels: {app: ds}}
  template:
    metadata: {labels: {app: ds}}
    spec: {containers: [{name: c, image: d}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: c, image: j}]}`)
	advance(t, c, 90*time.Second)
	var objs []workload.Object
	for _, k := range []string{"ReplicaSet", "Job", "Pod"} {
		objs = append(objs, r3list(t, c, k, "", "")...)
	}
	kinds := map[string]bool{}
	for _, o := range objs {
		cr := workload.ControllerOf(o)
		if cr == nil {
			t.Errorf("%s %s has no controller reference", o.Kind(), o.GetObjectMeta().Name)
			continue
		}
		kinds[cr.Kind] = true
		if cr.BlockOwnerDeletion == nil || !*cr.BlockOwnerDeletion {
			t.Errorf("%s %s: controller reference to %s %s lacks blockOwnerDeletion: true", o.Kind(), o.GetObjectMeta().Name, cr.Kind, cr.Name)
		}
		if cr.APIVersion == "" {
			t.Errorf("%s %s: controller reference without apiVersion", o.Kind(), o.GetObjectMeta().Name)
		}
	}
	for _, k := range []string{"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "CronJob", "Job"} {
		if !kinds[k] {
			t.Errorf("no object controlled by a %s", k)
		}
	}
}

// Background deletion of a Job removes its pods gracefully; Orphan keeps
// them running, without the owner reference, and the pods are not counted
// or deleted by anyone afterwards.
// https://kubernetes.io/docs/concepts/architecture/garbage-collection/#cascading-deletion
func TestR3GCJobOrphanAndBackground(t *testing.T) {
	const job = `
apiVersion: batch/v1
kind: Job
metadata: {name: %s}
spec:
  parallelism: 2
  completions: 2
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: 1h}}
    spec: {restartPolicy: Never, containers: [{name: c, image: j}]}`
	c := newCluster(t, "a")
	applyYAML(t, c, strings.Replace(job, "%s", "orph", 1))
	applyYAML(t, c, strings.Replace(job, "%s", "bg", 1))
	advance(t, c, time.Minute)
	if err := c.Delete("Job", "default", "orph", "Orphan"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Job", "default", "bg", "Background"); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	bg := pods(t, c, "job-name=bg")
	for _, p := range bg {
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s of the Background-deleted Job is not terminating", p.Name)
		} else if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 30 {
			t.Errorf("pod %s deleted with grace %v, want its terminationGracePeriodSeconds 30", p.Name, p.DeletionGracePeriodSeconds)
		}
	}
	advance(t, c, 10*time.Minute)
	if n := len(pods(t, c, "job-name=bg")); n != 0 {
		t.Errorf("%d pods of the Background-deleted Job left", n)
	}
	orph := pods(t, c, "job-name=orph")
	if len(orph) != 2 {
		t.Fatalf("%d pods of the orphaned Job, want 2", len(orph))
	}
	for _, p := range orph {
		if len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil || p.Status.Phase != workload.PodRunning {
			t.Errorf("orphaned pod %s: owners %v deletionTimestamp %v phase %s", p.Name, p.OwnerReferences, since(p.DeletionTimestamp), p.Status.Phase)
		}
	}
}

// Foreground deletion of every workload kind finishes: the controller of
// an owner that is being deleted creates nothing, so the owner goes once
// its dependents have. https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion ;
// each controller's sync returns early on DeletionTimestamp
// (daemon_controller.go, stateful_set.go, job_controller.go, cronjob_controllerv2.go).
func TestR3GCForegroundEveryKind(t *testing.T) {
	for kind, manifest := range map[string]string{
		"StatefulSet": statefulSet,
		"DaemonSet": `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: ds}}
  template:
    metadata: {labels: {app: ds}}
    spec: {containers: [{name: c, image: d}]}`,
		"Job": `
apiVersion: batch/v1
kind: Job
metadata: {name: db}
spec:
  parallelism: 2
  completions: 4
  template:
    metadata: {annotations: {sim.orchestra.dev/run-for: 1h}}
    spec: {restartPolicy: Never, containers: [{name: c, image: j}]}`,
		"CronJob": `
apiVersion: batch/v1
kind: CronJob
metadata: {name: db}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {annotations: {sim.orchestra.dev/run-for: 1h}}
        spec: {restartPolicy: Never, containers: [{name: c, image: j}]}`,
	} {
		t.Run(kind, func(t *testing.T) {
			c := newCluster(t, "a", "b")
			applyYAML(t, c, manifest)
			advance(t, c, 3*time.Minute)
			if len(pods(t, c, "")) == 0 {
				t.Fatal("no pods")
			}
			if err := c.Delete(kind, "default", "db", "Foreground"); err != nil {
				t.Fatal(err)
			}
			ok, err := c.RunUntil(func() bool { return r3get(t, c, kind, "default", "db") == nil }, 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				o := r3get(t, c, kind, "default", "db")
				t.Fatalf("%s still there 15m after a Foreground delete: finalizers %v; pods %d", kind, o.GetObjectMeta().Finalizers, len(pods(t, c, "")))
			}
			if n := len(pods(t, c, "")); n != 0 {
				t.Errorf("%d pods left", n)
			}
			if n := len(r3list(t, c, "Job", "", "")); n != 0 {
				t.Errorf("%d Jobs left", n)
			}
		})
	}
}
