package orchestra_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// ownedPods makes a Service (a kind with no controller of its own) and
// three pods it owns, and lets them start.
func ownedPods(t *testing.T, c *orchestra.Cluster) *workload.Service {
	t.Helper()
	svc, err := c.Apply(&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "owner"},
		Spec:       workload.ServiceSpec{Ports: []workload.ServicePort{{Port: 80}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ref := workload.NewControllerRef(svc)
	for i := 0; i < 3; i++ {
		_, err := c.Apply(&workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("dep-%d", i), OwnerReferences: []workload.OwnerReference{ref}},
			Spec: workload.PodSpec{
				TerminationGracePeriodSeconds: workload.Ptr[int64](10),
				Containers:                    []workload.Container{{Name: "main", Image: "nginx"}},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	return svc.(*workload.Service)
}

func count(t *testing.T, c *orchestra.Cluster, kind string) (n, terminating int) {
	t.Helper()
	objs, err := c.List(kind, "default", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		n++
		if o.GetObjectMeta().DeletionTimestamp != nil {
			terminating++
		}
	}
	return n, terminating
}

func TestGarbageCollectionBackground(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	ownedPods(t, c)
	if err := c.Delete("Service", "default", "owner", "Background"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(t, c, "Service"); n != 0 {
		t.Fatalf("owner still there: %d", n)
	}
	if n, term := count(t, c, "Pod"); n != 3 || term != 3 {
		t.Fatalf("after 1s: %d pods, %d terminating; want 3 terminating", n, term)
	}
	if err := c.Advance(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(t, c, "Pod"); n != 0 {
		t.Fatalf("after the grace period: %d pods left", n)
	}
}

func TestGarbageCollectionForeground(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	ownedPods(t, c)
	if err := c.Delete("Service", "default", "owner", "Foreground"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if n, term := count(t, c, "Service"); n != 1 || term != 1 {
		t.Fatalf("owner: %d, terminating %d; want it waiting for its dependents", n, term)
	}
	if n, term := count(t, c, "Pod"); n != 3 || term != 3 {
		t.Fatalf("%d pods, %d terminating; want 3 terminating", n, term)
	}
	if err := c.Advance(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(t, c, "Pod"); n != 0 {
		t.Fatalf("%d pods left", n)
	}
	if n, _ := count(t, c, "Service"); n != 0 {
		t.Fatal("owner still there after its dependents went")
	}
}

func TestGarbageCollectionOrphan(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	ownedPods(t, c)
	if err := c.Delete("Service", "default", "owner", "Orphan"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(t, c, "Service"); n != 0 {
		t.Fatal("owner still there")
	}
	pods, _ := c.Pods("default", "")
	if len(pods) != 3 {
		t.Fatalf("%d pods, want the 3 orphans", len(pods))
	}
	for _, p := range pods {
		if len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil || p.Status.Phase != workload.PodRunning {
			t.Fatalf("pod %s: owners %v, deleting %v, phase %s; want a running orphan", p.Name, p.OwnerReferences, p.DeletionTimestamp, p.Status.Phase)
		}
	}
}

func TestNotReadyNodeEvictsAfter300s(t *testing.T) {
	c := newVirtualCluster(t, "node-a", "node-b")
	if _, err := c.Apply(&workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.PodSpec{
			NodeName:   "node-a",
			Containers: []workload.Container{{Name: "main", Image: "nginx"}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.Fake().SetNodeReady("node-a", false); err != nil {
		t.Fatal(err)
	}
	notReadyAt := c.Now()
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	n, _ := c.Get("Node", "", "node-a")
	var keys []string
	for _, tn := range n.(*workload.Node).Spec.Taints {
		keys = append(keys, tn.Key+":"+tn.Effect)
	}
	want := []string{workload.TaintNodeNotReady + ":NoExecute", workload.TaintNodeNotReady + ":NoSchedule"}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Fatalf("taints %v, want %v", keys, want)
	}
	if err := c.AdvanceTo(notReadyAt.Add(299 * time.Second)); err != nil {
		t.Fatal(err)
	}
	p, _ := c.Get("Pod", "default", "web")
	if p.GetObjectMeta().DeletionTimestamp != nil {
		t.Fatal("pod evicted before its 300 s toleration ran out")
	}
	if err := c.AdvanceTo(notReadyAt.Add(300 * time.Second)); err != nil {
		t.Fatal(err)
	}
	p, err := c.Get("Pod", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	pod := p.(*workload.Pod)
	// Evicted at 300 s; deletionTimestamp is when it is due to be gone,
	// after its 30 s grace period.
	if want := notReadyAt.Add(330 * time.Second); pod.DeletionTimestamp == nil || !pod.DeletionTimestamp.Equal(want) {
		t.Fatalf("deletionTimestamp %v, want %v", pod.DeletionTimestamp, want)
	}
	var dt *workload.PodCondition
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == workload.DisruptionTarget {
			dt = &pod.Status.Conditions[i]
		}
	}
	if dt == nil || dt.Reason != "DeletionByTaintManager" {
		t.Fatalf("DisruptionTarget %+v", dt)
	}
	// Ready again: the taints go.
	if err := c.Fake().SetNodeReady("node-a", true); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	n, _ = c.Get("Node", "", "node-a")
	if len(n.(*workload.Node).Spec.Taints) != 0 {
		t.Fatalf("taints left: %v", n.(*workload.Node).Spec.Taints)
	}
}

// TestDefaultControllersCollectTerminatedPods: the default controllers
// include Kubernetes' pod garbage collector (gcTerminated, threshold 12500).
func TestDefaultControllersCollectTerminatedPods(t *testing.T) {
	for _, mk := range orchestra.DefaultControllers() {
		if mk(controller.Deps{}).Name() == "pod-garbage-collector" {
			return
		}
	}
	t.Fatal("no pod-garbage-collector among DefaultControllers")
}

// TestForegroundDeletionReissuedInBackground: an owner whose foreground
// deletion waits for a dependent held by a finalizer goes at once when
// deleted again with kubectl's default cascade (Background), as the API
// server's deletionFinalizersForGarbageCollection removes the
// foregroundDeletion finalizer then; the dependent is left to the
// garbage collector (still held by its own finalizer).
func TestForegroundDeletionReissuedInBackground(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	svc := ownedPods(t, c)
	p, err := c.Get("Pod", "default", "dep-0")
	if err != nil {
		t.Fatal(err)
	}
	p.GetObjectMeta().Finalizers = append(p.GetObjectMeta().Finalizers, "example.com/hold")
	if _, err := c.Update(p); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Service", "default", svc.Name, "Foreground"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, term := count(t, c, "Service"); n != 1 || term != 1 {
		t.Fatalf("owner waiting for its held dependent: %d services, %d terminating; want it there, terminating", n, term)
	}
	if err := c.Delete("Service", "default", svc.Name, ""); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(t, c, "Service"); n != 0 {
		t.Fatalf("foreground deletion re-issued in the background: owner still there")
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, term := count(t, c, "Pod"); n != 1 || term != 1 {
		t.Fatalf("%d pods, %d terminating; want only the held one left, terminating", n, term)
	}
}

// TestClusterScopedDependentOfNamespacedOwnerKept: a cluster-scoped object
// naming an owner of a namespaced kind has an unresolvable reference, as
// Kubernetes' garbage collector finds it (attemptToDeleteItem returns
// namespacedOwnerOfClusterScopedObjectErr): it is never garbage collected,
// whether that owner exists or not, and an owner that exists (in a
// namespace) is reported once with a Warning OwnerRefInvalidNamespace on
// the dependent. https://kubernetes.io/docs/concepts/architecture/garbage-collection/#owners-dependents
func TestClusterScopedDependentOfNamespacedOwnerKept(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	svc, err := c.Apply(&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "owner"},
		Spec:       workload.ServiceSpec{Ports: []workload.ServicePort{{Port: 80}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	gone := workload.OwnerReference{APIVersion: "v1", Kind: "Service", Name: "never", UID: "0b9d3c55-0000-4000-8000-000000000001"}
	for name, ref := range map[string]workload.OwnerReference{"owned": workload.NewControllerRef(svc), "dangling": gone} {
		if _, err := c.Apply(&workload.Namespace{ObjectMeta: workload.ObjectMeta{Name: name, OwnerReferences: []workload.OwnerReference{ref}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"owned", "dangling"} {
		o, err := c.Get("Namespace", "", name)
		if err != nil {
			t.Fatalf("Namespace %s: %v, want it kept", name, err)
		}
		if o.GetObjectMeta().DeletionTimestamp != nil || len(o.GetObjectMeta().OwnerReferences) != 1 {
			t.Errorf("Namespace %s: deleting %v, owners %v; want it untouched", name, o.GetObjectMeta().DeletionTimestamp != nil, o.GetObjectMeta().OwnerReferences)
		}
	}
	var warned []string
	for _, ev := range c.Events() {
		if ev.Reason == "OwnerRefInvalidNamespace" {
			warned = append(warned, fmt.Sprintf("%s/%s x%d: %s", ev.InvolvedObject.Kind, ev.InvolvedObject.Name, ev.Count, ev.Message))
		}
	}
	want := fmt.Sprintf(`Namespace/owned x1: ownerRef [v1/Service, namespace: , name: owner, uid: %s] does not exist in namespace ""`, svc.GetObjectMeta().UID)
	if len(warned) != 1 || warned[0] != want {
		t.Errorf("OwnerRefInvalidNamespace events %q, want [%s]", warned, want)
	}
}

// TestPodDeletedGracefullyWhateverThePolicy: kubectl delete pod
// --cascade=foreground (or orphan, or background) deletes the pod as
// gracefully as with no flag: the API server's pod strategy
// (CheckGracefulDelete) takes the grace period from
// terminationGracePeriodSeconds whatever the propagation policy, which only
// adds its finalizer.
func TestPodDeletedGracefullyWhateverThePolicy(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	policies := map[string]string{"p-bg": "Background", "p-fg": "Foreground", "p-orphan": "Orphan"}
	for name := range policies {
		if _, err := c.Apply(&workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name},
			Spec: workload.PodSpec{
				TerminationGracePeriodSeconds: workload.Ptr[int64](20),
				Containers:                    []workload.Container{{Name: "main", Image: "nginx"}},
			},
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Advance(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	for name, policy := range policies {
		if err := c.Delete("Pod", "default", name, policy); err != nil {
			t.Fatal(err)
		}
		o, err := c.Get("Pod", "default", name)
		if err != nil {
			t.Fatalf("pod %s deleted with %s: %v, want it terminating", name, policy, err)
		}
		m := o.GetObjectMeta()
		if m.DeletionGracePeriodSeconds == nil || *m.DeletionGracePeriodSeconds != 20 || !m.DeletionTimestamp.Equal(c.Now().Add(20*time.Second)) {
			t.Errorf("pod %s deleted with %s: deletionGracePeriodSeconds %v, deletionTimestamp %v; want 20 s from now", name, policy, m.DeletionGracePeriodSeconds, m.DeletionTimestamp)
		}
	}
	if err := c.Advance(21 * time.Second); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(t, c, "Pod"); n != 0 {
		t.Errorf("%d pods left after their grace period", n)
	}
}

// TestForegroundDependentPodThatFinishedGoesAtOnce: the garbage collector
// deletes a dependent pod that has dependents of its own in the
// foreground, and the API server's pod strategy still decides its grace
// period (CheckGracefulDelete): a pod that has finished is deleted with 0,
// not its terminationGracePeriodSeconds.
func TestForegroundDependentPodThatFinishedGoesAtOnce(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	owner, err := c.Apply(&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "owner"},
		Spec:       workload.ServiceSpec{Ports: []workload.ServicePort{{Port: 80}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pod, err := c.Apply(&workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "done", OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(owner)}},
		Spec: workload.PodSpec{
			RestartPolicy:                 workload.RestartPolicyNever,
			TerminationGracePeriodSeconds: workload.Ptr[int64](600),
			Containers:                    []workload.Container{{Name: "main", Image: "busybox"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "of-pod", OwnerReferences: []workload.OwnerReference{workload.NewControllerRef(pod)}},
		Spec:       workload.ServiceSpec{Ports: []workload.ServicePort{{Port: 80}}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if p, err := c.Get("Pod", "default", "done"); err != nil || p.(*workload.Pod).Status.Phase != workload.PodSucceeded {
		t.Fatalf("pod before the deletion: %v, want Succeeded", err)
	}
	var grace *int64
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Name == "done" && p.DeletionTimestamp != nil && grace == nil {
			grace = workload.Ptr(*p.DeletionGracePeriodSeconds)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Service", "default", "owner", "Foreground"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if grace == nil {
		t.Errorf("finished pod never marked for deletion")
	} else if *grace != 0 {
		t.Errorf("finished pod deleted by the garbage collector with deletionGracePeriodSeconds %d, want 0", *grace)
	}
	if _, err := c.Get("Pod", "default", "done"); err == nil {
		t.Fatalf("finished pod 5 s after its owner's foreground deletion: still there, want gone")
	}
	if n, _ := count(t, c, "Service"); n != 0 {
		t.Errorf("%d services left, want the owner and the pod's dependent gone", n)
	}
}
