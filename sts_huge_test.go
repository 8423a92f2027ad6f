package orchestra_test

import (
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/workload"
)

// TestHugeStatefulSetAdvanceReturns: a StatefulSet (OrderedReady) scaled
// to 2^31-1, which validation accepts as Kubernetes does, then Advance.
// Each sync used to allocate slices of spec.replicas entries (16 GiB),
// and the process died with "fatal error: out of memory". The set makes
// one pod at a time, each after the one before it is Running and Ready,
// so Advance returns with a few pods, ordinals 0, 1, 2, ... without gaps.
func TestHugeStatefulSetAdvanceReturns(t *testing.T) {
	c := newVirtualCluster(t, "node-a")
	labels := map[string]string{"app": "db"}
	if _, err := c.Create(&workload.StatefulSet{
		ObjectMeta: workload.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: workload.StatefulSetSpec{
			Replicas: workload.Ptr[int32](1),
			Selector: &workload.LabelSelector{MatchLabels: labels},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: labels},
				Spec:       workload.PodSpec{Containers: []workload.Container{{Name: "db", Image: "db:1"}}},
			},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.Scale("statefulsets", "default", "db", math.MaxInt32); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	pods, err := c.Pods("default", "app=db")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	if len(names) < 2 || len(names) > 10000 {
		t.Fatalf("%d pods after scaling to 2^31-1 and a minute, want a few made one at a time", len(names))
	}
	for i := range names {
		if !slices.Contains(names, "db-"+strconv.Itoa(i)) {
			t.Fatalf("pods %v: ordinal %d missing, want 0..%d made in order", names, i, len(names)-1)
		}
	}
	t.Logf("%d pods after a minute", len(names))
}
