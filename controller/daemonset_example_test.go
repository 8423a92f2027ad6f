package controller_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orchestra-go/orchestra/controller"
	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// ExampleNewDaemonSet runs the DaemonSet controller alone over a store:
// one pod per node that matches the template's nodeSelector, each pinned
// to its node by required node affinity for the scheduler to bind.
func ExampleNewDaemonSet() {
	clock := vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := store.New(store.Config{Clock: clock, Seed: 1})
	deps := controller.Deps{Store: s, Clock: clock, Events: controller.NewRecorder(s, clock, nil)}
	m := controller.NewManager(deps, controller.NewDaemonSet(deps))
	if err := m.Start(); err != nil {
		panic(err)
	}
	defer m.Stop()

	for _, n := range []struct{ name, disk string }{{"a", "ssd"}, {"b", "hdd"}, {"c", "ssd"}} {
		node := &workload.Node{ObjectMeta: workload.ObjectMeta{Name: n.name, Labels: map[string]string{"disk": n.disk}}}
		if _, err := s.Create(node); err != nil {
			panic(err)
		}
	}
	ds := &workload.DaemonSet{
		ObjectMeta: workload.ObjectMeta{Name: "cache", Namespace: "default"},
		Spec: workload.DaemonSetSpec{
			Selector: &workload.LabelSelector{MatchLabels: map[string]string{"app": "cache"}},
			Template: workload.PodTemplateSpec{
				ObjectMeta: workload.ObjectMeta{Labels: map[string]string{"app": "cache"}},
				Spec: workload.PodSpec{
					NodeSelector: map[string]string{"disk": "ssd"},
					Containers:   []workload.Container{{Name: "cache", Image: "cache:1"}},
				},
			},
		},
	}
	workload.Default(ds)
	if _, err := s.Create(ds); err != nil {
		panic(err)
	}
	for m.Step(context.Background()) {
	}

	for _, o := range s.List("Pod", "default", nil) {
		p := o.(*workload.Pod)
		req := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		fmt.Println("pod for node", req.NodeSelectorTerms[0].MatchFields[0].Values[0])
	}
	o, _ := s.Get("DaemonSet", "default", "cache")
	st := o.(*workload.DaemonSet).Status
	fmt.Println("desired", st.DesiredNumberScheduled, "current", st.CurrentNumberScheduled, "available", st.NumberAvailable)
	// Unordered output:
	// pod for node a
	// pod for node c
	// desired 2 current 2 available 0
}
