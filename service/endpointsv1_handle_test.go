package service

import (
	"testing"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// The Endpoints controller wakes its Services for a pod change that can
// move the pod's addresses (its readiness here), not for one that cannot
// (a container restart that leaves it ready): the Reconcile it would cost
// rebuilds the Endpoints object of each Service that selects the pod.
func TestEndpointsV1HandleSkipsChangesThatMoveNoAddress(t *testing.T) {
	s := store.New(store.Config{Seed: 1})
	if _, err := s.Create(&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       workload.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []workload.ServicePort{{Port: 80}}},
	}); err != nil {
		t.Fatal(err)
	}
	ready := func(ok bool, restarts int32) *workload.Pod {
		st := workload.ConditionFalse
		if ok {
			st = workload.ConditionTrue
		}
		return &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: "p", Namespace: "default", UID: "u", Labels: map[string]string{"app": "web"}},
			Spec:       workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "c"}}},
			Status: workload.PodStatus{Phase: workload.PodRunning, PodIP: "10.0.0.2",
				Conditions:        []workload.PodCondition{{Type: workload.PodReady, Status: st}},
				ContainerStatuses: []workload.ContainerStatus{{Name: "c", Ready: ok, RestartCount: restarts}}},
		}
	}
	c := NewEndpointsV1Controller(controller.Deps{Store: s})
	c.Start(func(string) {})
	var woken []string
	enqueue := func(k string) { woken = append(woken, k) }
	handle := func(typ string, p *workload.Pod) []string {
		woken = nil
		c.Handle(store.Event{Type: typ, Object: p}, enqueue)
		return woken
	}
	if got := handle(store.Added, ready(false, 0)); len(got) != 1 || got[0] != "default/web" {
		t.Fatalf("new selected pod woke %v, want [default/web]", got)
	}
	if got := handle(store.Modified, ready(true, 0)); len(got) != 1 {
		t.Fatalf("pod becoming ready woke %v, want [default/web]", got)
	}
	if got := handle(store.Modified, ready(true, 1)); len(got) != 0 {
		t.Fatalf("a restart that leaves the pod ready woke %v, want nothing", got)
	}
	if got := handle(store.Modified, ready(false, 1)); len(got) != 1 {
		t.Fatalf("pod becoming unready woke %v, want [default/web]", got)
	}
	if got := handle(store.Deleted, ready(false, 1)); len(got) != 1 {
		t.Fatalf("deleted pod woke %v, want [default/web]", got)
	}
}

// The Endpoints controller orders a subset's addresses as Kubernetes'
// LessEndpointAddress (pkg/api/v1/endpoints/util.go, RepackSubsets'
// SortSubsets): by the IP's bytes, so 10.0.0.10 comes before 10.0.0.9,
// then by the pod's uid.
func TestEndpointsV1AddressesInLexicographicOrder(t *testing.T) {
	s := store.New(store.Config{Seed: 1})
	objs := []workload.Object{&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       workload.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []workload.ServicePort{{Port: 80}}},
	}}
	for i, ip := range []string{"10.0.0.9", "10.0.0.10", "10.0.0.2", "10.0.0.10"} {
		objs = append(objs, &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: "p" + string(rune('a'+i)), Namespace: "default", Labels: map[string]string{"app": "web"}},
			Spec:       workload.PodSpec{NodeName: "n", HostNetwork: true, Containers: []workload.Container{{Name: "c"}}},
			Status: workload.PodStatus{Phase: workload.PodRunning, PodIP: ip,
				Conditions: []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionTrue}}},
		})
	}
	for _, o := range objs {
		if _, err := s.Create(o); err != nil {
			t.Fatal(err)
		}
	}
	c := NewEndpointsV1Controller(controller.Deps{Store: s})
	c.Start(func(string) {})
	if _, err := c.Reconcile(t.Context(), "default/web"); err != nil {
		t.Fatal(err)
	}
	o, err := s.Get("Endpoints", "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	ep := o.(*workload.Endpoints)
	var got []string
	for _, ss := range ep.Subsets {
		for _, a := range ss.Addresses {
			got = append(got, a.IP+"/"+a.TargetRef.Name)
		}
	}
	// pb and pd share 10.0.0.10: by uid.
	uid := func(name string) string {
		p, _ := s.Peek("Pod", "default", name)
		return p.GetObjectMeta().UID
	}
	second, third := "pb", "pd"
	if uid("pd") < uid("pb") {
		second, third = "pd", "pb"
	}
	want := []string{"10.0.0.10/" + second, "10.0.0.10/" + third, "10.0.0.2/pc", "10.0.0.9/pa"}
	if len(got) != len(want) {
		t.Fatalf("addresses %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("addresses %v, want %v", got, want)
		}
	}
}
