package fake

import (
	"context"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestFirstConditionsFollowContainerNames: pods created at one instant
// share their first conditions only when those are the same; the
// kubelet's messages name the containers ("containers with unready
// status: [a]"), so pods with other containers get their own.
func TestFirstConditionsFollowContainerNames(t *testing.T) {
	clk := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r, err := New(Config{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	mk := func(name string, ctrs []string, inits []string) {
		p := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: name}, Spec: workload.PodSpec{NodeName: "n"}}
		for _, c := range ctrs {
			p.Spec.Containers = append(p.Spec.Containers, workload.Container{Name: c, Image: "x"})
		}
		for _, c := range inits {
			p.Spec.InitContainers = append(p.Spec.InitContainers, workload.Container{Name: c, Image: "x"})
		}
		if err := r.CreatePod(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	mk("a", []string{"a"}, nil)
	mk("b", []string{"b1", "b2"}, nil)
	mk("ia", []string{"a"}, []string{"i1"})
	mk("ib", []string{"a"}, []string{"j1", "j2"})
	want := map[string]map[string]string{
		"a":  {workload.PodReady: "containers with unready status: [a]", workload.ContainersReady: "containers with unready status: [a]"},
		"b":  {workload.PodReady: "containers with unready status: [b1 b2]", workload.ContainersReady: "containers with unready status: [b1 b2]"},
		"ia": {workload.PodInitialized: "containers with incomplete status: [i1]"},
		"ib": {workload.PodInitialized: "containers with incomplete status: [j1 j2]"},
	}
	for name, conds := range want {
		p, err := r.GetPod("default", name)
		if err != nil {
			t.Fatal(err)
		}
		for typ, msg := range conds {
			got := ""
			for _, c := range p.Status.Conditions {
				if c.Type == typ {
					got = c.Message
				}
			}
			if got != msg {
				t.Errorf("pod %s: %s message %q, want %q", name, typ, got, msg)
			}
		}
	}
}
