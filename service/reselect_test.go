package service_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/store"
	"github.com/orchestra-go/orchestra/workload"
)

// A pod created in the same batch of changes as a second Service that
// selects it is an endpoint of both Services. The EndpointSlice
// controller met the pod first in the new Service's selector lookup (the
// store being ahead of the events) and recorded it under that Service
// only; the pod's own event then looked like nothing new, and the first
// Service never listed it.
func TestPodCreatedWithASecondServiceJoinsBoth(t *testing.T) {
	c := newCluster(t, "node-a")
	apply(t, c, newService("old", "web"))
	advance(t, c, time.Second)
	apply(t, c, newService("new", "web"))
	apply(t, c, newPod("p", "web", onNode("node-a")))
	advance(t, c, 5*time.Second)
	for _, svc := range []string{"old", "new"} {
		if got := endpoints(t, c, svc); len(got) != 1 {
			t.Errorf("Service %s: slices list %v, want pod p", svc, got)
		}
	}
}

// Under random changes of pods and Services, applied in batches before
// the control plane runs, every Service's slices list exactly the pods of
// the store that its selector matches (and that have an address and have
// not finished).
func TestSlicesFollowMembershipUnderChurn(t *testing.T) {
	c := newCluster(t, "node-a")
	rng := rand.New(rand.NewPCG(5, 6))
	apps := []string{"a", "b", "c"}
	names := []string{"s1", "s2", "s3"}
	next := 0
	for step := range 300 {
		switch op := rng.IntN(6); op {
		case 0, 1:
			apply(t, c, newPod(fmt.Sprintf("p%03d", next), apps[rng.IntN(3)], onNode("node-a"), lbl("tier", apps[rng.IntN(2)])))
			next++
		case 2:
			pods, err := c.List("Pod", "default", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(pods) == 0 {
				continue
			}
			p := pods[rng.IntN(len(pods))].(*workload.Pod)
			if rng.IntN(3) == 0 {
				if err := c.DeletePod("default", p.Name, workload.Ptr[int64](0)); err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
				continue
			}
			p.Labels = map[string]string{"app": apps[rng.IntN(3)], "tier": apps[rng.IntN(2)]}
			p.ResourceVersion = ""
			apply(t, c, p)
		case 3, 4:
			name := names[rng.IntN(3)]
			sel := map[string]string{"app": apps[rng.IntN(3)]}
			if rng.IntN(3) == 0 {
				sel["tier"] = apps[rng.IntN(2)]
			}
			o, err := c.Get("Service", "default", name)
			if err != nil {
				svc := newService(name, "")
				svc.Spec.Selector = sel
				apply(t, c, svc)
				continue
			}
			svc := o.(*workload.Service)
			svc.Spec.Selector = sel
			svc.ResourceVersion = ""
			apply(t, c, svc)
		case 5:
			if err := c.Delete("Service", "default", names[rng.IntN(3)], ""); err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
		}
		if rng.IntN(3) > 0 {
			continue // let changes pile up
		}
		advance(t, c, time.Second)
		svcs, err := c.List("Service", "default", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range svcs {
			svc := o.(*workload.Service)
			if len(svc.Spec.Selector) == 0 {
				continue
			}
			var want []string
			pods, err := c.List("Pod", "default", "")
			if err != nil {
				t.Fatal(err)
			}
			for _, po := range pods {
				p := po.(*workload.Pod)
				match := true
				for k, v := range svc.Spec.Selector {
					match = match && p.Labels[k] == v
				}
				if match && p.Status.PodIP != "" && p.Status.Phase != workload.PodSucceeded && p.Status.Phase != workload.PodFailed {
					want = append(want, p.Name)
				}
			}
			var got []string
			sls, err := c.List("EndpointSlice", "default", workload.LabelServiceName+"="+svc.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, so := range sls {
				for _, ep := range so.(*workload.EndpointSlice).Endpoints {
					got = append(got, ep.TargetRef.Name)
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if !equalStrings(got, want) {
				t.Fatalf("step %d: Service %s (selector %v): slices list %v, want %v", step, svc.Name, svc.Spec.Selector, got, want)
			}
		}
	}
}

func equalStrings(a, b []string) bool { return slices.Equal(a, b) }
