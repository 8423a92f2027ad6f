package service

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// The Endpoints controller keeps the pods each Service selects in its
// cache and reads them from there: every change that moves a pod in or
// out of a Service (a selector change, a relabelled or deleted pod, a
// deleted and recreated Service, a restart that missed changes) must move
// it in the cache, or the Endpoints object lists a stale pod or misses a
// new one (Kubernetes' syncService lists the pods from the informer's
// cache by the Service's current selector).
func TestEndpointsV1MembershipFollowsChanges(t *testing.T) {
	s := store.New(store.Config{Seed: 1})
	c := NewEndpointsV1Controller(controller.Deps{Store: s})
	m := controller.NewManager(controller.Deps{Store: s}, c)
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	settle := func() {
		t.Helper()
		for i := 0; m.Step(t.Context()); i++ {
			if i > 100 {
				t.Fatal("controller does not settle")
			}
		}
	}
	must := func(_ workload.Object, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	svc := func(sel map[string]string) *workload.Service {
		return &workload.Service{
			ObjectMeta: workload.ObjectMeta{Name: "web", Namespace: "default"},
			Spec:       workload.ServiceSpec{Selector: sel, Ports: []workload.ServicePort{{Port: 80}}},
		}
	}
	pod := func(name, app, ip string) *workload.Pod {
		return &workload.Pod{
			ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": app}},
			Spec:       workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "c"}}},
			Status: workload.PodStatus{Phase: workload.PodRunning, PodIP: ip,
				Conditions: []workload.PodCondition{{Type: workload.PodReady, Status: workload.ConditionTrue}}},
		}
	}
	relabel := func(name, app string) {
		t.Helper()
		o, err := s.Get("Pod", "default", name)
		if err != nil {
			t.Fatal(err)
		}
		p := o.(*workload.Pod)
		p.Labels = map[string]string{"app": app}
		must(s.Update(p))
	}
	reselect := func(app string) {
		t.Helper()
		o, err := s.Get("Service", "default", "web")
		if err != nil {
			t.Fatal(err)
		}
		sv := o.(*workload.Service)
		sv.Spec.Selector = map[string]string{"app": app}
		must(s.Update(sv))
	}
	listed := func() string {
		t.Helper()
		o, err := s.Get("Endpoints", "default", "web")
		if err != nil {
			return "<none>"
		}
		var names []string
		for _, ss := range o.(*workload.Endpoints).Subsets {
			for _, a := range ss.Addresses {
				names = append(names, a.TargetRef.Name)
			}
			for _, a := range ss.NotReadyAddresses {
				names = append(names, a.TargetRef.Name+"?")
			}
		}
		sort.Strings(names)
		return strings.Join(names, ",")
	}
	check := func(step, want string) {
		t.Helper()
		settle()
		if got := listed(); got != want {
			t.Fatalf("%s: Endpoints list %q, want %q", step, got, want)
		}
	}

	must(s.Create(svc(map[string]string{"app": "a"})))
	must(s.Create(pod("pa", "a", "10.0.0.1")))
	must(s.Create(pod("pb", "b", "10.0.0.2")))
	check("created", "pa")

	reselect("b")
	check("selector a -> b", "pb")

	relabel("pa", "b")
	check("pa relabelled into the Service", "pa,pb")

	relabel("pb", "c")
	check("pb relabelled out of the Service", "pa")

	reselect("c")
	check("selector b -> c", "pb")

	must(s.Delete("Pod", "default", "pb", store.DeleteOptions{}))
	check("pb deleted", "")

	must(s.Delete("Service", "default", "web", store.DeleteOptions{}))
	check("Service deleted", "<none>")
	must(s.Create(svc(map[string]string{"app": "b"})))
	check("Service recreated selecting app=b", "pa")

	// A restart rebuilds the cache from the store: changes made while
	// the controller was down (a relabel, a new pod, a selector change)
	// are all seen.
	m.Stop()
	relabel("pa", "d")
	must(s.Create(pod("pc", "d", "10.0.0.3")))
	must(s.Create(pod("pd", "b", "10.0.0.4")))
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	check("restart after pa relabelled out, pd created", "pd")
	m.Stop()
	reselect("d")
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	check("restart after selector b -> d", "pa,pc")

	// Two Services selecting the same pod: one's selector change leaves
	// the other's membership alone.
	must(s.Create(&workload.Service{
		ObjectMeta: workload.ObjectMeta{Name: "other", Namespace: "default"},
		Spec:       workload.ServiceSpec{Selector: map[string]string{"app": "d"}, Ports: []workload.ServicePort{{Port: 80}}},
	}))
	settle()
	reselect("b")
	check("selector d -> b with another Service selecting app=d", "pd")
	o, err := s.Get("Endpoints", "default", "other")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(o.(*workload.Endpoints).Subsets); n != 1 || len(o.(*workload.Endpoints).Subsets[0].Addresses) != 2 {
		t.Fatalf("other Service's Endpoints %+v, want pa and pc", o.(*workload.Endpoints).Subsets)
	}
}

// Under random changes of pods (created, relabelled, readied, deleted)
// and Services (selector changed, deleted, recreated), with the
// controller restarted now and then, the Endpoints objects always equal
// what a controller that has just rebuilt its cache from the store
// computes: the cached membership never goes stale.
func TestEndpointsV1MembershipUnderChurn(t *testing.T) {
	s := store.New(store.Config{Seed: 1})
	c := NewEndpointsV1Controller(controller.Deps{Store: s})
	m := controller.NewManager(controller.Deps{Store: s}, c)
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	rng := rand.New(rand.NewPCG(3, 4))
	apps := []string{"a", "b", "c"}
	svcNames := []string{"s1", "s2", "s3"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	nextPod := 0
	for step := range 400 {
		switch op := rng.IntN(7); op {
		case 0, 1: // a new pod
			ready := workload.ConditionFalse
			if rng.IntN(2) == 0 {
				ready = workload.ConditionTrue
			}
			_, err := s.Create(&workload.Pod{
				ObjectMeta: workload.ObjectMeta{Name: fmt.Sprintf("p%03d", nextPod), Namespace: "default",
					Labels: map[string]string{"app": apps[rng.IntN(len(apps))], "tier": apps[rng.IntN(2)]}},
				Spec: workload.PodSpec{NodeName: "n", Containers: []workload.Container{{Name: "c"}}},
				Status: workload.PodStatus{Phase: workload.PodRunning, PodIP: fmt.Sprintf("10.0.%d.%d", nextPod/200, nextPod%200+1),
					Conditions: []workload.PodCondition{{Type: workload.PodReady, Status: ready}}},
			})
			must(err)
			nextPod++
		case 2, 3: // relabel, readiness flip or delete of a pod
			pods := s.List("Pod", "default", nil)
			if len(pods) == 0 {
				continue
			}
			p := pods[rng.IntN(len(pods))].(*workload.Pod).DeepCopy()
			switch rng.IntN(3) {
			case 0:
				p.Labels = map[string]string{"app": apps[rng.IntN(len(apps))], "tier": apps[rng.IntN(2)]}
				p.ResourceVersion = ""
				_, err := s.Update(p)
				must(err)
			case 1:
				if p.Status.Conditions[0].Status == workload.ConditionTrue {
					p.Status.Conditions[0].Status = workload.ConditionFalse
				} else {
					p.Status.Conditions[0].Status = workload.ConditionTrue
				}
				p.ResourceVersion = ""
				_, err := s.UpdateStatus(p)
				must(err)
			default:
				_, err := s.Delete("Pod", "default", p.Name, store.DeleteOptions{})
				must(err)
			}
		case 4, 5: // create a Service or change its selector
			name := svcNames[rng.IntN(len(svcNames))]
			sel := map[string]string{"app": apps[rng.IntN(len(apps))]}
			if rng.IntN(3) == 0 {
				sel["tier"] = apps[rng.IntN(2)]
			}
			if rng.IntN(5) == 0 {
				sel = nil // no selector
			}
			o, err := s.Get("Service", "default", name)
			if err != nil {
				_, err = s.Create(&workload.Service{
					ObjectMeta: workload.ObjectMeta{Name: name, Namespace: "default"},
					Spec:       workload.ServiceSpec{Selector: sel, Ports: []workload.ServicePort{{Port: 80}}},
				})
				must(err)
				break
			}
			svc := o.(*workload.Service)
			svc.Spec.Selector = sel
			svc.ResourceVersion = ""
			_, err = s.Update(svc)
			must(err)
		case 6: // delete a Service, or restart the controller
			if rng.IntN(2) == 0 {
				if _, err := s.Delete("Service", "default", svcNames[rng.IntN(len(svcNames))], store.DeleteOptions{}); err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
			} else {
				m.Stop()
				must(m.Start())
			}
		}
		if rng.IntN(3) > 0 {
			continue // let changes pile up between syncs
		}
		for i := 0; m.Step(t.Context()); i++ {
			if i > 100 {
				t.Fatal("controller does not settle")
			}
		}
		ref := NewEndpointsV1Controller(controller.Deps{Store: s})
		ref.Start(func(string) {})
		for _, o := range s.List("Service", "default", nil) {
			svc := o.(*workload.Service)
			eo, err := s.Get("Endpoints", "default", svc.Name)
			if selectorOf(svc) == nil {
				if err == nil {
					t.Fatalf("step %d: Service %s has no selector but Endpoints %+v", step, svc.Name, eo)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: Service %s has no Endpoints: %v", step, svc.Name, err)
			}
			want := ref.desired(svc)
			if got := eo.(*workload.Endpoints); !reflect.DeepEqual(got.Subsets, want.Subsets) {
				t.Fatalf("step %d: Endpoints %s:\n got %+v\nwant %+v", step, svc.Name, got.Subsets, want.Subsets)
			}
		}
	}
}
