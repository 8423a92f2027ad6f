package breakit_test

import (
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// A pod bound to a node whose Node object was deleted through the API
// (while the runtime still runs the node) is an orphan however it got
// there: Kubernetes' pod GC (pkg/controller/podgc gcOrphaned) looks at
// every pod whose spec.nodeName names no Node, quarantines it 40 s and
// then marks it Failed with DisruptionTarget DeletionByPodGC ("PodGC: node
// no longer exists") and force-deletes it. orchestra collected the pods
// that were on the node when its Node object went, but a pod bound to it
// afterwards (applied with spec.nodeName) ran there for ever.
func TestR10rPodBoundAfterNodeObjectDeletedIsCollected(t *testing.T) {
	c := newCluster(t, "a", "b")
	advance(t, c, time.Second)
	if err := c.Delete("Node", "", "a", ""); err != nil {
		t.Fatal(err)
	}
	advance(t, c, 5*time.Second)
	var failed *workload.Pod
	if err := c.OnChange(func(ev store.Event) {
		if p, ok := ev.Object.(*workload.Pod); ok && p.Name == "q" && p.Status.Phase == workload.PodFailed && failed == nil {
			failed = p.DeepCopy()
		}
	}); err != nil {
		t.Fatal(err)
	}
	applyYAML(t, c, "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  nodeName: a\n  containers: [{name: c, image: x}]\n---\n"+
		"apiVersion: v1\nkind: Pod\nmetadata: {name: keep}\nspec:\n  nodeName: b\n  containers: [{name: c, image: x}]\n")
	advance(t, c, 39*time.Second)
	if p := r9cPod(t, c, "q"); p == nil || p.DeletionTimestamp != nil {
		t.Fatalf("pod q before the quarantine's end: %v, want it still there", p)
	}
	advance(t, c, 2*time.Second)
	if p := r9cPod(t, c, "q"); p != nil {
		t.Errorf("pod bound to the deleted node a, 41 s on: phase %s deleting %v, want gone", p.Status.Phase, p.DeletionTimestamp != nil)
	}
	if failed == nil {
		t.Fatal("pod q was never marked Failed")
	}
	if cond := controller.PodCondition(failed, workload.DisruptionTarget); cond == nil || cond.Reason != "DeletionByPodGC" || cond.Message != "PodGC: node no longer exists" {
		t.Errorf("DisruptionTarget %+v, want DeletionByPodGC 'PodGC: node no longer exists'", cond)
	}
	if _, err := c.Fake().GetPod("default", "q"); err == nil {
		t.Errorf("the runtime still runs pod q")
	}
	if p := r9cPod(t, c, "keep"); p == nil || p.DeletionTimestamp != nil || p.Status.Phase != workload.PodRunning {
		t.Errorf("pod keep on node b: %v, want it Running", p)
	}
}
