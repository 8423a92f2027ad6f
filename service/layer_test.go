package service_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orchestra-go/orchestra/service"
	"github.com/orchestra-go/orchestra/workload"
)

func TestPickerTrafficPolicyLocal(t *testing.T) {
	c := newCluster(t, "node-a", "node-b")
	svc := newServiceTyped("web", workload.ServiceTypeNodePort)
	svc.Spec.Selector = map[string]string{"app": "web"}
	svc.Spec.InternalTrafficPolicy = workload.Ptr(workload.TrafficPolicyLocal)
	svc.Spec.ExternalTrafficPolicy = workload.TrafficPolicyLocal
	apply(t, c, svc)
	apply(t, c, newPod("a0", "web", onNode("node-a")))
	apply(t, c, newPod("a1", "web", onNode("node-a")))
	apply(t, c, newPod("b0", "web", onNode("node-b")))
	advance(t, c, time.Second)
	l := c.Services()
	all, _ := l.Picker("default", "web", "")
	onA, _ := l.NodePicker("node-a", "default", "web", "")
	extB, _ := l.ExternalPicker("node-b", "default", "web", "")
	onC, _ := l.NodePicker("node-c", "default", "web", "")
	for _, tt := range []struct {
		p    *service.PortPicker
		want []string
	}{
		{all, []string{"a0", "a1", "b0"}},
		{onA, []string{"a0", "a1"}},
		{extB, []string{"b0"}},
	} {
		if got := distinct(picks(t, tt.p, 6)); !cmp.Equal(got, tt.want) {
			t.Errorf("%v: picks %v, want %v", tt.p, got, tt.want)
		}
	}
	if _, err := onC.Pick(); !errors.Is(err, service.ErrNoEndpoints) {
		t.Fatalf("node without endpoints: %v, want ErrNoEndpoints (no fallback)", err)
	}
	// b0 stops being ready: node-b's external view has nothing, and does
	// not fall back to node-a.
	// Killed twice: the kubelet restarts a container at once after
	// its first crash, and backs off (not ready) after the second.
	for range 2 {
		if err := c.Fake().KillContainer("default", "b0", "main", 1); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 0)
	if _, err := extB.Pick(); !errors.Is(err, service.ErrNoEndpoints) {
		t.Fatalf("external view of node-b with b0 not ready: %v", err)
	}
	// Back to Cluster: the same pickers see every endpoint.
	svc.Spec.InternalTrafficPolicy = workload.Ptr(workload.TrafficPolicyCluster)
	svc.Spec.ExternalTrafficPolicy = workload.TrafficPolicyCluster
	apply(t, c, svc)
	advance(t, c, 0)
	if got := distinct(picks(t, onC, 4)); !cmp.Equal(got, []string{"a0", "a1"}) {
		t.Fatalf("node-c view under Cluster: %v", got)
	}
}

func TestPickerPolicies(t *testing.T) {
	c := newCluster(t, "node-a")
	svc := newService("web", "web")
	svc.Annotations = map[string]string{service.AnnotationLBPolicy: service.PolicyWeighted}
	apply(t, c, svc)
	for _, w := range []struct{ name, weight string }{{"a", "5"}, {"b", "1"}, {"c", ""}} {
		p := newPod(w.name, "web", onNode("node-a"))
		if w.weight != "" {
			annotate(service.AnnotationWeight, w.weight)(p)
		}
		apply(t, c, p)
	}
	advance(t, c, time.Second)
	p, err := c.Services().Picker("default", "web", "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Policy() != service.PolicyWeighted {
		t.Fatalf("policy %s", p.Policy())
	}
	count := map[string]int{}
	for _, n := range picks(t, p, 70) {
		count[n]++
	}
	if diff := cmp.Diff(map[string]int{"a": 50, "b": 10, "c": 10}, count); diff != "" {
		t.Fatalf("weighted picks (-want +got):\n%s", diff)
	}
	tests := []struct{ annotation, want string }{
		{service.PolicyRandom, service.PolicyRandom},
		{service.PolicyLeastRequest, service.PolicyLeastRequest},
		{"fastest", service.PolicyRoundRobin}, // unknown: logged, round robin
		{"", service.PolicyRoundRobin},
	}
	for _, tt := range tests {
		svc.Annotations[service.AnnotationLBPolicy] = tt.annotation
		apply(t, c, svc)
		advance(t, c, 0)
		if p.Policy() != tt.want {
			t.Errorf("annotation %q: policy %s, want %s", tt.annotation, p.Policy(), tt.want)
		}
		if got := distinct(picks(t, p, 30)); !cmp.Equal(got, []string{"a", "b", "c"}) {
			t.Errorf("annotation %q: picks %v", tt.annotation, got)
		}
	}
	svc.Annotations[service.AnnotationLBPolicy] = service.PolicyLeastRequest
	apply(t, c, svc)
	advance(t, c, 0)
	req, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	req.Done()
}

func TestPickerSessionAffinity(t *testing.T) {
	c := newCluster(t, "node-a")
	svc := newService("web", "web")
	svc.Spec.SessionAffinity = workload.SessionAffinityClientIP
	svc.Spec.SessionAffinityConfig = &workload.SessionAffinityConfig{ClientIP: &workload.ClientIPConfig{TimeoutSeconds: workload.Ptr[int32](60)}}
	apply(t, c, svc)
	for i := range 3 {
		apply(t, c, newPod(fmt.Sprintf("web-%d", i), "web", onNode("node-a")))
	}
	advance(t, c, time.Second)
	p, _ := c.Services().Picker("default", "web", "")
	first, err := p.PickFor("192.168.1.7")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if ep, _ := p.PickFor("192.168.1.7"); ep.PodName != first.PodName {
			t.Fatalf("client moved from %s to %s", first.PodName, ep.PodName)
		}
	}
	// The sticky pod stops being ready: the client moves, and stays.
	// Killed twice: the kubelet restarts a container at once after
	// its first crash, and backs off (not ready) after the second.
	for range 2 {
		if err := c.Fake().KillContainer("default", first.PodName, "main", 1); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, c, 0)
	moved, _ := p.PickFor("192.168.1.7")
	if moved.PodName == first.PodName {
		t.Fatal("client kept a pod that is not ready")
	}
	for range 5 {
		if ep, _ := p.PickFor("192.168.1.7"); ep.PodName != moved.PodName {
			t.Fatalf("client moved again to %s", ep.PodName)
		}
	}
}

func TestPickerErrors(t *testing.T) {
	c := newCluster(t)
	if _, err := c.Services().Picker("default", "nope", ""); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("unknown Service: %v", err)
	}
	if _, err := c.Services().NodePicker("", "default", "nope", ""); err == nil {
		t.Fatal("empty node accepted")
	}
	apply(t, c, newService("web", "web"))
	p, err := c.Services().Picker("", "web", "") // "" namespace: default
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Pick(); !errors.Is(err, service.ErrNoEndpoints) {
		t.Fatalf("Service without pods: %v", err)
	}
	if p.String() != "default/web:" {
		t.Fatalf("String() = %q", p.String())
	}
}

// A Picker call that names no port, or a port the Service does not have,
// is told the Service's port names, so that the caller can name one.
func TestPickerErrorListsThePorts(t *testing.T) {
	c := newCluster(t)
	apply(t, c, newService("two", "two",
		workload.ServicePort{Name: "http", Port: 80},
		workload.ServicePort{Name: "grpc", Port: 9000}))
	for _, port := range []string{"", "web", "80"} {
		_, err := c.Services().Picker("", "two", port)
		want := fmt.Sprintf(`service: not found: Service default/two has no port %q (its ports: "http", "grpc")`, port)
		if !errors.Is(err, service.ErrNotFound) || err.Error() != want {
			t.Errorf("Picker(%q): %v, want %s", port, err, want)
		}
	}
}
