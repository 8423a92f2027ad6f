package orchestra_test

import (
	"errors"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func newVirtualCluster(t *testing.T, nodes ...string) *orchestra.Cluster {
	t.Helper()
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(t0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for _, n := range nodes {
		if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestBarePodRunsToCompletionAtExactTime(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	pod := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "once"},
		Spec: workload.PodSpec{
			RestartPolicy: workload.RestartPolicyNever,
			Containers:    []workload.Container{{Name: "main", Image: "busybox"}},
		},
	}
	if _, err := c.Apply(pod); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(9 * time.Second); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get("Pod", "default", "once")
	if err != nil {
		t.Fatal(err)
	}
	p := got.(*workload.Pod)
	if p.Spec.NodeName != "node-a" || p.Status.Phase != workload.PodRunning {
		t.Fatalf("at 9s: node %q phase %q, want node-a Running", p.Spec.NodeName, p.Status.Phase)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	got, _ = c.Get("Pod", "default", "once")
	p = got.(*workload.Pod)
	if p.Status.Phase != workload.PodSucceeded {
		t.Fatalf("at 10s: phase %q, want Succeeded", p.Status.Phase)
	}
	term := p.Status.ContainerStatuses[0].State.Terminated
	if term == nil || !term.FinishedAt.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("terminated state %+v, want finished at %v", term, t0.Add(10*time.Second))
	}
}

func TestPodDeletedGracefully(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	pod := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec: workload.PodSpec{
			TerminationGracePeriodSeconds: workload.Ptr[int64](20),
			Containers:                    []workload.Container{{Name: "main", Image: "nginx"}},
		},
	}
	if _, err := c.Apply(pod); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Pod", "default", "web", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(19 * time.Second); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get("Pod", "default", "web")
	if err != nil {
		t.Fatalf("pod gone before its grace period: %v", err)
	}
	if got.GetObjectMeta().DeletionTimestamp == nil {
		t.Fatal("pod not terminating")
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("Pod", "default", "web"); err == nil {
		t.Fatal("pod still there after its grace period")
	}
}

func TestUnschedulablePodStaysPending(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	pod := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "picky"},
		Spec: workload.PodSpec{
			NodeSelector: map[string]string{"disk": "ssd"},
			Containers:   []workload.Container{{Name: "main", Image: "nginx"}},
		},
	}
	if _, err := c.Apply(pod); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Get("Pod", "default", "picky")
	p := got.(*workload.Pod)
	var sched *workload.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == workload.PodScheduled {
			sched = &p.Status.Conditions[i]
		}
	}
	if p.Spec.NodeName != "" || sched == nil || sched.Status != workload.ConditionFalse || sched.Reason != "Unschedulable" {
		t.Fatalf("node %q, PodScheduled %+v: want unbound with PodScheduled=False Unschedulable", p.Spec.NodeName, sched)
	}
	found := false
	for _, e := range c.Events() {
		if e.Reason == "FailedScheduling" && e.InvolvedObject.Name == "picky" {
			found = true
		}
	}
	if !found {
		t.Fatal("no FailedScheduling event")
	}
	// A node that fits arrives: the pod is retried and placed.
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-b", Labels: map[string]string{"disk": "ssd"}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	got, _ = c.Get("Pod", "default", "picky")
	if n := got.(*workload.Pod).Spec.NodeName; n != "node-b" {
		t.Fatalf("after node-b joined: node %q, want node-b", n)
	}
}

// TestReapplyBoundPod applies the same pod manifest twice: the second
// apply keeps the scheduler's binding instead of failing on spec.nodeName.
func TestReapplyBoundPod(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	pod := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "web", Labels: map[string]string{"v": "1"}},
		Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
	}
	if _, err := c.Apply(pod); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	pod.Labels["v"] = "2"
	out, err := c.Apply(pod)
	if err != nil {
		t.Fatalf("re-apply: %v", err)
	}
	p := out.(*workload.Pod)
	if p.Spec.NodeName != "node-a" || p.Labels["v"] != "2" {
		t.Fatalf("node %q labels %v, want still on node-a with v=2", p.Spec.NodeName, p.Labels)
	}
}

func TestKindNames(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Node", "node", "nodes", "no"} {
		objs, err := c.List(k, "", "")
		if err != nil || len(objs) != 1 {
			t.Errorf("List(%q): %d objects, %v; want node-a", k, len(objs), err)
		}
	}
	for _, k := range []string{"Jbo", "", "jobss"} {
		if _, err := c.List(k, "", ""); !errors.Is(err, workload.ErrInvalid) {
			t.Errorf("List(%q): %v, want an unknown-kind error", k, err)
		}
		if _, err := c.Get(k, "default", "x"); !errors.Is(err, workload.ErrInvalid) {
			t.Errorf("Get(%q): %v, want an unknown-kind error", k, err)
		}
	}
}

func TestWatchKind(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	w, err := c.Watch("pods")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := c.Watch("pdos"); !errors.Is(err, workload.ErrInvalid) {
		t.Fatalf("Watch of an unknown kind: %v", err)
	}
	if _, err := c.Apply(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "p"}, Spec: workload.PodSpec{Containers: []workload.Container{{Name: "m", Image: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	ev, ok := w.TryNext()
	if !ok || ev.Type != "ADDED" || ev.Object.GetObjectMeta().Name != "p" {
		t.Fatalf("first event %v %v", ev.Type, ok)
	}
}

// TestBindingIsOneWrite checks that the scheduler binds as Kubernetes'
// pods/binding does: spec.nodeName and PodScheduled=True arrive in one
// write, and the pod's generation stays 1 (a binding is no spec update).
func TestBindingIsOneWrite(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	var bound []*workload.Pod
	c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Spec.NodeName != "" && len(bound) == 0 {
			bound = append(bound, p.DeepCopy())
		}
	})
	pod := &workload.Pod{
		ObjectMeta: workload.ObjectMeta{Name: "web"},
		Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "main", Image: "nginx"}}},
	}
	if _, err := c.Apply(pod); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if len(bound) != 1 {
		t.Fatal("the pod was never bound")
	}
	p := bound[0]
	var sched *workload.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == workload.PodScheduled {
			sched = &p.Status.Conditions[i]
		}
	}
	if sched == nil || sched.Status != workload.ConditionTrue || !sched.LastTransitionTime.Equal(t0) {
		t.Errorf("first state with a node has PodScheduled %+v, want True since %v", sched, t0)
	}
	if p.Generation != 1 || p.Status.Phase != workload.PodPending {
		t.Errorf("bound pod: generation %d phase %q, want 1 and Pending", p.Generation, p.Status.Phase)
	}
}

// TestKubeletEvents: the cluster records the kubelet's container events,
// with Kubernetes' reasons and messages: Created and Started for every run,
// a BackOff warning for every crash-loop back-off, Killing when a running
// container is stopped for a deletion.
func TestKubeletEvents(t *testing.T) {
	clock := vtime.NewVirtual(t0)
	f, err := fake.New(fake.Config{Clock: clock, Behaviors: []fake.Behavior{
		{Match: fake.Match{Image: "crasher"}, RunFor: workload.Ptr(time.Second), ExitCode: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := orchestra.New(orchestra.Config{Runtime: f, Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := f.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*workload.Pod{
		{ObjectMeta: workload.ObjectMeta{Name: "crash"}, Spec: workload.PodSpec{Containers: []workload.Container{{Name: "app", Image: "crasher"}}}},
		{ObjectMeta: workload.ObjectMeta{Name: "web"}, Spec: workload.PodSpec{Containers: []workload.Container{{Name: "nginx", Image: "nginx"}}}},
	} {
		if _, err := c.Apply(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePod("default", "web", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	o, err := c.Get("Pod", "default", "crash")
	if err != nil {
		t.Fatal(err)
	}
	crash := o.(*workload.Pod)
	runs := crash.Status.ContainerStatuses[0].RestartCount + 1
	if cs := crash.Status.ContainerStatuses[0]; cs.State.Running != nil {
		runs = cs.RestartCount + 1
	}
	type key struct{ pod, typ, reason, message string }
	got := map[key]int32{}
	for _, e := range c.Events() {
		if e.InvolvedObject.Kind == "Pod" {
			got[key{e.InvolvedObject.Name, e.Type, e.Reason, e.Message}] += e.Count
		}
	}
	backOff := key{"crash", workload.EventTypeWarning, "BackOff",
		"Back-off restarting failed container app in pod crash_default(" + crash.UID + ")"}
	want := map[key]int32{
		{"crash", workload.EventTypeNormal, "Created", "Created container: app"}: runs,
		{"crash", workload.EventTypeNormal, "Started", "Started container app"}:  runs,
		{"web", workload.EventTypeNormal, "Created", "Created container: nginx"}: 1,
		{"web", workload.EventTypeNormal, "Started", "Started container nginx"}:  1,
		{"web", workload.EventTypeNormal, "Killing", "Stopping container nginx"}: 1,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%+v: count %d, want %d", k, got[k], n)
		}
	}
	// Every exit but a final one still in back-off waits out a back-off.
	if n := got[backOff]; n < runs-1 || n > runs || n == 0 {
		t.Errorf("%+v: count %d, want %d or %d", backOff, n, runs-1, runs)
	}
}
