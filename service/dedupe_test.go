package service_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra/fake"
	"github.com/orchestra-go/orchestra/workload"
)

// Pods of one Service that share an IP (host-network pods of one node, or
// an IP reused while its old pod is still listed) are each an endpoint of
// the EndpointSlices (kubernetes/kubernetes#115907), but the pickers, as
// kube-proxy's EndpointSliceCache (one endpoint per IP:port,
// kubernetes/kubernetes#101935), send to the address once per cycle, and
// use the pod that is ready (kubernetes/kubernetes#135266) rather than
// the first.
func TestPickersMergePodsThatShareAnAddress(t *testing.T) {
	c := newCluster(t, "node-a")
	apply(t, c, newService("web", "web"))
	for _, n := range []string{"a", "b"} {
		p := newPod("web-"+n, "web", onNode("node-a"))
		p.Spec.HostNetwork = true
		if n == "a" {
			annotate(fake.AnnotationReadyAfter, "30s")(p)
		}
		apply(t, c, p)
	}
	apply(t, c, newPod("web-c", "web", onNode("node-a")))
	advance(t, c, 5*time.Second)
	if got := endpoints(t, c, "web"); len(got) != 3 {
		t.Fatalf("slices list %v, want the three pods", got)
	}
	p, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	count := func(n int) map[string]int {
		m := map[string]int{}
		for range n {
			ep, err := p.Pick()
			if err != nil {
				t.Fatal(err)
			}
			m[ep.Address+" "+ep.PodName]++
		}
		return m
	}
	// web-a (not ready) and web-b share the node's address: web-b's.
	got := count(6)
	if len(got) != 2 || got["172.16.0.2 web-b"] != 3 {
		t.Fatalf("picks %v, want the shared address (web-b) and web-c 3 times each", got)
	}
	advance(t, c, 30*time.Second)
	// Both ready: the address is still one endpoint of two.
	got = count(6)
	if len(got) != 2 || got["172.16.0.2 web-a"] != 3 {
		t.Fatalf("picks %v, want the shared address (web-a, the first ready) and web-c 3 times each", got)
	}
	// web-a terminates, then goes: web-b takes the address over.
	if err := c.DeletePod("default", "web-a", nil); err != nil {
		t.Fatal(err)
	}
	advance(t, c, time.Second)
	got = count(6)
	if len(got) != 2 || got["172.16.0.2 web-b"] != 3 {
		t.Fatalf("web-a terminating: picks %v, want web-b and web-c 3 times each", got)
	}
	advance(t, c, 40*time.Second)
	if got := endpoints(t, c, "web"); len(got) != 2 {
		t.Fatalf("slices list %v, want web-b and web-c", got)
	}
	got = count(6)
	if len(got) != 2 || got["172.16.0.2 web-b"] != 3 {
		t.Fatalf("after web-a's deletion: picks %v, want web-b and web-c 3 times each", got)
	}
}

// Random readiness changes, deletions and creations of pods, some of which
// share their node's address: after each, the picker has one endpoint per
// ready address, the first ready pod of it by name.
func TestPickersMergeSharedAddressesUnderChurn(t *testing.T) {
	c := newCluster(t, "node-a", "node-b")
	apply(t, c, newService("web", "web"))
	rng := rand.New(rand.NewPCG(1, 2))
	p, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	next := 0
	create := func() {
		name := fmt.Sprintf("web-%02d", next)
		next++
		po := newPod(name, "web", onNode([]string{"node-a", "node-b"}[rng.IntN(2)]))
		po.Spec.HostNetwork = rng.IntN(3) > 0
		apply(t, c, po)
	}
	for range 6 {
		create()
	}
	for step := range 200 {
		advance(t, c, time.Second)
		objs, err := c.List("Pod", "default", "app=web")
		if err != nil {
			t.Fatal(err)
		}
		var live []string
		for _, o := range objs {
			if o.GetObjectMeta().DeletionTimestamp == nil {
				live = append(live, o.GetObjectMeta().Name)
			}
		}
		switch op := rng.IntN(4); {
		case op == 0 || len(live) == 0:
			create()
		case op == 1:
			if err := c.DeletePod("default", live[rng.IntN(len(live))], workload.Ptr[int64](int64(rng.IntN(3)))); err != nil {
				t.Fatal(err)
			}
		default:
			if err := c.Fake().SetContainerReady("default", live[rng.IntN(len(live))], "main", rng.IntN(2) == 0); err != nil {
				t.Fatal(err)
			}
		}
		advance(t, c, time.Second)
		// What the slices say: per address, the first ready pod.
		want := map[string]string{}
		slices, err := c.List("EndpointSlice", "default", workload.LabelServiceName+"=web")
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range slices {
			for _, ep := range o.(*workload.EndpointSlice).Endpoints {
				if !*ep.Conditions.Ready {
					continue
				}
				a, name := ep.Addresses[0], ep.TargetRef.Name
				if w, ok := want[a]; !ok || name < w {
					want[a] = name
				}
			}
		}
		if len(want) == 0 {
			continue
		}
		got := map[string]string{}
		for range len(want) {
			ep, err := p.Pick()
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			if _, dup := got[ep.Address]; dup {
				t.Fatalf("step %d: %s picked twice in a cycle of %d; want %v", step, ep.Address, len(want), want)
			}
			got[ep.Address] = ep.PodName
		}
		if !maps.Equal(got, want) {
			t.Fatalf("step %d: a cycle picked %v, want %v", step, got, want)
		}
	}
}
