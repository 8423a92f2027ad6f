package store

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orchestra-go/orchestra/workload"
	"k8s.io/apimachinery/pkg/labels"
)

func TestBind(t *testing.T) {
	s, clk := newTestStore(t)
	in := pod("", "web", map[string]string{"app": "web"})
	in.Status.Conditions = []workload.PodCondition{{Type: workload.PodScheduled, Status: workload.ConditionFalse, Reason: "Unschedulable"}}
	created := mustCreate(t, s, in)
	w, err := s.Watch("Pod", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	clk.t = epoch.Add(time.Minute)

	got, err := s.Bind("", "web", created.UID, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.NodeName != "n1" || got.Status.Phase != workload.PodPending || got.Generation != 1 {
		t.Errorf("bound pod: nodeName %q phase %q generation %d, want n1, Pending, 1 (a binding is no spec update)",
			got.Spec.NodeName, got.Status.Phase, got.Generation)
	}
	want := []workload.PodCondition{{Type: workload.PodScheduled, Status: workload.ConditionTrue, LastTransitionTime: workload.NewTime(clk.t)}}
	if diff := cmp.Diff(want, got.Status.Conditions); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
	if got.ResourceVersion != "2" {
		t.Errorf("resourceVersion %q, want 2 (one write)", got.ResourceVersion)
	}
	// The pod stored before is untouched (stored objects are immutable).
	if created.Spec.NodeName != "" || created.Status.Conditions[0].Status != workload.ConditionFalse {
		t.Errorf("the earlier copy changed: %+v", created)
	}
	ev, ok := w.TryNext()
	if !ok || ev.Type != Modified || ev.Object.(*workload.Pod).Spec.NodeName != "n1" {
		t.Errorf("event %s %+v, want one Modified with the node", ev.Type, ev.Object)
	}
	// The node index follows the binding; the label index stays.
	if on := s.ListPodsOnNode("n1"); len(on) != 1 || on[0].Name != "web" {
		t.Errorf("ListPodsOnNode(n1) = %v, want web", on)
	}
	if l := s.List("Pod", "default", labels.SelectorFromSet(labels.Set{"app": "web"})); len(l) != 1 {
		t.Errorf("List by label after Bind: %d pods, want 1", len(l))
	}

	// A pod scheduled once keeps its condition's transition time.
	p2 := pod("", "again", nil)
	p2.Status.Conditions = []workload.PodCondition{{Type: workload.PodScheduled, Status: workload.ConditionTrue, LastTransitionTime: workload.NewTime(epoch)}}
	mustCreate(t, s, p2)
	b2, err := s.Bind("default", "again", "", "n2")
	if err != nil {
		t.Fatal(err)
	}
	if lt := b2.Status.Conditions[0].LastTransitionTime; !lt.Equal(epoch) {
		t.Errorf("lastTransitionTime %v, want the earlier %v (status did not change)", lt, epoch)
	}
}

func TestBindRefused(t *testing.T) {
	s, _ := newTestStore(t)
	p := mustCreate(t, s, pod("", "web", nil))
	if _, err := s.Bind("", "web", "", "n1"); err != nil {
		t.Fatal(err)
	}
	deleting := pod("", "going", nil)
	deleting.Finalizers = []string{"example.com/hold"}
	mustCreate(t, s, deleting)
	if _, err := s.Delete("Pod", "", "going", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, pod("", "other", nil))
	gated := pod("", "gated", nil)
	gated.Spec.SchedulingGates = []workload.PodSchedulingGate{{Name: "example.com/wait"}}
	mustCreate(t, s, gated)
	rv := s.ResourceVersion()
	for _, tc := range []struct {
		name, pod, uid, node, field string
		want                        error
	}{
		{"already bound", "web", "", "n2", "already assigned to node \"n1\"", ErrConflict},
		{"uid mismatch", "other", p.UID, "n1", "metadata.uid", ErrConflict},
		{"being deleted", "going", "", "n1", "being deleted", ErrConflict},
		{"no such pod", "absent", "", "n1", "Pod/default/absent", ErrNotFound},
		{"no node", "other", "", "", "target.name", ErrInvalid},
		{"scheduling gates", "gated", "", "n1", "non-empty .spec.schedulingGates", ErrInvalid},
		{"no name", "", "", "n1", "metadata.name", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Bind("default", tc.pod, tc.uid, tc.node)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err %q does not name %q", err, tc.field)
			}
		})
	}
	if s.ResourceVersion() != rv {
		t.Errorf("a refused Bind wrote: resourceVersion %d, was %d", s.ResourceVersion(), rv)
	}
}

// TestBindFreshPodsShareNothingVisible: pods that had no conditions, bound
// at one instant, get PodScheduled True since then (pods bound at one
// instant share the list, which is never modified); a later binding gets
// its own time, and a status update of one pod, or a finalizer the
// runtime adds with a status (MergeStatusFinalizer) and then removes,
// changes no other pod.
func TestBindFreshPodsShareNothingVisible(t *testing.T) {
	s, clk := newTestStore(t)
	for _, n := range []string{"a", "b", "c"} {
		mustCreate(t, s, pod("", n, nil))
	}
	clk.t = epoch.Add(time.Minute)
	a, err := s.Bind("", "a", "", "n1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Bind("", "b", "", "n1")
	if err != nil {
		t.Fatal(err)
	}
	clk.t = epoch.Add(2 * time.Minute)
	c, err := s.Bind("", "c", "", "n2")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) []workload.PodCondition {
		return []workload.PodCondition{{Type: workload.PodScheduled, Status: workload.ConditionTrue, LastTransitionTime: workload.NewTime(epoch.Add(d))}}
	}
	for _, tc := range []struct {
		p    *workload.Pod
		want []workload.PodCondition
	}{{a, at(time.Minute)}, {b, at(time.Minute)}, {c, at(2 * time.Minute)}} {
		if diff := cmp.Diff(tc.want, tc.p.Status.Conditions); diff != "" || tc.p.Status.Phase != workload.PodPending {
			t.Errorf("%s: phase %q, conditions (-want +got):\n%s", tc.p.Name, tc.p.Status.Phase, diff)
		}
	}

	// A status update of a (a new list with one more condition) leaves b.
	na := *a
	na.Status.Conditions = append(na.Status.Conditions, workload.PodCondition{Type: workload.PodReady, Status: workload.ConditionFalse})
	if err := s.SetStatus(&na); err != nil {
		t.Fatal(err)
	}
	// The runtime finalizer on both with their first status, then off a.
	const fin = "example.com/runtime"
	keep := func(stored, in workload.Object) (workload.Object, error) {
		p := *stored.(*workload.Pod)
		return &p, nil
	}
	for _, n := range []string{"a", "b"} {
		if err := s.MergeStatusFinalizer(pod("", n, nil), fin, keep); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RemoveFinalizer("Pod", "", "a", "", fin); err != nil {
		t.Fatal(err)
	}
	// A second finalizer on b, after the shared one.
	if err := s.MergeStatusFinalizer(pod("", "b", nil), "example.com/other", keep); err != nil {
		t.Fatal(err)
	}
	gotA, _ := s.Peek("Pod", "", "a")
	gotB, _ := s.Peek("Pod", "", "b")
	if f := gotA.GetObjectMeta().Finalizers; len(f) != 0 {
		t.Errorf("a: finalizers %q, want none", f)
	}
	if f := gotB.GetObjectMeta().Finalizers; !slices.Equal(f, []string{fin, "example.com/other"}) {
		t.Errorf("b: finalizers %q, want [%s example.com/other]", f, fin)
	}
	if n := len(gotA.(*workload.Pod).Status.Conditions); n != 2 {
		t.Errorf("a: %d conditions, want 2", n)
	}
	if diff := cmp.Diff(at(time.Minute), gotB.(*workload.Pod).Status.Conditions); diff != "" {
		t.Errorf("b: conditions changed with a's (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(at(time.Minute), b.Status.Conditions); diff != "" {
		t.Errorf("b as bound changed (-want +got):\n%s", diff)
	}
}
